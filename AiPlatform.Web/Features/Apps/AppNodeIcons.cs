using AiPlatform.Core.Apps;
using MudBlazor;

namespace AiPlatform.Web.Features.Apps;

/// <summary>The icon of each node type, in the palette and on the canvas.</summary>
public static class AppNodeIcons
{
    public static string Of(string type) => type switch
    {
        AppNodeTypes.Start => Icons.Material.Filled.PlayCircleOutline,
        AppNodeTypes.Llm => Icons.Material.Filled.AutoAwesome,
        AppNodeTypes.Knowledge => Icons.Material.Filled.LibraryBooks,
        AppNodeTypes.Inference => Icons.Material.Filled.Dns,
        AppNodeTypes.Sql => Icons.Material.Filled.TableChart,
        AppNodeTypes.Http => Icons.Material.Filled.Http,
        AppNodeTypes.Code => Icons.Material.Filled.Code,
        AppNodeTypes.Template => Icons.Material.Filled.TextSnippet,
        AppNodeTypes.IfElse => Icons.Material.Filled.CallSplit,
        AppNodeTypes.Switch => Icons.Material.Filled.AltRoute,
        AppNodeTypes.Classifier => Icons.Material.Filled.Category,
        AppNodeTypes.Extractor => Icons.Material.Filled.DataObject,
        AppNodeTypes.Iteration => Icons.Material.Filled.Repeat,
        AppNodeTypes.Loop => Icons.Material.Filled.Loop,
        AppNodeTypes.Aggregator => Icons.Material.Filled.MergeType,
        AppNodeTypes.SubApp => Icons.Material.Filled.Apps,
        AppNodeTypes.Answer => Icons.Material.Filled.QuestionAnswer,
        AppNodeTypes.End => Icons.Material.Filled.StopCircle,
        _ => Icons.Material.Filled.Widgets,
    };
}
