using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Apps.Nodes;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Infrastructure.Tests.Builders;
using static AiPlatform.Infrastructure.Tests.Apps.Nodes.NodeBuilder;

namespace AiPlatform.Infrastructure.Tests.Apps.Nodes;

/// <summary>The SQL node on real DuckDB datasets under the console's sandbox, with the rights of the user the app runs as.</summary>
public sealed class SqlNodeTests(SqliteServicesFixture fixture) : IClassFixture<SqliteServicesFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;

    private SqlNode Executor => (SqlNode)fixture.Get<IEnumerable<IAppNodeExecutor>>().Single(e => e.Type == AppNodeTypes.Sql);

    [Fact]
    public async Task Parameters_are_bound_as_typed_values_and_rows_come_back_typed()
    {
        var cities = await DatasetAsync("name,country,population,capital\nParis,FR,2100000,true\nLyon,FR,520000,false\nBerlin,DE,3600000,true\nNice,FR,340000,false\n");
        var node = Node(AppNodeTypes.Sql, new
        {
            datasets = new[] { cities.Id.ToString() },
            sql = $"SELECT name, population, capital FROM \"{cities.Name}\" WHERE country = $country AND population > $min ORDER BY population DESC",
            parameters = new object[] { new { name = "country", value = "{{start.country}}" }, new { name = "$min", value = "{{start.min}}" } },
        });

        var outcome = await Executor.ExecuteAsync(new TestNodeRunContext(node, Json("""{"start": {"country": "FR", "min": 400000}}""")), None);

        outcome.Outputs["rowCount"]!.GetValue<int>().ShouldBe(2);
        outcome.Outputs["truncated"]!.GetValue<bool>().ShouldBeFalse();
        var rows = outcome.Outputs["rows"]!.AsArray();
        rows[0]!["name"]!.GetValue<string>().ShouldBe("Paris");
        rows[0]!["population"]!.GetValue<long>().ShouldBe(2100000);
        rows[0]!["capital"]!.GetValue<bool>().ShouldBeTrue();
        rows[1]!["name"]!.GetValue<string>().ShouldBe("Lyon");
        outcome.Outputs["columns"]!.AsArray().Select(c => c!.GetValue<string>()).ShouldBe(["name", "population", "capital"]);
        outcome.Inputs!["parameters"]!["min"]!.GetValue<int>().ShouldBe(400000, "a single reference keeps its type");
    }

    [Theory]
    [InlineData("FR' OR '1'='1")]
    [InlineData("FR'; DROP TABLE x; --")]
    [InlineData("\" OR 1=1 --")]
    public async Task A_value_that_looks_like_sql_stays_a_value(string attack)
    {
        var cities = await DatasetAsync("name,country\nParis,FR\nBerlin,DE\n");
        var node = Node(AppNodeTypes.Sql, new
        {
            datasets = new[] { cities.Id.ToString() },
            sql = $"SELECT name, $country AS asked FROM \"{cities.Name}\" WHERE country = $country",
            parameters = new object[] { new { name = "country", value = "{{start.country}}" } },
        });
        var variables = new JsonObject { ["start"] = new JsonObject { ["country"] = attack } };

        var outcome = await Executor.ExecuteAsync(new TestNodeRunContext(node, variables), None);

        outcome.Outputs["rowCount"]!.GetValue<int>().ShouldBe(0, "no row has that country, and the value did not widen the query");

        // A variable spliced into the SQL text is refused: variables reach a query only as parameters.
        var templated = Node(AppNodeTypes.Sql, new { datasets = new[] { cities.Id.ToString() }, sql = $"SELECT name FROM \"{cities.Name}\" WHERE country = '{{{{start.country}}}}'" });
        var refused = await Should.ThrowAsync<ValidationException>(() => Executor.ExecuteAsync(new TestNodeRunContext(templated, variables), None));
        refused.MessageKey.ShouldBe("Apps.Error.SqlTemplate");
        refused.MessageArguments.ShouldBe(["n1", "{{start.country}}"]);
    }

    [Fact]
    public async Task Only_the_listed_datasets_are_visible_and_a_listed_one_the_runner_cannot_read_fails_the_node()
    {
        var listed = await DatasetAsync("k,v\n1,one\n");
        var other = await DatasetAsync("k,v\n2,secret\n");
        var notListed = Node(AppNodeTypes.Sql, new { datasets = new[] { listed.Id.ToString() }, sql = $"SELECT * FROM \"{other.Name}\"" });
        var refused = await Should.ThrowAsync<ValidationException>(() => Executor.ExecuteAsync(new TestNodeRunContext(notListed), None));
        refused.Message.ShouldContain(other.Name);

        var analyst = await fixture.CreateUserAsync("sqlnode" + Suffix(), SystemRoles.DataAnalyst);
        var node = Node(AppNodeTypes.Sql, new { datasets = new[] { listed.Id.ToString() }, sql = $"SELECT v FROM \"{listed.Name}\"" });
        var unreadable = await AsAsync(analyst, () => Should.ThrowAsync<NotFoundException>(() => Executor.ExecuteAsync(new TestNodeRunContext(node), None)));
        unreadable.MessageKey.ShouldBe("Apps.Error.DatasetNotReadable");
        unreadable.MessageArguments.ShouldBe(["n1", listed.Id.ToString()]);

        var sharing = fixture.Get<SharingService>();
        var grant = await sharing.GrantAsync(SecurableTypes.Dataset, listed.Id, PrincipalType.User, analyst.Id, PermissionLevel.Read, None);
        var granted = await AsAsync(analyst, () => Executor.ExecuteAsync(new TestNodeRunContext(node), None));
        granted.Outputs["rows"]![0]!["v"]!.GetValue<string>().ShouldBe("one");

        await sharing.RevokeAsync(SecurableTypes.Dataset, listed.Id, grant.Id, None);
        (await AsAsync(analyst, () => Should.ThrowAsync<NotFoundException>(() => Executor.ExecuteAsync(new TestNodeRunContext(node), None)))).MessageKey.ShouldBe("Apps.Error.DatasetNotReadable");
    }

    [Fact]
    public async Task Rows_are_capped_writes_are_refused_and_bad_parameter_names_are_named()
    {
        var data = await DatasetAsync("k\n1\n");
        var many = Node(AppNodeTypes.Sql, new { datasets = new[] { data.Id.ToString() }, sql = "SELECT range AS i FROM range(1500)" });
        var capped = await Executor.ExecuteAsync(new TestNodeRunContext(many), None);
        capped.Outputs["rowCount"]!.GetValue<int>().ShouldBe(SqlNode.MaxRows);
        capped.Outputs["truncated"]!.GetValue<bool>().ShouldBeTrue();

        var write = Node(AppNodeTypes.Sql, new { datasets = new[] { data.Id.ToString() }, sql = $"DELETE FROM \"{data.Name}\"" });
        (await Should.ThrowAsync<ValidationException>(() => Executor.ExecuteAsync(new TestNodeRunContext(write), None))).Code.ShouldBe(SqlConsoleService.NotReadOnlyCode);

        var badName = Node(AppNodeTypes.Sql, new { datasets = new[] { data.Id.ToString() }, sql = "SELECT 1", parameters = new object[] { new { name = "1; DROP", value = "x" } } });
        var error = await Should.ThrowAsync<ValidationException>(() => Executor.ExecuteAsync(new TestNodeRunContext(badName), None));
        error.MessageKey.ShouldBe("Apps.Error.SqlParameterName");

        var noDatasets = Node(AppNodeTypes.Sql, new { sql = "SELECT 1" });
        (await Should.ThrowAsync<ValidationException>(() => Executor.ExecuteAsync(new TestNodeRunContext(noDatasets), None))).MessageKey.ShouldBe("Apps.Error.NodeSettingMissing");
    }

    [Fact]
    public async Task The_engine_runs_a_workflow_whose_sql_node_takes_start_inputs_as_parameters_with_the_runners_rights()
    {
        var cities = await DatasetAsync("name,country,population\nParis,FR,2100000\nLyon,FR,520000\nBerlin,DE,3600000\n");
        var sql = Node(AppNodeTypes.Sql, new
        {
            datasets = new[] { cities.Id.ToString() },
            sql = $"SELECT name, population FROM \"{cities.Name}\" WHERE country = $country ORDER BY population DESC",
            parameters = new object[] { new { name = "country", value = "{{start.country}}" } },
        }, "sql1");
        var graph = Workflow(["country"], [sql], new Dictionary<string, string> { ["first"] = "{{sql1.rows.0.name}}", ["count"] = "{{sql1.rowCount}}" });

        var result = await RunAsync(fixture.Get<IAppEngine>(), graph, Json("""{"country": "FR"}"""), fixture.Admin);

        result.Status.ShouldBe(AppRunStatus.Succeeded, result.Error);
        result.Outputs["first"]!.GetValue<string>().ShouldBe("Paris");
        result.Outputs["count"]!.GetValue<int>().ShouldBe(2);
        var execution = result.Nodes.Single(n => n.NodeId == "sql1");
        execution.Status.ShouldBe(NodeExecutionStatus.Succeeded);
        execution.Inputs!["parameters"]!["country"]!.GetValue<string>().ShouldBe("FR");

        // The same app run by a user who cannot read the dataset fails at the SQL node, saying why.
        var stranger = await fixture.CreateUserAsync("sqlrun" + Suffix(), SystemRoles.DataAnalyst);
        var refused = await RunAsync(fixture.Get<IAppEngine>(), graph, Json("""{"country": "FR"}"""), stranger);
        refused.Status.ShouldBe(AppRunStatus.Failed);
        refused.ErrorNodeId.ShouldBe("sql1");
        refused.ErrorKey.ShouldBe("Apps.Error.DatasetNotReadable");
        refused.ErrorArguments.ShouldBe(["sql1", cities.Id.ToString()]);
    }

    private static string Suffix() => Guid.NewGuid().ToString("N")[..6];

    /// <summary>Runs as an app does: with the rights of the user it runs as.</summary>
    private static async Task<T> AsAsync<T>(CallerIdentity user, Func<Task<T>> action)
    {
        using (ActingCaller.Begin(user))
        {
            return await action();
        }
    }

    private async Task<Dataset> DatasetAsync(string csv)
    {
        var datasets = fixture.Get<DatasetService>();
        var dataset = await datasets.CreateAsync("data_" + Suffix(), null, null, None);
        await datasets.UploadAsync(dataset.Id, new MemoryStream(Encoding.UTF8.GetBytes(csv)), "data.csv", null, None);
        return dataset;
    }
}
