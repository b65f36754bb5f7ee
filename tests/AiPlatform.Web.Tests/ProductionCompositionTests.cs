using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Features.Training;
using AiPlatform.Web.Tests.Builders;
using Minio;
using Minio.DataModel.Args;
using Npgsql;
using Xunit.Abstractions;

namespace AiPlatform.Web.Tests;

/// <summary>
/// The platform composed the way production runs it: one process (the real <c>Program</c>, configured only by environment
/// variables as an operator does) on PostgreSQL, with its objects in an S3 bucket and its jobs on Hangfire with PostgreSQL
/// storage. A user's whole journey over HTTP (sign in, token, upload, train, register, deploy, infer), then a look behind
/// it at where everything went, so that a wiring mistake in that composition cannot land unseen. Needs the PostgreSQL and
/// S3 (Ceph RADOS Gateway) servers that scripts/test.sh starts; without them the test fails, naming the variable.
/// </summary>
public sealed partial class ProductionCompositionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "aip-prod-" + Guid.NewGuid().ToString("N"));
    private readonly string _bucket = "aip-prod-" + Guid.NewGuid().ToString("N")[..12];
    private PostgresTestDatabase? _postgres;
    private PlatformProcess? _platform;

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public async Task On_PostgreSQL_S3_and_Hangfire_a_user_signs_in_uploads_trains_deploys_and_infers()
    {
        // The peers first, so that a missing one fails here with the variable's name.
        var s3 = new MinioClient().WithEndpoint(TestPeers.S3Endpoint).WithCredentials(TestPeers.S3AccessKey, TestPeers.S3SecretKey).WithRegion("us-east-1").Build();
        _postgres = new PostgresTestDatabase();
        _platform = await PlatformProcess.StartAsync("production", new Dictionary<string, string>
        {
            ["Platform:DataDirectory"] = _data,
            ["Database:Provider"] = "Postgres",
            ["Database:ConnectionString"] = _postgres.ConnectionString,
            ["Storage:Provider"] = "Minio",
            ["Storage:Minio:Endpoint"] = TestPeers.S3Endpoint,
            ["Storage:Minio:AccessKey"] = TestPeers.S3AccessKey,
            ["Storage:Minio:SecretKey"] = TestPeers.S3SecretKey,
            ["Storage:Minio:Bucket"] = _bucket,
            ["Jobs:NodeId"] = "production-smoke",
            ["Training:Local:SandboxRoot"] = _data + "-sandbox",

            // The production defaults, which the process baseline turns off: their registration is Hangfire wiring too.
            ["Jobs:StorageScanCron"] = "0 * * * *",
            ["Jobs:StorageCleanupCron"] = "30 3 * * *",
        });
        var baseAddress = _platform.BaseAddress;

        // Sign in with the login form, as a browser does, and make a personal access token for the rest.
        var token = await SignInAndMintTokenAsync(baseAddress);
        using var api = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        (await api.GetFromJsonAsync<JsonElement>("/api/v1/me")).GetProperty("userName").GetString().ShouldBe("admin");

        // Upload a dataset.
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var project = await CreatedIdAsync(api.PostAsJsonAsync("/api/v1/projects", new { name = "prod-" + suffix }));
        var experiment = await CreatedIdAsync(api.PostAsJsonAsync("/api/v1/experiments", new { projectId = project, name = "exp-" + suffix }));
        var dataset = await CreatedIdAsync(api.PostAsJsonAsync("/api/v1/datasets", new { name = "yield-" + suffix }));
        var csv = YieldCsv();
        var uploaded = await api.PostAsync($"/api/v1/datasets/{dataset}/versions?fileName=yield.csv", new StringContent(csv, Encoding.UTF8, "text/csv"));
        var versionBody = await uploaded.Content.ReadAsStringAsync();
        uploaded.StatusCode.ShouldBe(HttpStatusCode.Created, versionBody);
        var version = JsonDocument.Parse(versionBody).RootElement;
        var versionId = version.GetProperty("id").GetGuid();
        var datasetKey = version.GetProperty("objectKey").GetString().ShouldNotBeNull();
        version.GetProperty("rowCount").GetInt64().ShouldBe(40);

        // Train with the built-in trainer on the Local backend; its job runs on a Hangfire worker.
        var submitted = await api.PostAsJsonAsync("/api/v1/training-runs", new
        {
            experimentId = experiment,
            name = "smoke",
            kind = "BuiltIn",
            builtIn = new { task = "Regression", trainer = "FastTree", label = "y", features = new[] { "x", "color" }, hyperparameters = new Dictionary<string, double> { ["minimumExampleCountPerLeaf"] = 2 }, testFraction = 0.2 },
            datasetId = dataset,
            datasetVersionId = versionId,
        }, JsonDefaults.Options);
        var runId = await CreatedIdAsync(Task.FromResult(submitted));
        var run = await WaitForAsync(() => RunAsync(api, runId), r => r.IsTerminal, $"the training run {runId} to end", TimeSpan.FromMinutes(5));
        run.Status.ShouldBe(TrainingStatus.Succeeded, $"{run.Error}\n--- the run's log:\n{await RunLogAsync(api, runId)}\n{_platform.Tail()}");
        run.JobId.ShouldNotBeNull("the run went through the job system");

        // Register its model and deploy it on the in-process ONNX Runtime.
        var createdModel = await api.PostAsJsonAsync("/api/v1/models", new { name = "yield-" + suffix });
        var modelBody = await createdModel.Content.ReadAsStringAsync();
        createdModel.StatusCode.ShouldBe(HttpStatusCode.Created, modelBody);
        var model = JsonDocument.Parse(modelBody).RootElement.GetProperty("model").GetProperty("id").GetGuid();
        var registered = await api.PostAsJsonAsync($"/api/v1/models/{model}/versions", new { source = $"runs:/{run.TrackingRunId:N}/model" });
        registered.StatusCode.ShouldBe(HttpStatusCode.Created, await registered.Content.ReadAsStringAsync());
        var endpointName = "yield-" + suffix;
        var deployed = await api.PostAsJsonAsync("/api/v1/endpoints", new { name = endpointName, modelId = model });
        var deployBody = await deployed.Content.ReadAsStringAsync();
        deployed.StatusCode.ShouldBe(HttpStatusCode.Created, deployBody);
        JsonDocument.Parse(deployBody).RootElement.GetProperty("endpoint").GetProperty("status").GetString().ShouldBe("Ready", deployBody);

        // Infer over the Open Inference Protocol: y grows with x in the training data.
        var infer = await api.PostAsync($"/v2/models/{endpointName}/infer", new StringContent("""
            {"inputs": [
              {"name": "x", "shape": [2, 1], "datatype": "FP32", "data": [1.0, 8.0]},
              {"name": "color", "shape": [2, 1], "datatype": "BYTES", "data": ["red", "red"]}],
             "outputs": [{"name": "Score.output"}]}
            """, Encoding.UTF8, "application/json"));
        var answerBody = await infer.Content.ReadAsStringAsync();
        infer.StatusCode.ShouldBe(HttpStatusCode.OK, answerBody);
        var score = JsonDocument.Parse(answerBody).RootElement.GetProperty("outputs").EnumerateArray().Single();
        var scores = score.GetProperty("data").EnumerateArray().Select(d => d.GetDouble()).ToList();
        scores.Count.ShouldBe(2, answerBody);
        scores[1].ShouldBeGreaterThan(scores[0], $"y grows with x in the training data: {answerBody}");

        // Behind the journey: the objects are in the bucket, byte for byte.
        (await s3.BucketExistsAsync(new BucketExistsArgs().WithBucket(_bucket))).ShouldBeTrue($"the platform never created its bucket {_bucket} on the S3 server");
        var keys = await ListBucketAsync(s3);
        output.WriteLine($"bucket {_bucket}:\n  {string.Join("\n  ", keys)}");
        keys.ShouldContain(datasetKey, "the dataset version's object is not in the S3 bucket");
        (await ReadObjectAsync(s3, datasetKey)).ShouldBe(csv, "the bucket holds other bytes than the ones uploaded");
        keys.ShouldContain(k => k.StartsWith($"tracking/{run.TrackingRunId:N}/", StringComparison.Ordinal), "the training run's artifacts are not in the S3 bucket");
        keys.ShouldContain(k => k.StartsWith($"models/{model:N}/", StringComparison.Ordinal), "the registered model's files are not in the S3 bucket");

        // The records are in PostgreSQL, and Hangfire keeps its jobs, servers and recurring jobs there too.
        await using (var db = new NpgsqlConnection(_postgres.ConnectionString))
        {
            await db.OpenAsync();
            (await ScalarAsync<long>(db, "select count(*) from dataset_versions where id = @id", versionId)).ShouldBe(1);
            (await ScalarAsync<long>(db, "select count(*) from training_runs where id = @id", runId)).ShouldBe(1);
            (await ScalarAsync<long>(db, "select count(*) from jobs where id = @id", run.JobId!.Value)).ShouldBe(1);
            (await ScalarAsync<long>(db, "select count(*) from serving_endpoints where name = @id", endpointName)).ShouldBe(1);
            (await ScalarAsync<long>(db, "select count(*) from information_schema.tables where table_schema = 'hangfire' and table_name = 'job'")).ShouldBe(1, "Hangfire has no schema in the platform's PostgreSQL database");
            (await ScalarAsync<long>(db, "select count(*) from hangfire.server")).ShouldBeGreaterThan(0, "no Hangfire server registered in PostgreSQL");

            // Hangfire records the success just after the job's method returns, which may be after the run looked ended.
            await WaitForAsync(() => ScalarAsync<long>(db, "select count(*) from hangfire.job where statename = 'Succeeded'"), n => n > 0, "a Hangfire job to be recorded as succeeded in PostgreSQL", TimeSpan.FromMinutes(1));
            (await ScalarAsync<long>(db, "select count(*) from hangfire.set where key = 'recurring-jobs' and value in ('storage.scan', 'storage.cleanup')")).ShouldBe(2, "the storage scan and clean-up are not recurring Hangfire jobs in PostgreSQL");
        }

        // And nothing fell back to the embedded default: no SQLite database, no local object folder.
        var written = Directory.EnumerateFileSystemEntries(_data, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(_data, p)).Order().ToList();
        output.WriteLine($"data folder:\n  {string.Join("\n  ", written)}");
        written.ShouldNotContain(p => p.EndsWith(".db", StringComparison.Ordinal) || p.Contains(".db-", StringComparison.Ordinal), "a SQLite database was created in the data folder");
        Directory.Exists(Path.Combine(_data, "objects")).ShouldBeFalse("objects were written to the local folder instead of the bucket");
        written.ShouldNotContain(p => Path.GetFileName(p) == Path.GetFileName(datasetKey), "the dataset's bytes were kept in the data folder");

        // What an operator reads: no secret, and not a line per object-store request.
        var log = _platform.Output + string.Concat(Directory.EnumerateFiles(Path.Combine(_data, "logs")).Select(ReadShared));
        log.ShouldNotContain(TestPeers.S3SecretKey, Case.Sensitive, "the S3 secret key is in the platform's log");
        log.ShouldNotContain(new NpgsqlConnectionStringBuilder(_postgres.ConnectionString).Password!, Case.Sensitive, "the database password is in the platform's log");
        log.ShouldNotContain(token, Case.Sensitive, "the access token is in the platform's log");
        log.Split('\n').Where(l => l.Contains("System.Net.Http.HttpClient.", StringComparison.Ordinal)).ShouldBeEmpty("every outgoing request (each S3 read and write) is logged");
    }

    public async Task DisposeAsync()
    {
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
            output.WriteLine(_platform.Output);
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        foreach (var folder in new[] { _data, _data + "-sandbox" }.Where(Directory.Exists))
        {
            Directory.Delete(folder, recursive: true);
        }

        await RemoveBucketAsync();
    }

    /// <summary>The login form with its antiforgery token, the session cookie, then a token made with that session.</summary>
    private static async Task<string> SignInAndMintTokenAsync(Uri baseAddress)
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var browser = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var form = await browser.GetStringAsync("/account/login");
        var antiforgery = AntiforgeryField().Match(form).Groups[1].Value;
        antiforgery.ShouldNotBeNullOrEmpty("the login form carries an antiforgery token");
        var signedIn = await browser.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userName"] = "admin",
            ["password"] = PlatformProcess.AdminPassword,
            ["returnUrl"] = "/",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(antiforgery),
        }));
        signedIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        signedIn.Headers.Location!.ToString().ShouldBe("/", "the sign-in was refused");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/me/tokens") { Content = JsonContent.Create(new { name = "smoke", scope = "ReadWrite", expiresInDays = 1 }, options: JsonDefaults.Options) };
        request.Headers.Add("X-AiPlatform-Csrf", "1");
        var created = await browser.SendAsync(request);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<CreatedTokenView>(JsonDefaults.Options)).ShouldNotBeNull().Value;
    }

    /// <summary>y = 2x, plus one for blue: 40 rows, x from 0 to 9.</summary>
    private static string YieldCsv()
    {
        var csv = new StringBuilder("x,color,y\n");
        for (var i = 0; i < 40; i++)
        {
            csv.Append(i % 10).Append(',').Append(i % 2 == 0 ? "red" : "blue").Append(',').Append((i % 10 * 2) + (i % 2)).Append('\n');
        }

        return csv.ToString();
    }

    private static async Task<Guid> CreatedIdAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    private static async Task<TrainingRun> RunAsync(HttpClient api, Guid id) =>
        (await api.GetFromJsonAsync<TrainingRunDetail>($"/api/v1/training-runs/{id}", JsonDefaults.Options)).ShouldNotBeNull().Run;

    private static async Task<string> RunLogAsync(HttpClient api, Guid id) =>
        string.Join('\n', (await api.GetFromJsonAsync<List<TrainingLogLine>>($"/api/v1/training-runs/{id}/log", JsonDefaults.Options) ?? []).Select(l => $"{l.At:O} {l.Level} {l.Message}"));

    private async Task<T> WaitForAsync<T>(Func<Task<T>> probe, Func<T, bool> until, string what, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        T last;
        while (!until(last = await probe()))
        {
            if (watch.Elapsed > timeout || _platform!.HasExited)
            {
                throw new TimeoutException($"Waited {watch.Elapsed.TotalSeconds:0} s for {what}{(_platform!.HasExited ? " (the platform exited)" : string.Empty)}; last seen: {last}.\n--- last output of the platform:\n{_platform.Tail()}");
            }

            await Task.Delay(200);
        }

        return last;
    }

    private async Task<List<string>> ListBucketAsync(IMinioClient s3)
    {
        var keys = new List<string>();
        await foreach (var item in s3.ListObjectsEnumAsync(new ListObjectsArgs().WithBucket(_bucket).WithRecursive(true)))
        {
            keys.Add(item.Key);
        }

        return keys;
    }

    private async Task<string> ReadObjectAsync(IMinioClient s3, string key)
    {
        using var buffer = new MemoryStream();
        await s3.GetObjectAsync(new GetObjectArgs().WithBucket(_bucket).WithObject(key).WithCallbackStream(async (stream, ct) => await stream.CopyToAsync(buffer, ct)));
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The bucket this test made the platform create, emptied and removed (the S3 server outlives the test).</summary>
    private async Task RemoveBucketAsync()
    {
        if (Environment.GetEnvironmentVariable("AIP_TEST_S3_ENDPOINT") is not { Length: > 0 })
        {
            return;
        }

        var s3 = new MinioClient().WithEndpoint(TestPeers.S3Endpoint).WithCredentials(TestPeers.S3AccessKey, TestPeers.S3SecretKey).WithRegion("us-east-1").Build();
        if (!await s3.BucketExistsAsync(new BucketExistsArgs().WithBucket(_bucket)))
        {
            return;
        }

        foreach (var key in await ListBucketAsync(s3))
        {
            await s3.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(_bucket).WithObject(key));
        }

        await s3.RemoveBucketAsync(new RemoveBucketArgs().WithBucket(_bucket));
    }

    /// <summary>A file another process is writing (the platform's rolling log).</summary>
    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection db, string sql, object? id = null)
    {
        await using var command = new NpgsqlCommand(sql, db);
        if (id is not null)
        {
            command.Parameters.AddWithValue("id", id);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
