using AiPlatform.Benchmarks;
using BenchmarkDotNet.Running;

if (args is ["throughput", ..])
{
    await DatasetThroughput.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1024);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
