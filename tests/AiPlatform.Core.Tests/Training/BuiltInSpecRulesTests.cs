using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Training;
using AiPlatform.Core.Training.Hpo;

namespace AiPlatform.Core.Tests.Training;

/// <summary>
/// The label, feature and search-space checks refuse with a message key and its values (so the wizard and the API can
/// say why in the user's language), and tell id-like columns from features.
/// </summary>
public sealed class BuiltInSpecRulesTests
{
    private static readonly DatasetColumn[] Columns = [new("customer_id", "BIGINT"), new("tenure", "BIGINT"), new("plan", "VARCHAR"), new("churned", "VARCHAR")];

    [Fact]
    public void A_missing_label_is_refused_with_its_key()
    {
        var error = BuiltInSpecRules.CheckLabel(TrainingTask.BinaryClassification, null, Columns).ShouldNotBeNull();

        error.MessageKey.ShouldBe(TrainingErrors.LabelMissing);
        error.Errors.Keys.ShouldBe(["label"]);
    }

    [Fact]
    public void A_label_that_is_no_column_names_the_label_and_the_columns()
    {
        var error = BuiltInSpecRules.CheckLabel(TrainingTask.Regression, "price", Columns).ShouldNotBeNull();

        error.MessageKey.ShouldBe(TrainingErrors.LabelNotColumn);
        error.MessageArguments.ShouldBe(["price", "customer_id, tenure, plan, churned"]);
    }

    [Fact]
    public void Regression_on_a_text_label_is_refused_with_the_label_and_its_type()
    {
        var error = BuiltInSpecRules.CheckLabel(TrainingTask.Regression, "plan", Columns).ShouldNotBeNull();

        error.MessageKey.ShouldBe(TrainingErrors.LabelRegressionNumeric);
        error.MessageArguments.ShouldBe(["plan", "VARCHAR"]);
        error.Message.ShouldContain("Regression needs a numeric label; 'plan' is VARCHAR.");
        BuiltInSpecRules.CheckLabel(TrainingTask.Regression, "tenure", Columns).ShouldBeNull();
    }

    [Fact]
    public void With_the_profile_a_one_class_label_and_a_many_class_binary_label_are_refused()
    {
        var single = Profile("churned", "VARCHAR", 100, 1, [new("no", 100)]);
        BuiltInSpecRules.CheckLabel(TrainingTask.BinaryClassification, "churned", Columns, single).ShouldNotBeNull().MessageKey.ShouldBe(TrainingErrors.LabelSingleClass);
        BuiltInSpecRules.CheckLabel(TrainingTask.MulticlassClassification, "churned", Columns, single).ShouldNotBeNull().MessageKey.ShouldBe(TrainingErrors.LabelSingleClass);

        var three = Profile("plan", "VARCHAR", 100, 3, [new("basic", 50), new("pro", 30), new("team", 20)]);
        var binary = BuiltInSpecRules.CheckLabel(TrainingTask.BinaryClassification, "plan", Columns, three).ShouldNotBeNull();
        binary.MessageKey.ShouldBe(TrainingErrors.LabelBinaryClasses);
        binary.MessageArguments.ShouldBe(["plan", 3L]);
        BuiltInSpecRules.CheckLabel(TrainingTask.MulticlassClassification, "plan", Columns, three).ShouldBeNull();

        var two = Profile("churned", "VARCHAR", 100, 2, [new("no", 70), new("yes", 30)]);
        BuiltInSpecRules.CheckLabel(TrainingTask.BinaryClassification, "churned", Columns, two).ShouldBeNull();
    }

    [Fact]
    public void Feature_problems_carry_their_keys()
    {
        BuiltInSpecRules.CheckFeatures("churned", [], Columns).ShouldNotBeNull().MessageKey.ShouldBe(TrainingErrors.FeaturesNone);
        BuiltInSpecRules.CheckFeatures("churned", ["churned"], Columns).ShouldNotBeNull().MessageKey.ShouldBe(TrainingErrors.FeatureIsLabel);
        BuiltInSpecRules.CheckFeatures("churned", ["nope"], Columns).ShouldNotBeNull().MessageArguments.ShouldBe(["nope"]);
        BuiltInSpecRules.CheckFeatures("churned", ["tenure", "tenure"], Columns).ShouldNotBeNull().MessageKey.ShouldBe(TrainingErrors.FeatureTwice);
        BuiltInSpecRules.CheckFeatures("churned", ["tenure", "plan"], Columns).ShouldBeNull();
    }

