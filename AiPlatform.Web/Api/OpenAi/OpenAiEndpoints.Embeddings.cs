using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;

namespace AiPlatform.Web.Api.OpenAi;

/// <summary><c>POST /v1/embeddings</c> of the OpenAI-compatible gateway: a provider's model or the built-in MiniLM, within OpenAI's limits.</summary>
public static partial class OpenAiEndpoints
{
    /// <summary>
    /// <c>POST /v1/embeddings</c>: a provider's model (the body passed through, asked for floats so that every provider
    /// can answer, and written back in the encoding the client asked for) or the built-in all-MiniLM-L6-v2; counted and
    /// refused over quota like chat.
    /// </summary>
    private static async Task<IResult> EmbedAsync(HttpContext http, GatewayService gateway)
    {
        var ct = http.RequestAborted;
        await gateway.EnsureAllowanceAsync(ct);
        var body = await ReadAsync(http, ct);
        var name = ModelOf(body);
        var base64 = body["encoding_format"] switch
        {
            null => false,
            JsonValue f when f.GetValueKind() == JsonValueKind.String && f.GetValue<string>() is "float" or "base64" => f.GetValue<string>() == "base64",
            _ => throw new ValidationException("encoding_format", "'encoding_format' is float or base64."),
        };
        var input = body["input"] ?? throw new ValidationException("input", "'input' is required.");
        CheckEmbeddingInput(input);
        var started = Stopwatch.GetTimestamp();
        JsonObject answer;
        if (name == GatewayService.LocalEmbeddingModel)
        {
            var texts = Texts(input);
            if (body["dimensions"] is JsonValue d && (d.GetValueKind() != JsonValueKind.Number || d.GetValue<double>() != GatewayService.LocalEmbeddingDimensions))
            {
                throw new ValidationException("dimensions", $"'{name}' has {GatewayService.LocalEmbeddingDimensions} dimensions.");
            }

            var vectors = await gateway.EmbedLocallyAsync(texts, ct);

            // About four characters a token, as for providers that do not count.
            var tokens = texts.Sum(t => (t.Length / 4) + 1);
            await gateway.CompleteAsync(new GatewayCall("embeddings", name, body, null, tokens, 0, Stopwatch.GetElapsedTime(started), GatewayCallStatus.Completed), CancellationToken.None);
            return Results.Bytes(LocalEmbeddings(name, vectors, base64, tokens), "application/json");
        }
        else
        {
            var (model, endpoint) = await gateway.GetEndpointAsync(name, ct);
            Strip(body);
            var clientFormat = body["encoding_format"];
            body["encoding_format"] = "float";
            try
            {
                answer = await WithProviderModelAsync(body, name, endpoint, () => gateway.ForwardAsync(endpoint, "embeddings", body, ct));
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await gateway.CompleteAsync(new GatewayCall("embeddings", model.Name, body, null, 0, 0, Stopwatch.GetElapsedTime(started), GatewayCallStatus.Failed, e.Message), CancellationToken.None);
                return OpenAiErrors.Refused(model.Name, e);
            }
            finally
            {
                if (clientFormat is null)
                {
                    body.Remove("encoding_format");
                }
                else
                {
                    body["encoding_format"] = clientFormat;
                }
            }

            answer["model"] = model.Name;
        }

        var (prompt, _) = Usage(answer["usage"]);
        var counted = prompt ?? EstimatedInputTokens(input);
        if (base64 && answer["data"] is JsonArray data)
        {
            foreach (var item in data.OfType<JsonObject>())
            {
                if (item["embedding"] is JsonArray floats)
                {
                    var values = floats.Select(f => f!.GetValue<float>()).ToArray();
                    item["embedding"] = Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
                }
            }
        }

        await gateway.CompleteAsync(new GatewayCall("embeddings", name, body, null, counted, 0, Stopwatch.GetElapsedTime(started), GatewayCallStatus.Completed), CancellationToken.None);
        return Json(answer);
    }

