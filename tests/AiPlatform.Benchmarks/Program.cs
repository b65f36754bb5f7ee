using System.Globalization;
using BenchmarkDotNet.Running;

namespace AiPlatform.Benchmarks;

/// <summary>
/// <c>-- throughput [MB]</c> dataset ingestion, <c>-- tracking [requests per client] [runs]</c> MLflow ingestion and
/// search; <c>-- serving [seconds] [trees]</c> the hot paths (inference, tokens, MLflow, gateway) against the anonymous floor; <c>-- serving-profile [seconds]</c> the server under a mix of them, for a profiler; <c>-- knowledge [chunks]</c> ingestion and retrieval;
/// <c>-- gateway [requests]</c> time to first token through the OpenAI-compatible gateway; <c>-- apps-overhead [runs]</c> and <c>-- apps-inference [seconds]</c> the app runner's goals (see AppsBenchmark); anything else goes to BenchmarkDotNet (e.g. <c>--filter *PermissionFilter*</c>).
/// </summary>
public static class BenchmarkEntry
{
    public static async Task Main(string[] args)
    {
        switch (args)
        {
            case ["throughput", ..]:
                await DatasetThroughput.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1024);
                break;
            case ["tracking", ..]:
                await TrackingBenchmark.RunAsync(
                    args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50,
                    args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100_000);
                break;
            case ["serving", ..]:
                await ServingBenchmark.RunAsync(
                    args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 3,
                    args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200);
                break;
            case ["serving-profile", ..]:
                await ServingBenchmark.RunAsync(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 20, profile: true);
                break;
            case ["serving-host", var data]:
                await ServingBenchmark.HostAsync(data);
                break;
            case ["knowledge", ..]:
                await KnowledgeBenchmark.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000, args.Length > 2 ? args[2] : "docs");
                break;
            case ["gateway", ..]:
                await KnowledgeBenchmark.GatewayAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 40);
                break;
            case ["training", ..]:
                await TrainingOverhead.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300_000);
                break;
            case ["apps-overhead", ..]:
                await AppsBenchmark.OverheadAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300);
                break;
            case ["apps-inference", ..]:
                await AppsBenchmark.InferenceAsync(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 3, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200);
                break;
            default:
                BenchmarkSwitcher.FromAssembly(typeof(BenchmarkEntry).Assembly).Run(args);
                break;
        }
    }
}
