using System.Text.Json;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Knowledge;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace AiPlatform.Web.Features.Chat;

/// <summary>One message of a conversation: its text or Markdown answer, sources, error, feedback with a comment, and editing a question.</summary>
public partial class MessageCard : PlatformPage
{
    private string? _editText;
    private string? _comment;
    private bool _editing;
    private bool _commenting;

    [Inject]
    private ChatService Chat { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Parameter, EditorRequired]
    public ConversationMessage Message { get; set; } = default!;

    /// <summary>An answer is being written: questions cannot be edited.</summary>
    [Parameter]
    public bool Busy { get; set; }

    /// <summary>Raised after feedback was saved, so the conversation is read again.</summary>
    [Parameter]
    public EventCallback Changed { get; set; }

    /// <summary>Raised with the edited question, to be answered again.</summary>
    [Parameter]
    public EventCallback<MessageEdit> Resend { get; set; }

    private IReadOnlyList<Citation> Citations() =>
        Message.Citations is { } json ? JsonSerializer.Deserialize<List<Citation>>(json, JsonSerializerOptions.Web) ?? [] : [];

    private static string CitationHref(Citation c) => $"/knowledge/{c.KnowledgeBaseId}/documents/{c.DocumentId}?chunk={c.Ordinal}";

    /// <summary>Copies the message as written: the Markdown of an answer, the text of a question.</summary>
    private async Task CopyAsync()
    {
        try
        {
            await JS.InvokeVoidAsync("aiPlatform.chat.copy", Message.Content);
            Snackbar.Add(L["Chat.Copied"], MudBlazor.Severity.Success);
        }
        catch (JSException)
        {
            Snackbar.Add(L["Chat.CopyFailed"], MudBlazor.Severity.Warning);
        }
    }

    private void StartEdit()
    {
        _editing = true;
        _editText = Message.Content;
    }

    private Task ResendAsync()
    {
        _editing = false;
        return Resend.InvokeAsync(new MessageEdit(Message.Id, _editText));
    }

    private Task FeedbackAsync(int value) => RunAsync(async ct =>
    {
        var cleared = Message.Feedback == value;
        await Chat.FeedbackAsync(Message.ConversationId, Message.Id, cleared ? 0 : value, cleared ? null : Message.FeedbackComment, ct);
        if (!cleared)
        {
            _commenting = true;
            _comment = Message.FeedbackComment;
        }

        await Changed.InvokeAsync();
    });

    private Task SaveCommentAsync() => RunAsync(async ct =>
    {
        await Chat.FeedbackAsync(Message.ConversationId, Message.Id, Message.Feedback, _comment, ct);
        _commenting = false;
        await Changed.InvokeAsync();
    });
}
