namespace AiPlatform.Web.Features.Training;

public static class TrainingFormat
{
    public static string Duration(Core.Training.TrainingRun run)
    {
        if (run.StartedAt is not { } start)
        {
            return "—";
        }

        var span = (run.FinishedAt ?? DateTimeOffset.UtcNow) - start;
        return span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes}m" : span.TotalMinutes >= 1 ? $"{span.Minutes}m {span.Seconds}s" : $"{span.TotalSeconds:0.#}s";
    }
}
