using System.Globalization;

namespace AiPlatform.Infrastructure.Training;

/// <summary>CPU time and resident memory of a process and all its descendants, read from Linux's /proc.</summary>
internal static class ProcessTree
{
    /// <summary>USER_HZ, the unit of utime/stime in /proc/PID/stat (100 on Linux).</summary>
    public const double TicksPerSecond = 100;

    private const long PageSize = 4096;

    public static double CpuTicks(int root) => Members(root).Sum(s => s.UserTicks + s.SystemTicks);

    public static long ResidentBytes(int root) => Members(root).Sum(s => s.ResidentPages) * PageSize;

    private sealed record Stat(int Pid, int Parent, double UserTicks, double SystemTicks, long ResidentPages);

    private static List<Stat> Members(int root)
    {
        var all = new List<Stat>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } stat)
            {
                all.Add(stat);
            }
        }

        var members = new HashSet<int> { root };
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var stat in all.Where(s => !members.Contains(s.Pid) && members.Contains(s.Parent)))
            {
                changed |= members.Add(stat.Pid);
            }
        }

        return all.Where(s => members.Contains(s.Pid)).ToList();
    }

    private static Stat? Read(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // The command name is in parentheses and may contain spaces: fields start after the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return new Stat(
                pid,
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                double.Parse(fields[11], CultureInfo.InvariantCulture),
                double.Parse(fields[12], CultureInfo.InvariantCulture),
                long.Parse(fields[21], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
