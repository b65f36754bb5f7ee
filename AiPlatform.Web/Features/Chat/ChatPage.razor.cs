using System.Text;
using AiPlatform.Core.Access;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;
using AiPlatform.Core.Knowledge;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;

namespace AiPlatform.Web.Features.Chat;

/// <summary>Chat: the conversation list and a new chat on the left, the open conversation with its streamed answers on the right.</summary>
public partial class ChatPage : PlatformPage
{
    private readonly List<StringBuilder> _streams = [];
    private IReadOnlyList<LlmModel> _models = [];
    private IReadOnlyList<PromptTemplate> _templates = [];
    private IReadOnlyList<KnowledgeBase> _knowledgeBases = [];
    private IReadOnlyList<Conversation> _conversations = [];
    private ConversationDetails? _current;
    private CancellationTokenSource? _stop;
    private string? _compareModel;
    private string? _search;
    private string? _input;
    private string? _title;
    private bool _renaming;
    private bool _busy;
    private bool _notFound;
    private bool _isAdmin;
    private DateTime _lastRender;

    // What the next render does with the message list: Bottom after opening a conversation or sending (the user wants
    // the newest message), Follow while an answer grows (only a reader at the bottom is kept there; see aiplatform.js).
    private ScrollIntent _scroll;

    [Inject]
    private ChatService Chat { get; set; } = default!;

    [Inject]
    private ProviderService Providers { get; set; } = default!;

    [Inject]
    private PromptTemplateService Templates { get; set; } = default!;

