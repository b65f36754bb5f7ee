using System.Diagnostics;
using System.Globalization;
using System.Text;
using AiPlatform.Core.Access;
using AiPlatform.Core.Data;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracking;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;

namespace AiPlatform.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/AiPlatform.Benchmarks -- training [rows]</c>: the platform's built-in
/// LightGBM run (submit → queue → job → Succeeded, with featurization, evaluation, feature importance, ONNX export
/// and the artifacts and metrics stored) against calling ML.NET directly on the same CSV in the same process (load,
/// the same featurization, LightGBM with the same options, holdout evaluation, model saved). Each side runs five
/// times after a warm-up; medians are compared.
/// </summary>
public static class TrainingOverhead
{
    public static async Task RunAsync(int rows)
    {
        var folder = Path.Combine(Path.GetTempPath(), "aip-training-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var csv = Path.Combine(folder, "customers.csv");
            await File.WriteAllTextAsync(csv, Generate(rows));
            Console.WriteLine($"Generated {rows:N0} rows × 8 columns ({new FileInfo(csv).Length / 1048576.0:N1} MB).");

            await using var services = await DatasetThroughput.BuildAsAdminAsync(Path.Combine(folder, "platform"));

            Guid experimentId, datasetId, versionId;
            await using (var scope = services.CreateAsyncScope())
            {
                var project = await scope.ServiceProvider.GetRequiredService<ProjectService>().CreateAsync("bench", null, default);
                experimentId = (await scope.ServiceProvider.GetRequiredService<ExperimentService>().CreateExperimentAsync(project.Id, "bench", null, default)).Id;
                var datasets = scope.ServiceProvider.GetRequiredService<DatasetService>();
                var dataset = await datasets.CreateAsync("customers", null, null, default);
                await using var file = File.OpenRead(csv);
                (datasetId, versionId) = (dataset.Id, (await datasets.UploadAsync(dataset.Id, file, "customers.csv", null, default)).Version.Id);
            }

            var spec = new BuiltInSpec(TrainingTask.BinaryClassification, TrainerAlgorithm.LightGbm, "churned", ["tenure", "spend", "visits", "age", "plan", "region", "support_calls"]);
            var platformTimes = new List<double>();
            var directTimes = new List<double>();
            for (var round = 0; round < 6; round++)
            {
                var direct = Stopwatch.StartNew();
                var auc = Direct(csv, Path.Combine(folder, $"direct-{round}.zip"), spec.Seed);
                direct.Stop();

                var platform = Stopwatch.StartNew();
                await using (var scope = services.CreateAsyncScope())
                {
                    var training = scope.ServiceProvider.GetRequiredService<TrainingService>();
                    var run = await scope.ServiceProvider.GetRequiredService<TrainingSubmitService>().SubmitAsync(new TrainingRequest(experimentId, $"bench-{round}", TrainingKind.BuiltIn, spec, null, datasetId, versionId), default);
                    var jobId = (await training.GetAsync(run.Id, default)).Run.JobId ?? throw new InvalidOperationException("No job.");
                    await scope.ServiceProvider.GetRequiredService<JobRunner>().RunAsync(jobId, default);
                    var done = (await training.GetAsync(run.Id, default)).Run;
                    if (Environment.GetEnvironmentVariable("AIP_BENCH_VERBOSE") is not null)
                    {
                        foreach (var line in await scope.ServiceProvider.GetRequiredService<IJobStore>().GetLogAsync(jobId, 0, 100, default))
                        {
                            Console.WriteLine($"    {line.At:HH:mm:ss.fff} {line.Message}");
                        }
                    }

                    if (done.Status != TrainingStatus.Succeeded)
                    {
                        throw new InvalidOperationException($"The run ended {done.Status}: {done.Error}");
                    }
                }

                platform.Stop();
                if (round > 0)
                {
                    directTimes.Add(direct.Elapsed.TotalSeconds);
                    platformTimes.Add(platform.Elapsed.TotalSeconds);
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}{(round == 0 ? " (warm-up)" : string.Empty)}: ML.NET directly {direct.Elapsed.TotalSeconds:N2} s (AUC {auc:N3}), platform run {platform.Elapsed.TotalSeconds:N2} s"));
            }

            var d = Median(directTimes);
            var p = Median(platformTimes);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median: ML.NET directly {d:N2} s, platform {p:N2} s; overhead ratio platform/direct = {p / d:N2} (goal <= 1.2)"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>What a user writes without the platform: load, featurize, train, evaluate on a holdout, save.</summary>
    private static double Direct(string csv, string modelPath, int seed)
    {
        var ml = new MLContext(seed);
        var data = ml.Data.LoadFromTextFile(csv, new TextLoader.Options
        {
            HasHeader = true,
            Separators = [','],
            AllowQuoting = true,
            Columns =
            [
                new("tenure", DataKind.Single, 0), new("spend", DataKind.Single, 1), new("visits", DataKind.Single, 2), new("age", DataKind.Single, 3),
                new("plan", DataKind.String, 4), new("region", DataKind.String, 5), new("support_calls", DataKind.Single, 6), new("churned", DataKind.String, 7),
            ],
        });
        var pipeline = ml.Transforms.Conversion.MapValue("Label", [new KeyValuePair<string, bool>("yes", true), new KeyValuePair<string, bool>("no", false)], "churned")
            .Append(ml.Transforms.ReplaceMissingValues([new("tenure"), new("spend"), new("visits"), new("age"), new("support_calls")]))
            .Append(ml.Transforms.Categorical.OneHotEncoding([new("plan"), new("region")]))
            .Append(ml.Transforms.Concatenate("Features", "tenure", "spend", "visits", "age", "plan", "region", "support_calls"))
            .Append(ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options { NumberOfLeaves = 31, NumberOfIterations = 100, LearningRate = 0.1, MinimumExampleCountPerLeaf = 20, Seed = seed }));
        var split = ml.Data.TrainTestSplit(ml.Data.Cache(data), 0.2, seed: seed);
        var model = pipeline.Fit(split.TrainSet);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(split.TestSet));
        using var file = File.Create(modelPath);
        ml.Model.Save(model, data.Schema, file);
        return metrics.AreaUnderRocCurve;
    }

    private static string Generate(int rows)
    {
        var random = new Random(11);
        string[] plans = ["basic", "pro", "team"];
        string[] regions = ["north", "south", "east", "west", "central"];
        var csv = new StringBuilder("tenure,spend,visits,age,plan,region,support_calls,churned\n");
        for (var i = 0; i < rows; i++)
        {
            var tenure = random.Next(1, 72);
            var spend = random.NextDouble() * 120;
            var calls = random.Next(0, 8);
            var risk = (calls * 0.4) - (tenure * 0.05) - (spend * 0.01) + (random.NextDouble() * 1.5);
            csv.Append(CultureInfo.InvariantCulture, $"{tenure},{spend:F2},{random.Next(0, 40)},{random.Next(18, 80)},{plans[random.Next(3)]},{regions[random.Next(5)]},{calls},{(risk > 0.5 ? "yes" : "no")}\n");
        }

        return csv.ToString();
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
