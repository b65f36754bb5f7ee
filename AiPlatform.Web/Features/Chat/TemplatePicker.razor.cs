using AiPlatform.Core.Chat;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Chat;

/// <summary>The prompt templates at the message box: insert one into the message, or save the message as a template.</summary>
public partial class TemplatePicker : PlatformPage
{
    private string? _name;
    private bool _shared;
    private bool _saving;

    [Inject]
    private PromptTemplateService TemplateService { get; set; } = default!;

    [Parameter, EditorRequired]
    public IReadOnlyList<PromptTemplate> Templates { get; set; } = [];

    [Parameter]
    public EventCallback<IReadOnlyList<PromptTemplate>> TemplatesChanged { get; set; }

    /// <summary>The message being written.</summary>
    [Parameter]
    public string? Input { get; set; }

    [Parameter]
    public EventCallback<string?> InputChanged { get; set; }

    private Task InsertAsync(PromptTemplate t) => InputChanged.InvokeAsync(string.IsNullOrEmpty(Input) ? t.Content : Input + "\n" + t.Content);

    private void StartSave()
    {
        _saving = true;
        _name = null;
    }

    private Task SaveAsync() => RunAsync(
        async ct =>
        {
            await TemplateService.CreateAsync(new PromptTemplateInput(_name, Input, _shared), ct);
            await TemplatesChanged.InvokeAsync(await TemplateService.ListAsync(ct));
            _saving = false;
        },
        success: L["Chat.TemplateSaved"]);
}
