using AiPlatform.Core.Apps;
using AiPlatform.Web.Tests.Builders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>The canvas names every node type, setting, palette group, option and status from the resources, never from code.</summary>
public sealed class AppPageTextsTests : PageTestBase
{
    [Fact]
    public void Every_node_type_setting_group_and_option_of_the_catalog_has_a_label()
    {
        var l = Services.GetRequiredService<IStringLocalizer<SharedResource>>();
        var keys = new List<string>();
        foreach (var descriptor in AppNodeCatalog.All)
        {
            keys.Add($"Apps.Node.{descriptor.Type}");
            keys.Add($"Apps.Group.{descriptor.Group}");
            keys.AddRange(descriptor.Settings.Select(s => $"Apps.Setting.{descriptor.Type}.{s.Name}"));
        }

        keys.AddRange(AppNodeCatalog.Operators.Select(o => $"Apps.Option.operator.{o}"));
        keys.AddRange(AppNodeCatalog.LogicOptions.Select(o => $"Apps.Option.logic.{o}"));
        keys.AddRange(AppNodeCatalog.RetrievalModes.Select(o => $"Apps.Option.mode.{o}"));
        keys.AddRange(AppNodeCatalog.StartFieldTypes.Select(o => $"Apps.Option.fieldType.{o}"));
        keys.AddRange(AppNodeCatalog.ValueTypeNames.Select(o => $"Apps.Option.valueType.{o}"));
        keys.AddRange(new[] { AppRunSources.Draft, AppRunSources.Node, AppRunSources.Api, AppRunSources.Page, AppRunSources.Gateway, AppRunSources.SubApp, AppRunSources.Evaluation }.Select(s => $"Apps.Source.{s}"));
        keys.AddRange(Enum.GetNames<AppKind>().Select(v => $"Enum.AppKind.{v}"));
        keys.AddRange(Enum.GetNames<AppRunStatus>().Select(v => $"Enum.AppRunStatus.{v}"));
        keys.AddRange(Enum.GetNames<NodeExecutionStatus>().Select(v => $"Enum.NodeExecutionStatus.{v}"));
        keys.AddRange(Enum.GetNames<AppValueType>().Select(v => $"Enum.AppValueType.{v}"));

        keys.Where(k => l[k].ResourceNotFound).ShouldBeEmpty();
    }
}
