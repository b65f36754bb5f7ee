using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Api.Oip;
using AiPlatform.Web.Tests.Builders;
using AiPlatform.Web.Tests.Security;

namespace AiPlatform.Web.Tests.Serving;

/// <summary>
/// The binary tensor data extension over a real loopback connection, as tritonclient sends it: a JSON header whose
/// length is in <c>Inference-Header-Content-Length</c>, then raw little-endian tensors (BYTES length-prefixed).
/// </summary>
public sealed class OipBinaryTests : ApiTestBase
{
    protected override bool OverKestrel => true;

    [Fact]
    public async Task Mixed_json_and_binary_inputs_and_outputs_answer_as_the_json_protocol_does()
    {
        await DeployAsync("colors");
        (await Admin.GetFromJsonAsync<JsonElement>("/v2")).GetProperty("extensions").EnumerateArray().Select(e => e.GetString()).ShouldContain("binary_tensor_data");

        // The same three rows as JSON, then with x binary and color JSON, then both binary.
        var json = await Admin.PostAsync("/v2/models/colors/infer", Json("""
            {"inputs": [{"name": "x", "shape": [3, 1], "datatype": "FP32", "data": [1, 4, 8]},
                        {"name": "color", "shape": [3, 1], "datatype": "BYTES", "data": ["red", "blue", "grün"]}]}
            """));
        json.StatusCode.ShouldBe(HttpStatusCode.OK, await json.Content.ReadAsStringAsync());
        json.Headers.Contains(OipBinary.HeaderLengthHeader).ShouldBeFalse("a JSON-only answer stays plain JSON");
        var expected = JsonDocument.Parse(await json.Content.ReadAsStringAsync()).RootElement.GetProperty("outputs");
        var labels = expected.EnumerateArray().Single(o => o.GetProperty("name").GetString() == "PredictedLabel.output").GetProperty("data").EnumerateArray().Select(e => e.GetString()!).ToList();
        labels.ShouldBe(["low", "mid", "high"]);
        var scores = expected.EnumerateArray().Single(o => o.GetProperty("name").GetString() == "Score.output").GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();

        var mixed = await Binary("/v2/models/colors/infer",
            new
            {
                inputs = new object[]
                {
                    new { name = "x", shape = new[] { 3, 1 }, datatype = "FP32", parameters = new { binary_data_size = 12 } },
                    new { name = "color", shape = new[] { 3, 1 }, datatype = "BYTES", data = new[] { "red", "blue", "grün" } },
                },
                outputs = new object[] { new { name = "Score.output", parameters = new { binary_data = true } }, new { name = "PredictedLabel.output" } },
            },
            Floats(1, 4, 8));
        var (header, tail) = await SplitAsync(mixed);
        var outputs = header.GetProperty("outputs").EnumerateArray().ToList();
        outputs.Select(o => o.GetProperty("name").GetString()).ShouldBe(["Score.output", "PredictedLabel.output"]);
        outputs[0].TryGetProperty("data", out _).ShouldBeFalse();
        outputs[0].GetProperty("parameters").GetProperty("binary_data_size").GetInt32().ShouldBe(scores.Length * 4);
        outputs[0].GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ShouldBe([3, 3]);
        ReadFloats(tail).ShouldBe(scores, "binary scores are the JSON ones, bit for bit");
        outputs[1].GetProperty("data").EnumerateArray().Select(e => e.GetString()).ShouldBe(labels);

        // Every output binary (binary_data_output), BYTES inputs and outputs length-prefixed.
        var binary = await Binary("/v2/models/colors/infer",
            new
            {
                id = "b1",
                parameters = new { binary_data_output = true },
                inputs = new object[]
                {
                    new { name = "x", shape = new[] { 3, 1 }, datatype = "FP32", parameters = new { binary_data_size = 12 } },
                    new { name = "color", shape = new[] { 3, 1 }, datatype = "BYTES", parameters = new { binary_data_size = Strings("red", "blue", "grün").Length } },
                },
            },
            [.. Floats(1, 4, 8), .. Strings("red", "blue", "grün")]);
        (header, tail) = await SplitAsync(binary);
        header.GetProperty("id").GetString().ShouldBe("b1");
        outputs = header.GetProperty("outputs").EnumerateArray().ToList();
        var sizes = outputs.Select(o => o.GetProperty("parameters").GetProperty("binary_data_size").GetInt32()).ToList();
        sizes.Sum().ShouldBe(tail.Length);
        var offset = 0;
        foreach (var (output, size) in outputs.Zip(sizes))
        {
            var bytes = tail.AsSpan(offset, size).ToArray();
            offset += size;
            if (output.GetProperty("name").GetString() == "PredictedLabel.output")
            {
                output.GetProperty("datatype").GetString().ShouldBe("BYTES");
                ReadStrings(bytes).ShouldBe(labels);
            }
            else
            {
                ReadFloats(bytes).ShouldBe(scores);
            }
        }

        // A named version takes the same body.
        (await Binary("/v2/models/colors/versions/1/infer", new { inputs = new object[] { new { name = "x", shape = new[] { 1, 1 }, datatype = "FP32", parameters = new { binary_data_size = 4 } }, new { name = "color", shape = new[] { 1, 1 }, datatype = "BYTES", data = new[] { "red" } } } }, Floats(2)))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Malformed_sizes_are_400_problem_details_and_the_body_limit_is_413()
    {
        await DeployAsync("sizes");
        var x = new { name = "x", shape = new[] { 2, 1 }, datatype = "FP32", parameters = new { binary_data_size = 8 } };
        var color = new { name = "color", shape = new[] { 2, 1 }, datatype = "BYTES", data = new[] { "red", "blue" } };

        await ShouldBeBadAsync(await Binary("/v2/models/sizes/infer", new { inputs = new object[] { x, color } }, Floats(1)), "has binary_data_size 8; the binary part has 4 bytes left");
        await ShouldBeBadAsync(await Binary("/v2/models/sizes/infer", new { inputs = new object[] { x, color } }, Floats(1, 2, 3)), "the inputs' binary_data_size take 8");
        await ShouldBeBadAsync(await Binary("/v2/models/sizes/infer", new { inputs = new object[] { new { name = "x", shape = new[] { 2, 1 }, datatype = "FP32", parameters = new { binary_data_size = 6 } }, color } }, [.. Floats(1), 0, 0]), "2 FP32 elements take 8 bytes");
        await ShouldBeBadAsync(await Binary("/v2/models/sizes/infer", new { inputs = new object[] { new { name = "x", shape = new[] { 2, 1 }, datatype = "FP32", parameters = new { binary_data_size = -8 } }, color } }, Floats(1, 2)), "not a size in bytes");
        var strings = Strings("red", "blue");
        BinaryPrimitives.WriteUInt32LittleEndian(strings.AsSpan(7), 4000);
        await ShouldBeBadAsync(await Binary("/v2/models/sizes/infer", new { inputs = new object[] { x, new { name = "color", shape = new[] { 2, 1 }, datatype = "BYTES", parameters = new { binary_data_size = strings.Length } } } }, [.. Floats(1, 2), .. strings]), "an element of 4000 bytes");
        await ShouldBeBadAsync(await Binary("/v2/models/sizes/infer", new { inputs = new object[] { x, new { name = "color", shape = new[] { 2, 1 }, datatype = "BYTES", parameters = new { binary_data_size = 3 } } } }, [.. Floats(1, 2), 1, 0, 0]), "ends inside an element's 4-byte length");
        await ShouldBeBadAsync(await Binary("/v2/models/sizes/infer", new { inputs = new object[] { x, color } }, Floats(1, 2), headerLength: 100_000), "the body has only");
        await ShouldBeBadAsync(await Binary("/v2/models/sizes/infer", new { inputs = new object[] { x, color } }, Floats(1, 2), headerLength: -1), "must be one length in bytes");

        // binary_data_size without a binary part (plain JSON body) is refused the same way.
        var noHeader = await Admin.PostAsync("/v2/models/sizes/infer", Json(JsonSerializer.Serialize(new { inputs = new object[] { x, color } })));
        await ShouldBeBadAsync(noHeader, "no binary part");

        // Larger than the protocol's body limit: refused before the body is read into memory.
        using var huge = new HttpRequestMessage(HttpMethod.Post, "/v2/models/sizes/infer") { Content = new ByteArrayContent(new byte[OipEndpoints.MaxBodyBytes + 1]) };
        huge.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        huge.Headers.Add(OipBinary.HeaderLengthHeader, "2");
        huge.Headers.ExpectContinue = true; // as curl does for large bodies: the refusal comes before the body is sent
        var tooLarge = await Admin.SendAsync(huge);
        var body = await tooLarge.Content.ReadAsStringAsync();
        tooLarge.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge, body);
        JsonDocument.Parse(body).RootElement.GetProperty("error").GetString().ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Binary_calls_are_permission_checked_as_json_calls_are()
    {
        var id = await DeployAsync("guarded");
        var request = new { inputs = new object[] { new { name = "x", shape = new[] { 1, 1 }, datatype = "FP32", parameters = new { binary_data_size = 4 } }, new { name = "color", shape = new[] { 1, 1 }, datatype = "BYTES", data = new[] { "red" } } } };

        var anonymous = new HttpClient { BaseAddress = Admin.BaseAddress };
        (await Binary("/v2/models/guarded/infer", request, Floats(1), client: anonymous)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var viewer = await CreateUserAsync("binary-viewer", SystemRoles.Viewer);
        viewer.BaseAddress = Admin.BaseAddress;
        (await Binary("/v2/models/guarded/infer", request, Floats(1), client: viewer)).StatusCode.ShouldBe(HttpStatusCode.NotFound, "no right on the endpoint: it does not exist for this caller");

        var me = JsonDocument.Parse(await viewer.GetStringAsync("/api/v1/me")).RootElement.GetProperty("id").GetGuid();
        (await Admin.PostAsJsonAsync($"/api/v1/endpoints/{id}/grants", new { principalType = "User", principalId = me, level = "Read" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Binary("/v2/models/guarded/infer", request, Floats(1), client: viewer)).StatusCode.ShouldBe(HttpStatusCode.OK, "a Read grantee may infer");

        var readOnly = new HttpClient { BaseAddress = Admin.BaseAddress }.WithBearer(await viewer.MintTokenAsync("Read"));
        var json = await readOnly.PostAsync("/v2/models/guarded/infer", Json("""{"inputs": [{"name": "x", "shape": [1, 1], "datatype": "FP32", "data": [1]}, {"name": "color", "shape": [1, 1], "datatype": "BYTES", "data": ["red"]}]}"""));
        (await Binary("/v2/models/guarded/infer", request, Floats(1), client: readOnly)).StatusCode.ShouldBe(json.StatusCode, "a read-only token gets what it gets with JSON");
        json.StatusCode.ShouldBe(HttpStatusCode.OK, await json.Content.ReadAsStringAsync());
    }

    private async Task<Guid> DeployAsync(string name)
    {
        var model = JsonDocument.Parse(await (await Admin.PostAsJsonAsync("/api/v1/models", new { name = "m-" + name })).Content.ReadAsStringAsync()).RootElement.GetProperty("model").GetProperty("id").GetGuid();
        var upload = await Admin.PostAsync($"/api/v1/models/{model}/versions/upload?fileName=model.onnx", new ByteArrayContent(TinyClassifierModel.Onnx()));
        upload.StatusCode.ShouldBe(HttpStatusCode.Created, await upload.Content.ReadAsStringAsync());
        var deploy = await Admin.PostAsJsonAsync("/api/v1/endpoints", new { name, modelId = model, target = "1" });
        deploy.StatusCode.ShouldBe(HttpStatusCode.Created, await deploy.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await deploy.Content.ReadAsStringAsync()).RootElement.GetProperty("endpoint").GetProperty("id").GetGuid();
    }

    private async Task<HttpResponseMessage> Binary(string path, object header, byte[] tail, long? headerLength = null, HttpClient? client = null)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent([.. json, .. tail]) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.TryAddWithoutValidation(OipBinary.HeaderLengthHeader, (headerLength ?? json.Length).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return await (client ?? Admin).SendAsync(request);
    }

    private static async Task<(JsonElement Header, byte[] Tail)> SplitAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, Encoding.UTF8.GetString(body));
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/octet-stream");
        response.Content.Headers.ContentLength.ShouldBe(body.Length);
        var length = int.Parse(response.Headers.GetValues(OipBinary.HeaderLengthHeader).Single(), System.Globalization.CultureInfo.InvariantCulture);
        return (JsonDocument.Parse(body.AsMemory(0, length)).RootElement.Clone(), body[length..]);
    }

    private static async Task ShouldBeBadAsync(HttpResponseMessage response, string contains)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json", body);
        var problem = JsonDocument.Parse(body).RootElement;
        problem.GetProperty("type").GetString().ShouldBe("urn:aiplatform:problem:invalid-binary-tensor", body);
        problem.GetProperty("detail").GetString()!.ShouldContain(contains, Case.Sensitive, body);
        problem.GetProperty("error").GetString().ShouldBe(problem.GetProperty("detail").GetString(), "OIP clients read \"error\"");
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    private static float[] ReadFloats(byte[] bytes) => [.. Enumerable.Range(0, bytes.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4)))];

    private static byte[] Strings(params string[] values)
    {
        var bytes = new List<byte>();
        foreach (var value in values)
        {
            var utf8 = Encoding.UTF8.GetBytes(value);
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)utf8.Length);
            bytes.AddRange(length);
            bytes.AddRange(utf8);
        }

        return [.. bytes];
    }

    private static List<string> ReadStrings(byte[] bytes)
    {
        var values = new List<string>();
        for (var offset = 0; offset < bytes.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            values.Add(Encoding.UTF8.GetString(bytes, offset + 4, length));
            offset += 4 + length;
        }

        return values;
    }
}
