using System.Text.RegularExpressions;
using System.Xml.Linq;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracking;
using AiPlatform.Core.Training;
using AiPlatform.Web.Features.Training;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Training;

/// <summary>
/// Issue 17, defect 6: the wizard checks the label on the step where it is chosen, in the user's language; id-like
/// columns stay out of the default features; each hyperparameter shows its default and a localized name; numeric labels
/// sit above their spinners; the validator's reasons carry message keys that both languages have.
/// </summary>
public sealed partial class TrainingWizardUxTests : PageTestBase
{
    private static readonly DatasetColumn[] Columns = [new("customer_id", "BIGINT"), new("tenure", "BIGINT"), new("plan", "VARCHAR"), new("churned", "VARCHAR")];

    [Theory]
    [InlineData("en", "Regression needs a numeric label; 'plan' is VARCHAR.")]
    [InlineData("zh-CN", "回归需要数值型标签；“plan”的类型是 VARCHAR。")]
    public void A_text_label_for_regression_is_refused_on_the_trainer_step_in_the_users_language_and_blocks_next(string culture, string expected)
    {
        using var _ = InCulture(culture);
        var form = FormOnTrainerStep(TrainingTask.Regression, profile: null);
        form.SetLabel("plan");

        var step = Render<TrainingTrainerStep>(p => p.Add(x => x.Form, form));

        step.Find("[data-testid=wizard-label-problem]").TextContent.Trim().ShouldBe(expected);
        var problem = form.GoTo(3).ShouldNotBeNull();
        problem.Key.ShouldBe(TrainingErrors.LabelRegressionNumeric);
        form.Step.ShouldBe(2, "Next is blocked while the label does not suit the task");

        form.SetLabel("tenure");
        form.Features = ["plan"];
        step.Render();
        step.FindAll("[data-testid=wizard-label-problem]").ShouldBeEmpty();
        form.GoTo(3).ShouldBeNull();
        form.Step.ShouldBe(3);
    }

    [Theory]
    [InlineData("en", "'churned' has a single value in this version; a classifier needs at least two classes.")]
    [InlineData("zh-CN", "“churned”在此版本中只有一个取值；分类至少需要两个类别。")]
    public void A_one_class_label_is_refused_on_the_step_from_the_versions_profile(string culture, string expected)
    {
        using var _ = InCulture(culture);
        var form = FormOnTrainerStep(TrainingTask.BinaryClassification, Profile(("churned", "VARCHAR", 1, [new ValueCount("no", 40)])));

        var step = Render<TrainingTrainerStep>(p => p.Add(x => x.Form, form));

        form.Label.ShouldBe("churned");
        step.Find("[data-testid=wizard-label-problem]").TextContent.Trim().ShouldBe(expected);
        form.GoTo(3).ShouldNotBeNull().Key.ShouldBe(TrainingErrors.LabelSingleClass);
        form.Step.ShouldBe(2);
    }

    [Fact]
    public void Id_like_columns_are_left_out_of_the_default_features_but_stay_selectable()
    {
        var form = FormOnTrainerStep(TrainingTask.BinaryClassification, Profile(("customer_id", "BIGINT", 40, []), ("churned", "VARCHAR", 2, [new ValueCount("no", 30), new ValueCount("yes", 10)])));

        form.Label.ShouldBe("churned");
        form.Features.ShouldBe(["tenure", "plan"]);
        var step = Render<TrainingTrainerStep>(p => p.Add(x => x.Form, form));
        step.Find("[data-testid=wizard-id-columns]").TextContent.ShouldContain("customer_id");

        form.Features = [.. form.Features, "customer_id"];
        form.GoTo(3).ShouldBeNull("an id column the user picks on purpose is accepted");
    }

    [Theory]
    [InlineData("en", "Learning rate", "learningRate · default 0.1")]
    [InlineData("zh-CN", "学习率", "learningRate · 默认 0.1")]
    public void Each_hyperparameter_shows_its_localized_name_the_raw_name_and_the_trainers_default_above_the_spinner(string culture, string label, string helper)
    {
        using var _ = InCulture(culture);
        var form = FormOnTrainerStep(TrainingTask.BinaryClassification, profile: null);

        var step = Render<TrainingTrainerStep>(p => p.Add(x => x.Form, form));

        var field = step.Find("input[data-testid=hp-learningRate]");
        field.GetAttribute("placeholder").ShouldBe("0.1");
        var control = field.Closest(".mud-input-control")!;
        control.TextContent.ShouldContain(label);
        control.TextContent.ShouldContain(helper);
        control.QuerySelector(".mud-input")!.ClassList.ShouldContain("mud-shrink", "the label sits above the empty field, clear of the spin buttons");
        step.Find("input[data-testid=hp-numberOfLeaves]").GetAttribute("placeholder").ShouldBe("31");

        form.SetTrainer(TrainerAlgorithm.FastTree);
        step.Render();
        step.Find("input[data-testid=hp-learningRate]").GetAttribute("placeholder").ShouldBe("0.2");
    }

