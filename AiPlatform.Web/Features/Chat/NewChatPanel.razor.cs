using AiPlatform.Core.Chat;
using AiPlatform.Core.Knowledge;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Chat;

/// <summary>Starts a conversation: the model, a system prompt (typed or from a template) and the knowledge bases it draws on.</summary>
public partial class NewChatPanel : PlatformPage
{
    private IReadOnlyCollection<Guid> _knowledge = [];
    private string? _model;
    private string? _system;

    [Inject]
    private ChatService Chat { get; set; } = default!;

    [Parameter, EditorRequired]
    public IReadOnlyList<LlmModel> Models { get; set; } = [];

    [Parameter]
    public IReadOnlyList<PromptTemplate> Templates { get; set; } = [];

    [Parameter]
    public IReadOnlyList<KnowledgeBase> KnowledgeBases { get; set; } = [];

    /// <summary>Raised with the new conversation.</summary>
    [Parameter]
    public EventCallback<Conversation> Created { get; set; }

    protected override void OnParametersSet() => _model ??= Models.FirstOrDefault()?.Name;

    private string KnowledgeName(Guid id) => KnowledgeBases.FirstOrDefault(k => k.Id == id)?.Name ?? id.ToString();

    private void UseTemplateAsSystem(Guid? id)
    {
        if (Templates.FirstOrDefault(t => t.Id == id) is { } t)
        {
            _system = t.Content;
        }
    }

    private Task CreateAsync() => RunAsync(async ct => await Created.InvokeAsync(await Chat.CreateAsync(_model, _system, null, [.. _knowledge], ct)));
}