    [Fact]
    public void Id_like_columns_are_uuids_near_unique_integers_or_text_and_without_a_profile_id_names()
    {
        BuiltInSpecRules.IsIdLike(new("uid", "UUID"), null, 5).ShouldBeTrue();
        BuiltInSpecRules.IsIdLike(new("customer_id", "BIGINT"), null, 0).ShouldBeTrue("named like an id, no profile yet");
        BuiltInSpecRules.IsIdLike(new("customerId", "BIGINT"), null, 0).ShouldBeTrue();
        BuiltInSpecRules.IsIdLike(new("tenure", "BIGINT"), null, 0).ShouldBeFalse();
        BuiltInSpecRules.IsIdLike(new("paid", "BIGINT"), null, 0).ShouldBeFalse("'paid' ends in 'id' but is no id");

        BuiltInSpecRules.IsIdLike(new("ref", "VARCHAR"), Profile("ref", "VARCHAR", 1000, 990, []), 1000).ShouldBeTrue("text with a value per row");
        BuiltInSpecRules.IsIdLike(new("customer_id", "BIGINT"), Profile("customer_id", "BIGINT", 1000, 1000, []), 1000).ShouldBeTrue();
        BuiltInSpecRules.IsIdLike(new("store_id", "BIGINT"), Profile("store_id", "BIGINT", 1000, 12, []), 1000).ShouldBeFalse("a store is a category, not a row id");
        BuiltInSpecRules.IsIdLike(new("income", "DOUBLE"), Profile("income", "DOUBLE", 1000, 1000, []), 1000).ShouldBeFalse("continuous numbers are naturally distinct");
        BuiltInSpecRules.IsIdLike(new("tenure", "BIGINT"), Profile("tenure", "BIGINT", 3, 3, []), 3).ShouldBeFalse("three rows say nothing about uniqueness");
    }

    [Fact]
    public void Every_trainer_has_a_default_for_each_of_its_hyperparameters()
    {
        foreach (var trainer in TrainerCatalog.Trainers)
        {
            foreach (var task in Enum.GetValues<TrainingTask>())
            {
                foreach (var key in TrainerCatalog.HyperparametersOf(trainer))
                {
                    TrainerCatalog.DefaultOf(trainer, task, key).ShouldBeGreaterThanOrEqualTo(0, $"{trainer} {task} {key}");
                }
            }
        }

        TrainerCatalog.DefaultOf(TrainerAlgorithm.LightGbm, TrainingTask.BinaryClassification, "learningRate").ShouldBe(0.1);
        TrainerCatalog.DefaultOf(TrainerAlgorithm.Linear, TrainingTask.Regression, "l2Regularization").ShouldBe(0.1);
    }

    [Fact]
    public void Search_space_and_study_refusals_carry_keys_and_the_parameter()
    {
        Should.Throw<ValidationException>(() => SearchSpace.Validate([])).MessageKey.ShouldBe(TrainingErrors.SpaceSize);
        var range = Should.Throw<ValidationException>(() => SearchSpace.Validate([new SearchParameter("lr", ParameterType.LogFloat, 0, 1)]));
        range.MessageKey.ShouldBe(TrainingErrors.SpaceLogRange);
        range.MessageArguments.ShouldBe(["lr"]);
        Should.Throw<ValidationException>(() => SearchSpace.Validate([new SearchParameter("n", ParameterType.Int, 1.5, 4)])).MessageKey.ShouldBe(TrainingErrors.SpaceIntRange);
    }

    [Fact]
    public void The_keys_are_distinct_and_named_for_the_ui()
    {
        TrainingErrors.All.Count.ShouldBeGreaterThan(40);
        TrainingErrors.All.Distinct().Count().ShouldBe(TrainingErrors.All.Count);
        TrainingErrors.All.ShouldAllBe(k => k.StartsWith("Error.Training.") || k.StartsWith("Error.Study."));
    }

    private static ColumnProfile Profile(string name, string type, long count, long distinct, IReadOnlyList<ValueCount> top) =>
        new(name, type, count, 0, distinct, null, null, null, null, null, null, null, top, []);
}
