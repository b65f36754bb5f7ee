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

        var oldId = node.Id;
        var newId = _state.NewId(node.Type);
        // The body's references to its container ({{iteration1.item}}) follow the new id.
        var config = Regex.Replace(node.Config.ToJsonString(), @"\{\{(\s*)" + Regex.Escape(oldId) + @"\.", m => "{{" + m.Groups[1].Value + newId + ".");
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

    private static JsonNode? JsonSerializerNode(AppNode node) => System.Text.Json.JsonSerializer.SerializeToNode(node, AppGraph.JsonOptions);
}
