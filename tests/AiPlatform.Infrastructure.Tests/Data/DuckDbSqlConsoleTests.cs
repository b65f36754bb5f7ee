using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Infrastructure.DuckDb;

namespace AiPlatform.Infrastructure.Tests.Data;

/// <summary>The SQL console's engine with real DuckDB: how statements are classified, type names, and cancellation.</summary>
public sealed class DuckDbSqlConsoleTests
{
    /// <summary>Long enough that only a cancellation can end the test's long query before the test gives up.</summary>
    private static readonly SqlSettings Settings = SqlSettings.Default with { Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>~10^18 rows: it never finishes on its own.</summary>
    private const string EndlessQuery = "SELECT count(*) FROM range(1000000000) a, range(1000000000) b WHERE a.range + b.range = -1";

    private readonly DuckDbDatasetEngine _engine = new(Settings);

    [Theory]
    [InlineData("SELEC 1", "SELEC")]
    [InlineData("SELECT * FROM", "end of input")]
    [InlineData("EXPLAIN SELEC 1", "SELEC")]
    [InlineData("SELECT 1 +", "end of input")]
    public async Task A_typo_is_a_syntax_error_with_duckdbs_reason_not_a_refused_statement(string sql, string reason)
    {
        var error = await Should.ThrowAsync<ValidationException>(() => _engine.QueryAsync([], sql, Settings, default));

        error.Code.ShouldBe(SqlConsoleService.SyntaxErrorCode);
        error.MessageKey.ShouldBe("Error.SqlSyntax");
        var detail = error.MessageArguments.ShouldHaveSingleItem().ShouldBeOfType<string>();
        detail.ShouldContain("syntax error");
        detail.ShouldContain(reason);
        detail.ShouldNotContain("Parser Error");
        detail.ShouldNotContain("\n");
    }

    [Theory]
    [InlineData("DELETE FROM cities")]
    [InlineData("CREATE TABLE t AS SELECT 1")]
    [InlineData("COPY (SELECT 1) TO '/tmp/aip-classifier.csv'")]
    public async Task A_statement_that_parses_but_writes_is_still_refused_as_not_read_only(string sql)
    {
        var error = await Should.ThrowAsync<ValidationException>(() => _engine.QueryAsync([], sql, Settings, default));

        error.Code.ShouldBe(SqlConsoleService.NotReadOnlyCode);
        File.Exists("/tmp/aip-classifier.csv").ShouldBeFalse();
    }

    [Fact]
    public async Task A_binder_error_is_a_query_error_with_duckdbs_reason_as_the_parameter()
    {
        var error = await Should.ThrowAsync<ValidationException>(() => _engine.QueryAsync([], "SELECT no_such_column FROM range(3)", Settings, default));

        error.Code.ShouldBe(SqlConsoleService.QueryErrorCode);
        error.MessageKey.ShouldBe("Error.SqlQueryFailed");
        error.MessageArguments.ShouldHaveSingleItem().ShouldBeOfType<string>().ShouldContain("no_such_column");
    }

    [Fact]
    public async Task Column_types_are_duckdbs_sql_names_the_way_a_datasets_columns_show_them()
    {
        var result = await _engine.QueryAsync([], "SELECT 'a' AS s, 0.1::DOUBLE + 0.2::DOUBLE AS d, 42::BIGINT AS n, 1.25::DECIMAL(10,2) AS m, 7::UBIGINT AS u, [1, 2] AS l", Settings, default);

        result.Columns.Select(c => c.Type).ShouldBe(["VARCHAR", "DOUBLE", "BIGINT", "DECIMAL(10,2)", "UBIGINT", "INTEGER[]"]);
        result.Rows.Single()[1].ShouldBe("0.30000000000000004", "the API and the CSV keep a double's full precision");
    }

    [Theory]
    [InlineData("Varchar", "VARCHAR")]
    [InlineData("UnsignedBigInt", "UBIGINT")]
    [InlineData("TimestampTz", "TIMESTAMP WITH TIME ZONE")]
    [InlineData("Double", "DOUBLE")]
    public void Type_names_of_undescribed_results_are_upper_case_sql_names(string driverName, string expected) =>
        DuckDbSqlRunner.TypeName(driverName).ShouldBe(expected);

    [Fact]
    public async Task Cancelling_interrupts_a_running_query_in_the_engine()
    {
        using var cancel = new CancellationTokenSource();

        // The engine runs DuckDB off the caller's thread: the call returns while the query runs (before the fix it
        // held the caller until the time limit stopped the query, and the task came back completed).
        var query = _engine.QueryAsync([], EndlessQuery, Settings, cancel.Token);
        query.IsCompleted.ShouldBeFalse("the query should still be running when QueryAsync returns");

        await cancel.CancelAsync();

        // Only the interrupt can end it within this wait (the time limit is two minutes, the query never ends).
        await Should.ThrowAsync<OperationCanceledException>(() => query.WaitAsync(TimeSpan.FromSeconds(90)));
    }

    [Fact]
    public async Task The_engine_answers_the_next_query_after_a_cancelled_one()
    {
        using var cancel = new CancellationTokenSource();
        var query = _engine.QueryAsync([], EndlessQuery, Settings, cancel.Token);
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => query.WaitAsync(TimeSpan.FromSeconds(90)));

        var next = await _engine.QueryAsync([], "SELECT 41 + 1 AS answer", Settings, default);

        next.Rows.Single().Single().ShouldBe("42");
    }
}