    [Fact]
    public async Task The_validator_refuses_with_a_message_key_and_its_values()
    {
        var project = await Get<ProjectService>().CreateAsync("keys", null, default);
        var experiment = await Get<ExperimentService>().CreateExperimentAsync(project.Id, "keys", null, default);
        var datasets = Get<DatasetService>();
        var dataset = await datasets.CreateAsync("plans", null, null, default);
        var version = (await datasets.UploadAsync(dataset.Id, new MemoryStream("tenure,plan\n1,basic\n40,pro\n"u8.ToArray()), "p.csv", null, default)).Version;
        var submit = Get<TrainingSubmitService>();

        var label = await Should.ThrowAsync<ValidationException>(() => submit.SubmitAsync(new TrainingRequest(experiment.Id, "r", TrainingKind.BuiltIn,
            new BuiltInSpec(TrainingTask.Regression, TrainerAlgorithm.LightGbm, "plan", ["tenure"]), null, dataset.Id, version.Id), default));
        label.MessageKey.ShouldBe(TrainingErrors.LabelRegressionNumeric);
        label.MessageArguments.ShouldBe(["plan", "VARCHAR"]);

        var priority = await Should.ThrowAsync<ValidationException>(() => submit.SubmitAsync(new TrainingRequest(experiment.Id, "r", TrainingKind.BuiltIn,
            new BuiltInSpec(TrainingTask.Regression, TrainerAlgorithm.LightGbm, "tenure", ["plan"]), null, dataset.Id, version.Id, Priority: 1000), default));
        priority.MessageKey.ShouldBe(TrainingErrors.Priority);
        priority.MessageArguments.ShouldBe([TrainingService.MaxPriority]);

        var hyper = await Should.ThrowAsync<ValidationException>(() => submit.SubmitAsync(new TrainingRequest(experiment.Id, "r", TrainingKind.BuiltIn,
            new BuiltInSpec(TrainingTask.Regression, TrainerAlgorithm.LightGbm, "tenure", ["plan"], new Dictionary<string, double> { ["depth"] = 3 }), null, dataset.Id, version.Id), default));
        hyper.MessageKey.ShouldBe(TrainingErrors.HyperparameterUnknown);
    }

    [Fact]
    public void Every_training_and_study_message_key_reads_in_english_and_chinese_with_the_same_placeholders()
    {
        var english = Load("SharedResource.resx");
        var chinese = Load("SharedResource.zh-CN.resx");

        foreach (var key in TrainingErrors.All)
        {
            english.ShouldContainKey(key);
            chinese.ShouldContainKey(key);
            Placeholders(chinese[key]).ShouldBe(Placeholders(english[key]), key);
            chinese[key].ShouldNotBe(english[key], key);
        }
    }

    private NewTrainingForm FormOnTrainerStep(TrainingTask task, DatasetProfile? profile)
    {
        var version = new DatasetVersion { Id = profile?.VersionId ?? Guid.NewGuid(), RowCount = 40, ContentHash = "h", ObjectKey = "datasets/v.csv", Source = "upload", CreatedBy = "admin", Columns = [.. Columns] };
        var form = new NewTrainingForm { ExperimentId = Guid.NewGuid(), Task = task };
        form.SetDataset(Guid.NewGuid(), [version]);
        form.SetVersion(version.Id, profile is null ? null : new DatasetProfile { VersionId = version.Id, RowCount = 40, Columns = profile.Columns });
        form.GoTo(1).ShouldBeNull();
        form.GoTo(2).ShouldBeNull();
        return form;
    }

    private static DatasetProfile Profile(params (string Name, string Type, long Distinct, ValueCount[] Top)[] columns) => new()
    {
        VersionId = Guid.Empty,
        RowCount = 40,
        Columns = columns.Select(c => new ColumnProfile(c.Name, c.Type, 40, 0, c.Distinct, null, null, null, null, null, null, null, c.Top, [])).ToList(),
    };

    private static IReadOnlyList<string> Placeholders(string text) => [.. PlaceholderPattern().Matches(text).Select(m => m.Value).Distinct().Order()];

    private static Dictionary<string, string> Load(string file)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AiPlatform.sln")))
        {
            dir = dir.Parent;
        }

        return XDocument.Load(Path.Combine(dir!.FullName, "AiPlatform.Web", "Resources", file)).Root!.Elements("data")
            .ToDictionary(e => e.Attribute("name")!.Value, e => e.Element("value")!.Value);
    }

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex PlaceholderPattern();
}