    /// <summary>The most inputs one embeddings request may carry (OpenAI's limit).</summary>
    public const int MaxEmbeddingInputs = 2048;

    /// <summary>The longest embeddings input: about 8192 tokens, as characters (four a token) or token ids.</summary>
    public const int MaxEmbeddingInputChars = 32_768;

    /// <summary>The most token ids in one embeddings input (OpenAI's 8192 tokens).</summary>
    public const int MaxEmbeddingInputTokens = 8192;

    /// <summary>The most estimated tokens of all inputs of one embeddings request (OpenAI's 300,000).</summary>
    public const int MaxEmbeddingRequestTokens = 300_000;

    /// <summary>OpenAI's embeddings limits: inputs per request, tokens per input, estimated tokens per request.</summary>
    private static void CheckEmbeddingInput(JsonNode input)
    {
        if (input is JsonArray { Count: > MaxEmbeddingInputs } many)
        {
            throw new ValidationException("input", $"'input' has {many.Count} items; at most {MaxEmbeddingInputs} are allowed.");
        }

        // A flat array of numbers is one input of token ids.
        var inputs = input is JsonArray items && !items.All(i => i is JsonValue v && v.GetValueKind() == JsonValueKind.Number) ? items.ToList() : [input];
        long total = 0;
        foreach (var item in inputs)
        {
            var (tokens, tooLong) = item switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.String => (EstimatedTokens(v.GetValue<string>()), v.GetValue<string>().Length > MaxEmbeddingInputChars),
                JsonArray ids => (ids.Count, ids.Count > MaxEmbeddingInputTokens),
                _ => (1, false),
            };
            if (tooLong)
            {
                throw new ValidationException("input", $"An input is longer than {MaxEmbeddingInputTokens} tokens ({MaxEmbeddingInputChars} characters or {MaxEmbeddingInputTokens} token ids).");
            }

            total += tokens;
        }

        if (total > MaxEmbeddingRequestTokens)
        {
            throw new ValidationException("input", $"The inputs have about {total} tokens; at most {MaxEmbeddingRequestTokens} are allowed per request.");
        }
    }

    /// <summary>The built-in model's answer written straight to UTF-8 (no node per float), floats or base64 float32.</summary>
    private static byte[] LocalEmbeddings(string model, float[][] vectors, bool base64, int tokens)
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteString("object", "list");
            json.WriteStartArray("data");
            for (var i = 0; i < vectors.Length; i++)
            {
                json.WriteStartObject();
                json.WriteString("object", "embedding");
                json.WriteNumber("index", i);
                if (base64)
                {
                    json.WriteBase64String("embedding", System.Runtime.InteropServices.MemoryMarshal.AsBytes(vectors[i].AsSpan()));
                }
                else
                {
                    json.WriteStartArray("embedding");
                    foreach (var x in vectors[i])
                    {
                        json.WriteNumberValue(x);
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("model", model);
            json.WriteStartObject("usage");
            json.WriteNumber("prompt_tokens", tokens);
            json.WriteNumber("total_tokens", tokens);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>The texts of an embeddings input for the built-in model: a string or an array of strings.</summary>
    private static List<string> Texts(JsonNode input) =>
        input switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
            JsonArray { Count: > 0 } items when items.All(i => i is JsonValue s && s.GetValueKind() == JsonValueKind.String) => [.. items.Select(i => i!.GetValue<string>())],
            _ => throw new ValidationException("input", $"'{GatewayService.LocalEmbeddingModel}' takes a string or an array of strings."),
        };

    /// <summary>For providers that do not count: about four characters a text token, one a token id.</summary>
    private static int EstimatedInputTokens(JsonNode? input) => input switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => (v.GetValue<string>().Length / 4) + 1,
        JsonValue => 1,
        JsonArray items => items.Sum(EstimatedInputTokens),
        _ => 0,
    };
}
