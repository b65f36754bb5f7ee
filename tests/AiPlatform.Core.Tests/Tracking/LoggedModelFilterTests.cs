using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Tests.Tracking;

public sealed class LoggedModelFilterTests
{
    private static readonly Experiment Experiment = new() { Id = Guid.NewGuid(), Number = 7, Name = "e" };

    [Fact]
    public void Filters_on_attributes_params_tags_and_the_latest_metric_of_the_given_datasets()
    {
        var run = Guid.NewGuid();
        var a = Model("alpha", 1, run, [("lr", "0.1")], [("my tag", "x")], [("acc", 0.2, 0, "train"), ("acc", 0.9, 1, "train"), ("acc", 0.1, 0, "eval")]);
        var b = Model("beta", 2, null, [("lr", "0.5")], [], [("acc", 0.95, 0, "eval")]);

        Apply([a, b], "metrics.acc > 0.5").ShouldBe(["beta", "alpha"]);
        Apply([a, b], "metrics.acc > 0.5", [new("eval", null)]).ShouldBe(["beta"]);
        Apply([a, b], "params.lr = '0.1' AND tags.`my tag` = 'x'").ShouldBe(["alpha"]);
        Apply([a, b], $"source_run_id = '{run:N}'").ShouldBe(["alpha"]);
        Apply([a, b], "name ILIKE 'B%' OR").ShouldBeNull();
        Apply([a, b], "name IN ('alpha', 'gamma') AND status = 'LOGGED_MODEL_READY'").ShouldBe(["alpha"]);
        Apply([a, b], "creation_timestamp >= 2").ShouldBe(["beta"]);
        Apply([a, b], "model_type != 'Agent'").ShouldBe(["beta", "alpha"]);
    }

    [Fact]
    public void Orders_by_metric_per_dataset_with_missing_values_last_then_newest_first()
    {
        var a = Model("alpha", 1, null, [], [], [("acc", 0.3, 0, "eval")]);
        var b = Model("beta", 2, null, [], [], [("acc", 0.8, 0, "train")]);
        var c = Model("gamma", 3, null, [], [], [("acc", 0.6, 0, "eval")]);

        Order([a, b, c], new LoggedModelOrder("metrics.acc", false, "eval", null)).ShouldBe(["gamma", "alpha", "beta"]);
        Order([a, b, c], new LoggedModelOrder("metrics.acc", true, null, null)).ShouldBe(["alpha", "gamma", "beta"]);
        Order([a, b, c], new LoggedModelOrder("name", false, null, null)).ShouldBe(["gamma", "beta", "alpha"]);
        LoggedModelFilter.Apply([a, b, c], [], [], []).Select(m => m.Model.Name).ShouldBe(["gamma", "beta", "alpha"]);
    }

    [Theory]
    [InlineData("metrics.acc > 'high'")]
    [InlineData("params.lr > '1'")]
    [InlineData("run_name = 'x'")]
    [InlineData("foo.bar = 'x'")]
    [InlineData("name = 'a' OR name = 'b'")]
    public void Bad_filters_are_refused_with_a_readable_message(string filter) =>
        Should.Throw<ValidationException>(() => LoggedModelFilter.Parse(filter)).Message.ShouldContain("Invalid search expression");

    [Fact]
    public void Order_by_params_or_a_dataset_on_an_attribute_is_refused()
    {
        Should.Throw<ValidationException>(() => LoggedModelFilter.ValidOrder([new("params.lr", true, null, null)]));
        Should.Throw<ValidationException>(() => LoggedModelFilter.ValidOrder([new("name", true, "eval", null)]));
        Should.Throw<ValidationException>(() => LoggedModelFilter.ValidOrder([new("metrics.acc", true, null, "digest")]));
    }

    [Fact]
    public void Model_ids_and_the_clients_registration_tag_parse_leniently()
    {
        var id = Guid.NewGuid();
        LoggedModelService.ParseId(LoggedModelService.FormatId(id)).ShouldBe(id);
        Should.Throw<NotFoundException>(() => LoggedModelService.ParseId(id.ToString("N")));
        Should.Throw<NotFoundException>(() => LoggedModelService.ParseId("m-xyz"));
        LoggedModelService.ParseRegistrations("""[{"name": "a", "version": "1"}, {"name": "a", "version": 1}, {"name": "b", "version": "2"}]""").ShouldBe([("a", 1), ("b", 2)]);
        LoggedModelService.ParseRegistrations("not json").ShouldBeEmpty();
        LoggedModelService.ParseRegistrations(null).ShouldBeEmpty();
    }

    private static List<string>? Apply(IReadOnlyList<LoggedModelDetails> models, string filter, IReadOnlyList<LoggedModelDatasetFilter>? datasets = null)
    {
        try
        {
            return LoggedModelFilter.Apply(models, LoggedModelFilter.Parse(filter), datasets ?? [], []).Select(m => m.Model.Name).ToList();
        }
        catch (ValidationException)
        {
            return null;
        }
    }

    private static List<string> Order(IReadOnlyList<LoggedModelDetails> models, LoggedModelOrder order) =>
        LoggedModelFilter.Apply(models, [], [], LoggedModelFilter.ValidOrder([order])).Select(m => m.Model.Name).ToList();

    private static LoggedModelDetails Model(string name, long created, Guid? run, (string, string)[] parameters, (string, string)[] tags, (string Key, double Value, long Step, string Dataset)[] metrics)
    {
        var model = new LoggedModel { Id = Guid.NewGuid(), ExperimentId = Experiment.Id, Name = name, UserName = "u", CreatedAt = created, UpdatedAt = created, SourceRunId = run, Status = name == "alpha" ? LoggedModelStatus.Ready : LoggedModelStatus.Pending };
        return new LoggedModelDetails(
            model,
            Experiment,
            tags.Select(t => new LoggedModelTag { ModelId = model.Id, Key = t.Item1, Value = t.Item2 }).ToList(),
            parameters.Select(p => new LoggedModelParam { ModelId = model.Id, Key = p.Item1, Value = p.Item2 }).ToList(),
            metrics.Select((m, i) => new LoggedModelMetric { Id = i, ModelId = model.Id, Key = m.Key, Value = m.Value, Step = m.Step, Timestamp = 1, DatasetName = m.Dataset }).ToList());
    }
}
