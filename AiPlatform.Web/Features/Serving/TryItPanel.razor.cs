using System.Text.Json;
using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using AiPlatform.Web.Api.Oip;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Serving;

public partial class TryItPanel : PlatformPage
{
    [Inject]
    private InferenceService Inference { get; set; } = default!;

    private List<TensorSpec> _columns = [];
    private Dictionary<string, string?> _values = [];
    private Dictionary<string, object?>? _prediction;
    private string _raw = string.Empty;
    private string? _response;
    private string? _error;

    [Parameter, EditorRequired]
    public EndpointView View { get; set; } = default!;

    protected override void OnInitialized()
    {
        var signature = View.Signature;
        if (signature is null)
        {
            return;
        }

        if (signature.Inputs.All(i => (i.Shape.Count == 2 && i.Shape[1] == 1) || i.Shape.Count == 1) && signature.Inputs.All(i => i.DataType is "FP32" or "FP64" or "INT32" or "INT64" or "BYTES" or "BOOL"))
        {
            _columns = [.. signature.Inputs];
            _values = _columns.ToDictionary(c => c.Name, c => (string?)(c.DataType == "BYTES" ? string.Empty : c.DataType == "BOOL" ? "false" : "0"));
        }

        var inputs = signature.Inputs.Select(i => new
        {
            name = i.Name,
            shape = i.Shape.Select(d => d < 0 ? 1 : d).ToArray(),
            datatype = i.DataType,
            data = Enumerable.Repeat<object>(i.DataType switch { "BYTES" => "text", "BOOL" => false, _ => 0 }, (int)Math.Min(64, i.Shape.Select(d => d < 0 ? 1 : d).Aggregate(1L, (a, d) => a * d))).ToArray(),
        });
        // Every declared output, as a client that asks for them all would send it (each is also returned by default).
        var outputs = signature.Outputs.Select(o => new { name = o.Name });
        _raw = JsonSerializer.Serialize(new { inputs, outputs }, new JsonSerializerOptions { WriteIndented = true });
    }

    private async Task PredictAsync()
    {
        _error = null;
        try
        {
            var record = new Dictionary<string, JsonElement>();
            foreach (var column in _columns)
            {
                var text = _values[column.Name] ?? string.Empty;
                record[column.Name] = column.DataType == "BYTES" ? JsonSerializer.SerializeToElement(text) : ParseValue(column.Name, text);
            }

            var (_, predictions) = await Inference.PredictAsync(View.Endpoint.Name, [record], PageToken);
            _prediction = predictions[0];
        }
        catch (PlatformException ex)
        {
            _error = L.Describe(ex);
        }
    }

    private async Task InferAsync()
    {
        _error = null;
        try
        {
            using var doc = JsonDocument.Parse(_raw);
            var result = await Inference.InferAsync(View.Endpoint.Name, null, OipJson.ReadRequest(doc.RootElement), PageToken);
            using var buffer = new MemoryStream();
            await using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                OipJson.WriteResult(writer, result);
            }

            _response = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }
        catch (JsonException ex)
        {
            _error = L["Endpoints.BadJson", ex.Message];
        }
        catch (PlatformException ex)
        {
            _error = L.Describe(ex);
        }
    }

    private JsonElement ParseValue(string column, string text)
    {
        try
        {
            return JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "null" : text).RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new InferenceInputException(L["Endpoints.BadValue", column]);
        }
    }

    private static string Format(object? value) => value switch
    {
        Array a => "[" + string.Join(", ", a.Cast<object?>().Select(v => Format(v))) + "]",
        float f => f.ToString("0.#####", System.Globalization.CultureInfo.InvariantCulture),
        double d => d.ToString("0.#####", System.Globalization.CultureInfo.InvariantCulture),
        null => "—",
        _ => value.ToString() ?? string.Empty,
    };
}
