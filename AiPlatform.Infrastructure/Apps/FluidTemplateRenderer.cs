using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using Fluid;
using Fluid.Values;

namespace AiPlatform.Infrastructure.Apps;

/// <summary>
/// Renders template nodes' Liquid with Fluid: the model is the node's variables (plain values, no host objects), the
/// output is bounded (<c>Apps:MaxTemplateOutputChars</c>), and so are steps and recursion; nothing is HTML-encoded
/// (the text feeds prompts and outputs, not pages).
/// </summary>
internal sealed class FluidTemplateRenderer : ITemplateRenderer
{
    private const int MaxSteps = 1_000_000;
    private static readonly FluidParser Parser = new();
    private readonly TemplateOptions _options;

    public FluidTemplateRenderer(AppSettings settings)
    {
        _options = new TemplateOptionsBuilder()
            .WithMaxOutputSize(Math.Max(1, settings.MaxTemplateOutputChars))
            .WithMaxSteps(MaxSteps)
            .WithMaxRecursion(50)
            .WithMaxCollectionSize(Math.Max(1, settings.MaxIterations) * 100)
            .Build();
    }

    public string? Check(string template) => Parser.TryParse(template, out _, out var error) ? null : error;

    public async Task<string> RenderAsync(string template, JsonObject model, CancellationToken ct)
    {
        if (!Parser.TryParse(template, out var parsed, out var error))
        {
            throw new ValidationException("template", $"The template is not valid Liquid: {error}") { MessageKey = "Apps.Error.TemplateInvalid", MessageArguments = [error] };
        }

        var context = new TemplateContext(_options);
        foreach (var (name, value) in model)
        {
            context.SetValue(name, ToFluid(value));
        }

        ct.ThrowIfCancellationRequested();
        try
        {
            await using var writer = new StringWriter();
            await parsed.RenderAsync(writer, context, NullEncoder.Default);
            return writer.ToString();
        }
        catch (Exception e) when (e is InvalidOperationException or LiquidException or ParseException or ArgumentException or FormatException)
        {
            throw new ValidationException("template", $"The template could not be rendered: {e.Message}") { MessageKey = "Apps.Error.TemplateFailed", MessageArguments = [e.Message] };
        }
    }

    private FluidValue ToFluid(JsonNode? node) => node switch
    {
        null => NilValue.Instance,
        JsonObject o => DictionaryValue.Create(new FluidValueDictionaryFluidIndexable(o.ToDictionary(p => p.Key, p => ToFluid(p.Value)))),
        JsonArray a => ArrayValue.Create(a.Select(ToFluid).ToList()),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => StringValue.Create(v.GetValue<string>()),
            JsonValueKind.Number => NumberValue.Create(v.TryGetValue<decimal>(out var d) ? d : decimal.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)),
            JsonValueKind.True => BooleanValue.True,
            JsonValueKind.False => BooleanValue.False,
            _ => NilValue.Instance,
        },
        _ => NilValue.Instance,
    };
}
