using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AiPlatform.Core.Common;
using AiPlatform.Core.Serving;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>
/// The model inference node: a serving endpoint the run-as user may read, called through the record API (one JSON
/// object per record, as <c>POST /api/v1/endpoints/{name}/predict</c>), on its current version (a canary takes its
/// share) or a named one. <c>inputs</c> is a template that gives one record or an array of records, or a JSON object
/// whose text values are templates. Outputs <c>predictions</c> (one object per record), <c>outputs</c> (the first
/// record's prediction) and <c>version</c>.
/// </summary>
public sealed class InferenceNode(InferenceService inference) : IAppNodeExecutor
{
    public const int MaxRecords = 1000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public string Type => AppNodeTypes.Inference;

    public async Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var node = context.Node;
        var endpoint = ServiceNodeConfig.RequiredText(node, "endpoint");
        var version = ServiceNodeConfig.Integer(node, "version", 1, int.MaxValue);
        if (node.Config["inputs"] is null)
        {
            throw ServiceNodeConfig.Required(node, "inputs");
        }

        var value = ServiceNodeConfig.Value(context, node.Config["inputs"]);
        if (value is JsonValue text && text.TryGetValue<string>(out var json))
        {
            try
            {
                value = JsonNode.Parse(json);
            }
            catch (JsonException e)
            {
                throw BadInputs(node.Id, ServiceNodeConfig.Excerpt(json) + " — " + e.Message);
            }
        }

        var records = value switch
        {
            JsonObject one => [one],
            JsonArray many when many.Count is > 0 and <= MaxRecords && many.All(r => r is JsonObject) => many.Cast<JsonObject>().ToList(),
            _ => throw BadInputs(node.Id, ServiceNodeConfig.Excerpt(value?.ToJsonString() ?? "null")),
        };

        var asked = records.Select(r => (IReadOnlyDictionary<string, JsonElement>)r.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value))).ToList();
        int served;
        IReadOnlyList<Dictionary<string, object?>> predictions;
        try
        {
            (served, predictions) = await inference.PredictAsync(endpoint, version, asked, ct);
        }
        catch (NotFoundException e) when (e.ObjectType == "Model version")
        {
            throw new NotFoundException("Model version", $"{endpoint}/{version}") { MessageKey = "Apps.Error.EndpointVersion", MessageArguments = [node.Id, endpoint, version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty] };
        }
        catch (NotFoundException)
        {
            throw new NotFoundException("Endpoint", endpoint) { MessageKey = "Apps.Error.EndpointNotReadable", MessageArguments = [node.Id, endpoint] };
        }
        catch (EndpointUnavailableException e)
        {
            throw new EndpointUnavailableException(e.Message) { MessageKey = "Apps.Error.EndpointUnavailable", MessageArguments = [node.Id, endpoint, e.Message] };
        }
        catch (InferenceInputException e)
        {
            throw new InferenceInputException(e.Message) { MessageKey = "Apps.Error.InferenceInput", MessageArguments = [node.Id, endpoint, e.Message] };
        }

        var rows = JsonSerializer.SerializeToNode(predictions, Json) as JsonArray ?? [];
        var inputs = new JsonObject { ["endpoint"] = endpoint, ["version"] = version, ["records"] = new JsonArray([.. records.Select(r => r.DeepClone())]) };
        var outputs = new JsonObject
        {
            ["predictions"] = rows,
            ["outputs"] = rows.Count > 0 ? rows[0]!.DeepClone() : new JsonObject(),
            ["version"] = served,
        };
        return new NodeOutcome(outputs) { Inputs = inputs };
    }

    private static ValidationException BadInputs(string nodeId, string detail) =>
        new("inputs", $"Node '{nodeId}': the inputs are not a JSON record or an array of 1 to {MaxRecords} records: {detail}")
        {
            MessageKey = "Apps.Error.InferenceRecords",
            MessageArguments = [nodeId, MaxRecords, detail],
        };
}