    [Inject]
    private KnowledgeService Knowledge { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private AccessService Access { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Parameter]
    public Guid? Id { get; set; }

    protected override async Task OnInitializedAsync()
    {
        _models = await Providers.ListUsableAsync(PageToken);
        _templates = await Templates.ListAsync(PageToken);
        _knowledgeBases = await Knowledge.ListReadableAsync(PageToken);
        _isAdmin = _models.Count == 0 && await Access.HasCapabilityAsync(Capabilities.SettingsManage, PageToken);
        await LoadListAsync();
    }

    protected override async Task OnParametersSetAsync()
    {
        _notFound = false;
        _current = null;
        if (Id is { } id)
        {
            try
            {
                _current = await Chat.GetAsync(id, PageToken);
                _scroll = ScrollIntent.Bottom;
            }
            catch (NotFoundException)
            {
                _notFound = true;
            }
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        var scroll = _scroll;
        _scroll = _busy ? ScrollIntent.Follow : ScrollIntent.None;
        if (_current is not null && scroll != ScrollIntent.None)
        {
            await JS.InvokeVoidAsync(scroll == ScrollIntent.Bottom ? "aiPlatform.chat.toBottom" : "aiPlatform.chat.follow", MessagesId);
        }
    }

    /// <summary>The id of the scrolling message list.</summary>
    public const string MessagesId = "chat-messages";

    private enum ScrollIntent
    {
        None,
        Follow,
        Bottom,
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop?.Cancel();
            _stop?.Dispose();
        }
    }

    private async Task LoadListAsync() => _conversations = (await Chat.ListAsync(_search, 0, 100, PageToken)).Items;

    private async Task ReloadAsync() => _current = await Chat.GetAsync(Id!.Value, PageToken);

    private async Task SearchAsync(string? search)
    {
        _search = search;
        await LoadListAsync();
    }

    /// <summary>The empty list's button: a conversation with the first usable model.</summary>
    private Task NewChatAsync() => RunAsync(async ct => await OnCreatedAsync(await Chat.CreateAsync(_models.FirstOrDefault()?.Name, null, null, ct)));

    private async Task OnCreatedAsync(Conversation conversation)
    {
        await LoadListAsync();
        Navigation.NavigateTo($"/chat/{conversation.Id}");
    }

    private Task SendAsync()
    {
        // One send at a time: a second Enter or click while an answer is in flight (or with nothing typed) does nothing.
        if (_busy || string.IsNullOrWhiteSpace(_input))
        {
            return Task.CompletedTask;
        }

        var text = _input;
        _input = null;
        string?[] models = _compareModel is { } compare ? [null, compare] : [null];
        return StreamAsync(models.Length, (delta, ct) => Chat.SendToModelsAsync(Id!.Value, text, models, delta, ct), text);
    }

    /// <summary>
    /// Enter sends, Shift+Enter adds a line (the browser's default, kept by wwwroot/js/aiplatform.js) and Enter that ends
    /// an IME composition only commits the characters. The field binds per keystroke, so the text sent is the current one.
    /// </summary>
    private Task OnComposerKeyDownAsync(KeyboardEventArgs e) =>
        e is { Key: "Enter", ShiftKey: false, IsComposing: false } ? SendAsync() : Task.CompletedTask;

    private Task RegenerateAsync() => StreamAsync(1, async (delta, ct) => [await Chat.RegenerateAsync(Id!.Value, null, d => delta(0, d), ct)], null);

    private Task ResendAsync(MessageEdit edit) =>
        StreamAsync(1, async (delta, ct) => [await Chat.EditAndResendAsync(Id!.Value, edit.MessageId, edit.Text, d => delta(0, d), ct)], null);

    /// <summary>Runs one or two answers while the page shows them growing; Stop cancels them (partial answers are kept).</summary>
    private async Task StreamAsync(int sides, Func<Func<int, string, ValueTask>, CancellationToken, Task<IReadOnlyList<ConversationMessage>>> answer, string? pendingQuestion)
    {
        _busy = true;
        _streams.Clear();
        for (var i = 0; i < sides; i++)
        {
            _streams.Add(new StringBuilder());
        }

        var stop = _stop = CancellationTokenSource.CreateLinkedTokenSource(PageToken);
        _scroll = ScrollIntent.Bottom;
        if (pendingQuestion is not null && _current is { } c)
        {
            _current = c with { Messages = [.. c.Messages, new ConversationMessage { Role = "user", Content = pendingQuestion, ConversationId = c.Conversation.Id }] };
        }

        try
        {
            await RunAsync(_ => answer(
                async (side, delta) =>
                {
                    lock (_streams)
                    {
                        _streams[side].Append(delta);
                    }

                    if (DateTime.UtcNow - _lastRender > TimeSpan.FromMilliseconds(50))
                    {
                        _lastRender = DateTime.UtcNow;
                        await InvokeAsync(StateHasChanged);
                    }
                },
                stop.Token));
        }
        finally
        {
            _busy = false;
            stop.Dispose();
            _stop = null;
        }

        await ReloadAsync();
        await LoadListAsync();
    }

    private void Stop() => _stop?.Cancel();

    private string Text(StringBuilder stream)
    {
        lock (_streams)
        {
            return stream.ToString();
        }
    }

    private static bool HasNoQuestion(ConversationDetails details) => details.Messages.All(m => m.Role != "user");

    /// <summary>Messages in turns: an answer and its side-by-side alternate share a turn.</summary>
    private static List<List<ConversationMessage>> Turns(IReadOnlyList<ConversationMessage> messages)
    {
        var turns = new List<List<ConversationMessage>>();
        foreach (var m in messages)
        {
            if (m.Alternate && turns.Count > 0)
            {
                turns[^1].Add(m);
            }
            else
            {
                turns.Add([m]);
            }
        }

        return turns;
    }

    private string KnowledgeName(Guid id) => _knowledgeBases.FirstOrDefault(k => k.Id == id)?.Name ?? id.ToString();

    private void StartRename(ConversationDetails current)
    {
        _renaming = true;
        _title = current.Conversation.IsUntitled ? null : current.Conversation.Title;
    }

    private Task SetKnowledgeAsync(IReadOnlyCollection<Guid> ids) => RunAsync(async ct =>
    {
        await Chat.UpdateAsync(Id!.Value, null, null, null, [.. ids], ct);
        await ReloadAsync();
    });

    private Task SetModelAsync(string model) => RunAsync(async ct =>
    {
        await Chat.UpdateAsync(Id!.Value, null, model, null, ct);
        await ReloadAsync();
    });

    private Task RenameAsync() => RunAsync(async ct =>
    {
        await Chat.UpdateAsync(Id!.Value, _title, null, null, ct);
        _renaming = false;
        await ReloadAsync();
        await LoadListAsync();
    });

    private Task DeleteAsync() => RunAsync(async ct =>
    {
        await Chat.DeleteAsync(Id!.Value, ct);
        await LoadListAsync();
        Navigation.NavigateTo("/chat");
    });
}
