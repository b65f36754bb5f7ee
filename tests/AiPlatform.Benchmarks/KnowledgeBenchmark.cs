using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AiPlatform.Core.Access;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Knowledge;
using AiPlatform.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Benchmarks;

/// <summary>
/// <c>-- knowledge [chunks] [docs|random]</c>: ingests documents holding that many chunks through the real pipeline (upload → job →
/// extraction → chunking → MiniLM embeddings → database), builds the index, then compares the HNSW graph with exact
/// search on the same vectors (recall@10 and latency) and times full hybrid queries. The embedder alone on the same
/// texts is the ingestion baseline. <c>-- gateway [requests]</c>: time to first token through the platform's
/// OpenAI-compatible gateway against the same llama.cpp server called directly, alternating, same run.
/// </summary>
public static partial class KnowledgeBenchmark
{
    private const string Password = "Bench-Passw0rd-1";

    public static async Task RunAsync(int chunks, string corpus)
    {
        var folder = Path.Combine(Path.GetTempPath(), "aip-knowledge-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var random = new Random(11);
            var words = Vocabulary();

            // "docs": real English — the XML documentation of every NuGet package and .NET reference pack on this
            // machine (summaries, remarks, parameters), deduplicated, in file order so documents stay on a topic;
            // one text in 500 is held out as a question. "random": sentences of random words (a worst case for ANN).
            var texts = corpus == "docs" ? DocTexts() : [];
            var questions = corpus == "docs"
                ? texts.Where((_, i) => i % 500 == 250).Select(t => t.Length > 160 ? t[..160] : t).Take(200).ToList()
                : Enumerable.Range(0, 200).Select(_ => Paragraph(words, random)[..120]).ToList();
            var pool = corpus == "docs" ? new Queue<string>(texts.Where((_, i) => i % 500 != 250)) : null;
            var chunkSize = corpus == "docs" ? 200 : 500;
            string NextText() => pool is null ? Paragraph(words, random) : pool.TryDequeue(out var t) ? t : throw new InvalidOperationException($"The corpus ran out before {chunks:N0} chunks; ask for fewer.");
            Console.WriteLine(corpus == "docs"
                ? $"Knowledge benchmark: {chunks:N0} chunks of up to {chunkSize} characters from {texts.Count:N0} documentation texts (mean {texts.Average(t => t.Length):N0} characters), {Environment.ProcessorCount} cores."
                : $"Knowledge benchmark: {chunks:N0} chunks of ~450 characters of random words ({words.Length:N0}-word vocabulary), {Environment.ProcessorCount} cores.");

            await using var services = await DatasetThroughput.BuildAsAdminAsync(Path.Combine(folder, "platform"));

            // Baseline: the embedder alone on 2,000 texts of the same kind.
            var embedder = services.GetRequiredService<ILocalEmbedder>();
            await embedder.EmbedAsync(["warm up"], default);
            var sample = corpus == "docs"
                ? texts.Skip(texts.Count / 2).Take(2000).Select(t => t.Length > chunkSize ? t[..chunkSize] : t).ToList()
                : Enumerable.Range(0, 2000).Select(_ => Paragraph(words, random)).ToList();
            var alone = Stopwatch.StartNew();
            for (var i = 0; i < sample.Count; i += IngestDocumentHandler.BatchSize)
            {
                await embedder.EmbedAsync(sample.Skip(i).Take(IngestDocumentHandler.BatchSize).ToList(), default);
            }

            var embedRate = sample.Count / alone.Elapsed.TotalSeconds;
            Console.WriteLine($"MiniLM alone on chunk-sized texts, batches of {IngestDocumentHandler.BatchSize}: {embedRate,8:N0} chunks/s");

            KnowledgeBase kb;
            await using (var scope = services.CreateAsyncScope())
            {
                kb = await scope.ServiceProvider.GetRequiredService<KnowledgeService>().CreateAsync(new KnowledgeBaseInput("bench", null, ChunkSize: chunkSize, ChunkOverlap: 0, SplitByHeadings: false), default);
            }

            var ingest = Stopwatch.StartNew();
            var indexed = 0;
            var textsIn = 0;
            for (var d = 0; indexed < chunks; d++)
            {
                var batch = Enumerable.Range(0, Math.Clamp((chunks - indexed) * 11 / 10, 50, 1000)).Select(_ => NextText()).ToList();
                textsIn += batch.Count;
                await using var scope = services.CreateAsyncScope();
                var knowledge = scope.ServiceProvider.GetRequiredService<KnowledgeDocumentService>();
                var document = await knowledge.UploadAsync(kb.Id, new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n\n", batch))), $"doc-{d:D4}.txt", default);
                await scope.ServiceProvider.GetRequiredService<JobRunner>().RunAsync(document.JobId!.Value, default);
                indexed += (await knowledge.ListDocumentsAsync(kb.Id, default)).Single(x => x.Id == document.Id).ChunkCount;
                if (d % 10 == 9)
                {
                    Console.WriteLine($"  {indexed:N0} chunks in {ingest.Elapsed.TotalSeconds:N0} s");
                }
            }

            var ingestRate = indexed / ingest.Elapsed.TotalSeconds;
            Console.WriteLine($"Ingestion (upload → job → chunks → embeddings → DB): {ingestRate,8:N0} chunks/s = {ingestRate / embedRate:0.00}× the embedder alone ({indexed:N0} chunks from {textsIn:N0} texts, {ingest.Elapsed.TotalSeconds:N0} s)");

            var cache = services.GetRequiredService<KnowledgeIndexCache>();
            var store = services.GetRequiredService<IKnowledgeStore>();
            await using (var scope = services.CreateAsyncScope())
            {
                kb = (await scope.ServiceProvider.GetRequiredService<KnowledgeService>().GetAsync(kb.Id, default)).KnowledgeBase;
            }

            var build = Stopwatch.StartNew();
            var index = await cache.GetAsync(kb, store, 384, default);
            Console.WriteLine($"Index build (HNSW M=16, efConstruction=128 + BM25) over {index.Count:N0} chunks: {build.Elapsed.TotalSeconds:N1} s");

            var reload = Stopwatch.StartNew();
            var fresh = new KnowledgeIndexCache(services.GetRequiredService<IIndexSnapshotStore>(), Microsoft.Extensions.Logging.Abstractions.NullLogger<KnowledgeIndexCache>.Instance);
            await fresh.GetAsync(kb, store, 384, default);
            Console.WriteLine($"Index load from its snapshot (as after a restart): {reload.Elapsed.TotalSeconds:N1} s");

            var queries = await embedder.EmbedAsync(questions, default);
            var exactTimes = new List<double>();
            var truth = new List<HashSet<Guid>>();
            foreach (var q in queries)
            {
                var t = Stopwatch.StartNew();
                truth.Add([.. index.SearchExact(q, 10)]);
                exactTimes.Add(t.Elapsed.TotalMilliseconds);
            }

            Console.WriteLine($"{questions.Count} held-out questions:");
            Console.WriteLine($"{"search",-22}{"recall@10",10}{"p50 ms",9}{"p99 ms",9}{"speed-up",10}");
            Console.WriteLine($"{"exact (all vectors)",-22}{1.0,10:0.000}{Percentile(exactTimes, 50),9:0.000}{Percentile(exactTimes, 99),9:0.000}{1.0,9:0.0}×");
            foreach (var ef in new[] { 32, 64, 100, 200, 400 })
            {
                var times = new List<double>();
                var found = 0;
                for (var i = 0; i < queries.Length; i++)
                {
                    var t = Stopwatch.StartNew();
                    var hits = index.SearchVector(queries[i], 10, ef);
                    times.Add(t.Elapsed.TotalMilliseconds);
                    found += hits.Count(truth[i].Contains);
                }

                Console.WriteLine($"{$"HNSW ef={ef}",-22}{found / (10.0 * queries.Length),10:0.000}{Percentile(times, 50),9:0.000}{Percentile(times, 99),9:0.000}{exactTimes.Average() / times.Average(),9:0.0}×");
            }

            var full = new List<double>();
            foreach (var question in questions.Take(100))
            {
                await using var scope = services.CreateAsyncScope();
                var t = Stopwatch.StartNew();
                await scope.ServiceProvider.GetRequiredService<KnowledgeRetrievalService>().SearchAsync(kb.Id, question, 5, RetrievalMode.Hybrid, 0, null, default);
                full.Add(t.Elapsed.TotalMilliseconds);
            }

            Console.WriteLine($"Hybrid query through KnowledgeRetrievalService (embed question + HNSW + BM25 + RRF + read chunks), top 5: p50 {Percentile(full, 50):0.0} ms, p99 {Percentile(full, 99):0.0} ms");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Summaries, remarks, returns and parameter texts of the XML documentation files under the NuGet cache and the .NET packs.</summary>
    private static List<string> DocTexts()
    {
        var dotnet = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        var roots = new[] { Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"), Path.Combine(dotnet, "packs") }.Where(Directory.Exists);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var texts = new List<string>();
        foreach (var file in roots.SelectMany(r => Directory.EnumerateFiles(r, "*.xml", SearchOption.AllDirectories)).Order(StringComparer.Ordinal))
        {
            string content;
            try
            {
                content = File.ReadAllText(file);
            }
            catch (IOException)
            {
                continue;
            }

            if (!content.AsSpan(0, Math.Min(500, content.Length)).Contains("<doc>", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (Match m in DocElement().Matches(content))
            {
                var text = System.Net.WebUtility.HtmlDecode(string.Join(' ', Tag().Replace(m.Groups[2].Value, " ").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
                if (text.Length >= 60 && seen.Add(text))
                {
                    texts.Add(text);
                }
            }
        }

        return texts;
    }

    [GeneratedRegex("<(summary|remarks|returns|param[^>]*)>(.*?)</(?:summary|remarks|returns|param)>", RegexOptions.Singleline)]
    private static partial Regex DocElement();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tag();

    public static async Task GatewayAsync(int requests)
    {
        var model = Environment.GetEnvironmentVariable("AIP_TEST_LLM_MODEL") is { Length: > 0 } m && File.Exists(m)
            ? m
            : throw new InvalidOperationException("Set AIP_TEST_LLM_MODEL to the test GGUF (scripts/peers/llm/make-model.sh FOLDER writes FOLDER/tiny-llama.gguf).");
        var root = AppContext.BaseDirectory;
        while (!Directory.Exists(Path.Combine(root, "scripts", "peers", "llm")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Run from inside the repository.");
        }

        var free = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        free.Start();
        var llmPort = ((System.Net.IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();
        var peerStart = new ProcessStartInfo("node", ["server.mjs", model, llmPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "bench-key"])
        {
            WorkingDirectory = Path.Combine(root, "scripts", "peers", "llm"),
            RedirectStandardOutput = true,
        };
        using var peer = Process.Start(peerStart)!;
        _ = peer.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        var data = Path.Combine(Path.GetTempPath(), "aip-gateway-bench-" + Guid.NewGuid().ToString("N"));
        using var host = ServingBenchmark.StartHost(data);
        try
        {
            var baseUrl = await ServingBenchmark.ReadUrlAsync(host);
            var direct = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{llmPort}/") };
            direct.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "bench-key");
            for (var i = 0; i < 100 && !await ReadyAsync(direct); i++)
            {
                await Task.Delay(200);
            }

            var token = await TrackingBenchmark.CreateTokenAsync(baseUrl, Password);
            var platform = new HttpClient { BaseAddress = baseUrl };
            platform.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var provider = JsonDocument.Parse(await (await platform.PostAsJsonAsync("/api/v1/llm/providers", new { name = "llama", baseUrl = $"http://127.0.0.1:{llmPort}/v1", apiKey = "bench-key" })).Content.ReadAsStringAsync()).RootElement;
            var llm = JsonDocument.Parse(await (await platform.PostAsync($"/api/v1/llm/providers/{provider.GetProperty("id").GetGuid()}/sync", null)).Content.ReadAsStringAsync()).RootElement[0];
            (await platform.PutAsJsonAsync($"/api/v1/llm/models/{llm.GetProperty("id").GetGuid()}", new { enabled = true, openToAll = true })).EnsureSuccessStatusCode();

            var directTimes = new List<double>();
            var gatewayTimes = new List<double>();
            for (var i = -5; i < requests; i++)
            {
                var d = await FirstTokenAsync(direct, "v1/chat/completions");
                var g = await FirstTokenAsync(platform, "v1/chat/completions");
                if (i >= 0)
                {
                    directTimes.Add(d);
                    gatewayTimes.Add(g);
                }
            }

            Console.WriteLine($"Time to first token, {requests} streamed requests each, alternating, {Environment.ProcessorCount} cores shared by client, platform and llama.cpp:");
            Console.WriteLine($"  llama.cpp directly:    p50 {Percentile(directTimes, 50),7:0.0} ms  mean {directTimes.Average(),7:0.0} ms");
            Console.WriteLine($"  through the gateway:   p50 {Percentile(gatewayTimes, 50),7:0.0} ms  mean {gatewayTimes.Average(),7:0.0} ms");
            Console.WriteLine($"  gateway overhead:      p50 {Percentile(gatewayTimes, 50) - Percentile(directTimes, 50),7:0.0} ms  mean {gatewayTimes.Average() - directTimes.Average(),7:0.0} ms (token check, quota check, model lookup, usage record, re-streaming)");
        }
        finally
        {
            host.Kill(entireProcessTree: true);
            peer.Kill(entireProcessTree: true);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    private static async Task<bool> ReadyAsync(HttpClient client)
    {
        try
        {
            return (await client.GetAsync("v1/models")).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Milliseconds until the first SSE chunk that carries generated text.</summary>
    private static async Task<double> FirstTokenAsync(HttpClient client, string path)
    {
        var body = JsonSerializer.Serialize(new { model = "tiny-llama", stream = true, max_tokens = 8, messages = new[] { new { role = "user", content = "Say something." } } });
        var watch = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        double? first = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (first is null && line.StartsWith("data: {", StringComparison.Ordinal))
            {
                using var chunk = JsonDocument.Parse(line[6..]);
                if (chunk.RootElement.GetProperty("choices") is { ValueKind: JsonValueKind.Array } choices && choices.GetArrayLength() > 0
                    && choices[0].TryGetProperty("delta", out var delta) && delta.TryGetProperty("content", out var content) && content.GetString() is { Length: > 0 })
                {
                    first = watch.Elapsed.TotalMilliseconds;
                }
            }
        }

        return first ?? throw new InvalidOperationException($"No token came back from {client.BaseAddress}{path}.");
    }

    private static string[] Vocabulary()
    {
        var root = AppContext.BaseDirectory;
        while (!Directory.Exists(Path.Combine(root, "docs")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Run from inside the repository.");
        }

        var text = string.Join(' ', Directory.GetFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories).Select(File.ReadAllText));
        return [.. Words().Matches(text).Select(m => m.Value.ToLowerInvariant()).Where(w => w.Length > 2).Distinct().Order()];
    }

    private static string Paragraph(string[] words, Random random)
    {
        var text = new StringBuilder();
        while (text.Length < 440)
        {
            var sentence = string.Join(' ', Enumerable.Range(0, random.Next(6, 14)).Select(_ => words[random.Next(words.Length)]));
            text.Append(char.ToUpperInvariant(sentence[0])).Append(sentence[1..]).Append(". ");
        }

        return text.ToString().Trim();
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    [GeneratedRegex("[A-Za-z]+")]
    private static partial Regex Words();
}
