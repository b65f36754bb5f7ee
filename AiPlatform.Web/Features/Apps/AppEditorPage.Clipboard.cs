using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AiPlatform.Core.Apps;
using Microsoft.JSInterop;
using MudBlazor;

namespace AiPlatform.Web.Features.Apps;

/// <summary>
/// Copy, paste and duplicate on the canvas: the selected node (with an iteration's or loop's body) goes to the system
/// clipboard as JSON marked <c>{"aiplatform":"app-node",…}</c>, so it can be pasted into this app or another one; a
/// pasted node gets a new id (its body's references to the old one follow) and sits a little below and right.
/// </summary>
public partial class AppEditorPage
{
    private const string ClipboardMarker = "app-node";

    /// <summary>The largest clipboard text a paste reads (a node with a big body or code).</summary>
    private const long MaxPasteBytes = 4 * 1024 * 1024;
    private string? _publishedSelection;

    /// <summary>What Ctrl+C copies: the selected node, or null when none is (or it is the start node).</summary>
    internal string? SelectionJson()
    {
        if (_state is null || _selectedId is not { } id || _state.Current.Find(id) is not { } node || node.Type == AppNodeTypes.Start)
        {
            return null;
        }

        return new JsonObject { ["aiplatform"] = ClipboardMarker, ["node"] = JsonSerializerNode(node) }.ToJsonString();
    }

    /// <summary>Tells the page's script what a copy would put on the clipboard (once per selection change).</summary>
    private async Task PublishSelectionAsync()
    {
        var json = SelectionJson();
        if (json == _publishedSelection)
        {
            return;
        }

        _publishedSelection = json;
        try
        {
            await _module!.InvokeVoidAsync("select", json);
        }
        catch (JSDisconnectedException)
        {
        }
        catch (JSException)
        {
        }
    }

    /// <summary>Ctrl+V with a copied node on the clipboard (from this app or another).</summary>
    [JSInvokable]
    public Task OnPaste(string text) => InvokeAsync(() =>
    {
        Paste(text);
        StateHasChanged();
    });

    /// <summary>Ctrl+D: a copy of the selected node.</summary>
    private void Duplicate()
    {
        if (SelectionJson() is { } json)
        {
            Paste(json);
        }
    }

    internal void Paste(string text)
    {
        if (_state is null || !CanWrite)
        {
            return;
        }

        AppNode? node = null;
        try
        {
            if (JsonNode.Parse(text) is JsonObject o && o["aiplatform"]?.GetValue<string>() == ClipboardMarker && o["node"] is JsonObject n)
            {
                node = System.Text.Json.JsonSerializer.Deserialize<AppNode>(n.ToJsonString(), AppGraph.JsonOptions);
            }
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            node = null;
        }

        if (node is null || AppNodeCatalog.Find(node.Type) is null || node.Type == AppNodeTypes.Start || !AppNodeCatalog.AllowedIn(node.Type, _state.Kind))
        {
            Snackbar.Add(L["Apps.Editor.PasteRefused"], Severity.Warning);
            return;
        }

        // Every node id, the pasted node's and those in its body, becomes new and unused: references follow.
        var used = AppEditorState.AllIds(_state.Root);
        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        string Fresh(string type)
        {
            var stem = type.Replace('-', '_');
            for (var i = 1; ; i++)
            {
                var id = stem + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (used.Add(id))
                {
                    return id;
                }
            }
        }

        var newId = _state.NewId(node.Type);
        used.Add(newId);
        renames[node.Id] = newId;
        var body = AppNodeCatalog.HasBody(node.Type) ? AppNodeCatalog.Body(node) : null;
        if (body is not null)
        {
            RenameBody(body, renames, Fresh);
            node.Config["body"] = System.Text.Json.JsonSerializer.SerializeToNode(body, AppGraph.JsonOptions);
        }

        // A sub-app is named by its slug in a draft; a pinned id from elsewhere is dropped (publishing pins it again).
        if (node.Type == AppNodeTypes.SubApp)
        {
            node.Config.Remove(AiPlatform.Core.Apps.Nodes.SubAppNode.PinnedAppId);
        }

        // One pass, so that a rename never applies to the result of another (template2 → template1 → …).
        var config = Regex.Replace(node.Config.ToJsonString(), @"\{\{(\s*)([A-Za-z][A-Za-z0-9_]*)\.", m =>
            renames.TryGetValue(m.Groups[2].Value, out var to) ? "{{" + m.Groups[1].Value + to + "." : m.Value);

        var copy = new AppNode
        {
            Id = newId,
            Type = node.Type,
            Title = node.Title,
            X = Math.Round(node.X + 40),
            Y = Math.Round(node.Y + 40),
            Config = JsonNode.Parse(config) as JsonObject ?? [],
            OnError = node.OnError,
            TimeoutSeconds = node.TimeoutSeconds,
        };
        _state.Change(graph => graph.Nodes.Add(copy));
        _selectedId = newId;
        _tab = 0;
        Rebuild();
    }

    /// <summary>Gives every node of a body (and of bodies inside it) a fresh id, its edges following.</summary>
    private static void RenameBody(AppGraph body, Dictionary<string, string> renames, Func<string, string> fresh)
    {
        var local = body.Nodes.ToDictionary(n => n.Id, n => fresh(n.Type), StringComparer.Ordinal);
        foreach (var edge in body.Edges)
        {
            edge.Source = local.GetValueOrDefault(edge.Source, edge.Source);
            edge.Target = local.GetValueOrDefault(edge.Target, edge.Target);
        }

        foreach (var inner in body.Nodes)
        {
            renames[inner.Id] = local[inner.Id];
            inner.Id = local[inner.Id];
            if (AppNodeCatalog.HasBody(inner.Type) && AppNodeCatalog.Body(inner) is { } nested)
            {
                RenameBody(nested, renames, fresh);
                inner.Config["body"] = System.Text.Json.JsonSerializer.SerializeToNode(nested, AppGraph.JsonOptions);
            }
        }
    }

    /// <summary>Ctrl+V with a copied node too large for one interop message: its text streamed from the page.</summary>
    [JSInvokable]
    public async Task OnPasteStream(IJSStreamReference stream)
    {
        string text;
        try
        {
            await using var content = await stream.OpenReadStreamAsync(MaxPasteBytes);
            using var reader = new StreamReader(content);
            text = await reader.ReadToEndAsync();
        }
        catch (IOException)
        {
            await InvokeAsync(() => Snackbar.Add(L["Apps.Editor.PasteRefused"], Severity.Warning));
            return;
        }

        await OnPaste(text);
    }

    private static JsonNode? JsonSerializerNode(AppNode node) => System.Text.Json.JsonSerializer.SerializeToNode(node, AppGraph.JsonOptions);
}
