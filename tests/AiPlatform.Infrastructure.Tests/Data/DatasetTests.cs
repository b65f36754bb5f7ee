using System.Text;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Storage;
using AiPlatform.Infrastructure.Tests.Builders;
using DuckDB.NET.Data;

namespace AiPlatform.Infrastructure.Tests.Data;

/// <summary>Datasets and versions with real DuckDB on a real database; once per provider.</summary>
public abstract class DatasetTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PlatformServicesFixture
{
    private static readonly CancellationToken None = CancellationToken.None;

    private DatasetService Datasets => fixture.Get<DatasetService>();

    private DatasetAnalysisService Analysis => fixture.Get<DatasetAnalysisService>();

    private DatasetQueryService Queries => fixture.Get<DatasetQueryService>();

    [Fact]
    public async Task Uploading_a_csv_makes_an_immutable_version_with_rows_and_schema_and_the_same_content_makes_none()
    {
        var dataset = await Datasets.CreateAsync(Name("churn"), "Customer *churn*", ["crm", "Tabular"], None);
        const string csv = "id,name,score\n1,ann,0.5\n2,bob,0.75\n3,cid,\n";

        var first = await Datasets.UploadAsync(dataset.Id, Stream(csv), "customers.csv", "first cut", None);
        var again = await Datasets.UploadAsync(dataset.Id, Stream(csv), "copy.csv", null, None);

        first.Created.ShouldBeTrue();
        first.Version.Number.ShouldBe(1);
        first.Version.RowCount.ShouldBe(3);
        first.Version.Columns.Select(c => c.Name).ShouldBe(["id", "name", "score"]);
        first.Version.Columns[0].Type.ShouldBe("BIGINT");
        first.Version.ContentHash.Length.ShouldBe(64);
        first.Version.Message.ShouldBe("first cut");
        again.Created.ShouldBeFalse();
        again.Version.Id.ShouldBe(first.Version.Id);
        (await Datasets.ListVersionsAsync(dataset.Id, None)).Count.ShouldBe(1);
        (await fixture.Get<IObjectStore>().StatAsync(ObjectKey.Parse(first.Version.ObjectKey), None))!.Size.ShouldBe(Encoding.UTF8.GetByteCount(csv));
        (await Datasets.GetAsync(dataset.Id, None)).Dataset.Tags.ShouldBe(["crm", "tabular"]);
    }

    [Fact]
    public async Task New_content_makes_the_next_version_with_its_parent_and_rows_can_be_paged_and_sorted()
    {
        var dataset = await Datasets.CreateAsync(Name("sales"), null, null, None);
        var v1 = await Datasets.UploadAsync(dataset.Id, Stream("region\tamount\nnorth\t10\nsouth\t30\neast\t20\n"), "sales.tsv", null, None);
        var v2 = await Datasets.UploadAsync(dataset.Id, Stream("{\"region\":\"north\",\"amount\":11}\n{\"region\":\"west\",\"amount\":5}\n"), "sales.jsonl", "json now", None);

        v2.Version.Number.ShouldBe(2);
        v2.Version.ParentId.ShouldBe(v1.Version.Id);
        v2.Version.Format.ShouldBe(DatasetFormat.JsonLines);
        var sorted = await Analysis.ReadRowsAsync(dataset.Id, v1.Version.Id, 0, 2, "amount", descending: true, None);
        sorted.TotalRows.ShouldBe(3);
        sorted.Rows.Select(r => r[0]).ShouldBe(["south", "east"]);
        var next = await Analysis.ReadRowsAsync(dataset.Id, v1.Version.Id, 2, 2, "amount", descending: true, None);
        next.Rows.Single()[0].ShouldBe("north");
        await Should.ThrowAsync<ValidationException>(() => Analysis.ReadRowsAsync(dataset.Id, v1.Version.Id, 0, 10, "no_such; DROP", false, None));
    }

    [Fact]
    public async Task A_new_version_is_profiled_by_a_job_with_counts_nulls_quartiles_top_values_and_a_histogram()
    {
        var dataset = await Datasets.CreateAsync(Name("profiled"), null, null, None);
        var csv = "city,price\n" + string.Join("\n", Enumerable.Range(1, 100).Select(i => $"{(i % 4 == 0 ? "Lyon" : "Nantes")},{(i == 50 ? "" : (i * 10).ToString())}")) + "\n";
        var version = (await Datasets.UploadAsync(dataset.Id, Stream(csv), "prices.csv", null, None)).Version;
        (await Analysis.GetProfileAsync(dataset.Id, version.Id, None)).ShouldBeNull();

        var job = (await fixture.Get<AiPlatform.Core.Jobs.JobService>().ListAsync(new AiPlatform.Core.Jobs.JobQuery(Kind: ProfileDatasetHandler.JobKind, Search: dataset.Name), None)).Items.Single();
        fixture.Dispatcher.Dispatched.ShouldContain(job.Id);
        await fixture.Get<AiPlatform.Core.Jobs.JobRunner>().RunAsync(job.Id, None);

        var profile = (await Analysis.GetProfileAsync(dataset.Id, version.Id, None))!;
        var city = profile.Columns.Single(c => c.Name == "city");
        var price = profile.Columns.Single(c => c.Name == "price");
        city.TopValues[0].ShouldBe(new ValueCount("Nantes", 75));
        city.ApproxDistinct.ShouldBe(2);
        price.Count.ShouldBe(100);
        price.Nulls.ShouldBe(1);
        price.Mean!.Value.ShouldBe(50000.0 / 99, 0.01);
        price.Median!.Value.ShouldBe(510, 20);
        price.Histogram.Count.ShouldBe(10);
        price.Histogram.Sum(b => b.Count).ShouldBe(99);
        price.Min.ShouldBe("10");
        price.Max.ShouldBe("1000");
    }

    [Fact]
    public async Task Two_versions_are_compared_by_schema_row_count_and_rows_by_key()
    {
        var dataset = await Datasets.CreateAsync(Name("diff"), null, null, None);
        var v1 = (await Datasets.UploadAsync(dataset.Id, Stream("id,name,score\n1,ann,5\n2,bob,6\n3,cid,7\n"), "a.csv", null, None)).Version;
        var v2 = (await Datasets.UploadAsync(dataset.Id, Stream("id,name,city\n1,ann,Lyon\n2,bea,Lyon\n4,dan,Metz\n5,eve,Nice\n"), "b.csv", null, None)).Version;

        var diff = await Analysis.DiffAsync(dataset.Id, v1.Id, v2.Id, "id", None);
        var schemaOnly = await Analysis.DiffAsync(dataset.Id, v1.Id, v2.Id, null, None);

        diff.AddedColumns.ShouldBe(["city"]);
        diff.RemovedColumns.ShouldBe(["score"]);
        diff.RowsBefore.ShouldBe(3);
        diff.RowsAfter.ShouldBe(4);
        diff.AddedRows.ShouldBe(2);
        diff.RemovedRows.ShouldBe(1);
        diff.ChangedRows.ShouldBe(1);
        diff.SampleChangedKeys.ShouldBe(["2"]);
        schemaOnly.AddedRows.ShouldBeNull();
        await Should.ThrowAsync<ValidationException>(() => Analysis.DiffAsync(dataset.Id, v1.Id, v2.Id, "score", None));
    }

    [Fact]
    public async Task The_sql_console_queries_readable_datasets_by_name_and_saves_results_as_versions_with_lineage()
    {
        var name = Name("orders");
        var dataset = await Datasets.CreateAsync(name, null, null, None);
        await Datasets.UploadAsync(dataset.Id, Stream("id,amount\n1,10\n2,20\n3,30\n"), "orders.csv", null, None);
        var console = fixture.Get<SqlConsoleService>();

        var result = await console.RunAsync($"SELECT SUM(amount) AS total, COUNT(*) AS n FROM \"{name}\" WHERE amount > 10;", None);
        var big = await console.RunAsync("SELECT * FROM range(20000)", None);

        result.Columns.Select(c => c.Name).ShouldBe(["total", "n"]);
        result.Rows.Single().ShouldBe(["50", "2"]);
        result.Datasets.ShouldBe([name]);
        big.Rows.Count.ShouldBe(SqlSettings.Default.MaxRows);
        big.Truncated.ShouldBeTrue();

        var target = await Datasets.CreateAsync(Name("big-orders"), null, null, None);
        var saved = await Queries.SaveQueryResultAsync(target.Id, $"SELECT * FROM \"{name}\" WHERE amount >= 20", "big ones", None);
        saved.Version.Source.ShouldBe("query");
        saved.Version.Format.ShouldBe(DatasetFormat.Parquet);
        saved.Version.RowCount.ShouldBe(2);
        saved.Version.SourceDetail!.ShouldContain(name);
        var sourceVersion = (await Datasets.ListVersionsAsync(dataset.Id, None)).Single();
        (await Analysis.GetLineageAsync(dataset.Id, sourceVersion.Id, None)).UsedBy.Single().DatasetId.ShouldBe(target.Id);
        var savedLineage = await Analysis.GetLineageAsync(target.Id, saved.Version.Id, None);
        savedLineage.Inputs.Single().DatasetName.ShouldBe(name);
        savedLineage.Parent.ShouldBeNull();
    }

    [Theory]
    [InlineData("SELECT * FROM read_csv('/etc/passwd')", "not available")]
    [InlineData("SELECT * FROM read_text('/etc/hostname')", "not available")]
    [InlineData("SELECT * FROM glob('/etc/*')", "not available")]
    [InlineData("COPY (SELECT 1) TO '/tmp/aip-leak.csv'", "read-only")]
    [InlineData("ATTACH '/tmp/aip.db'", "read-only")]
    [InlineData("INSTALL httpfs", "read-only")]
    [InlineData("SELECT 1; SELECT 2", "one statement")]
    [InlineData("SELECT * FROM \"no-such-dataset\"", "does not exist")]
    [InlineData("   ", "Write a query")]
    public async Task The_sql_console_refuses_files_network_extensions_and_writes_with_a_clear_error(string sql, string expected)
    {
        var error = await Should.ThrowAsync<ValidationException>(() => fixture.Get<SqlConsoleService>().RunAsync(sql, None));

        error.Errors["sql"].Single().ShouldContain(expected, Case.Insensitive);
        File.Exists("/tmp/aip-leak.csv").ShouldBeFalse();
    }

    [Fact]
    public async Task Another_users_datasets_are_not_addressable_from_the_console()
    {
        var name = Name("hidden");
        await Datasets.CreateAsync(name, null, null, None);
        await Datasets.UploadAsync((await Datasets.ListAsync(name, null, new PageRequest(), None)).Items.Single().Id, Stream("a\n1\n"), "a.csv", null, None);
        var other = await fixture.CreateUserAsync(Name("snoop"), SystemRoles.DataAnalyst);
        fixture.CurrentUser.Caller = other;
        try
        {
            var error = await Should.ThrowAsync<ValidationException>(() => fixture.Get<SqlConsoleService>().RunAsync($"SELECT * FROM \"{name}\"", None));
            error.Errors["sql"].Single().ShouldContain("does not exist");
        }
        finally
        {
            fixture.CurrentUser.Caller = fixture.Admin;
        }
    }

    [Fact]
    public async Task Parquet_files_are_read_too()
    {
        var dataset = await Datasets.CreateAsync(Name("parquet"), null, null, None);
        var path = Path.Combine(fixture.DataDirectory, $"{Guid.NewGuid():N}.parquet");
        await using (var duck = new DuckDBConnection("Data Source=:memory:"))
        {
            await duck.OpenAsync();
            await using var command = duck.CreateCommand();
            command.CommandText = $"COPY (SELECT range AS n, range * 2 AS twice FROM range(1000)) TO '{path}' (FORMAT parquet)";
            await command.ExecuteNonQueryAsync();
        }

        await using var file = File.OpenRead(path);
        var version = (await Datasets.UploadAsync(dataset.Id, file, "numbers.parquet", null, None)).Version;

        version.RowCount.ShouldBe(1000);
        version.Columns.Select(c => c.Name).ShouldBe(["n", "twice"]);
    }

    [Fact]
    public async Task A_malformed_file_fails_with_its_line_and_leaves_no_version_blob_or_scratch_file()
    {
        var dataset = await Datasets.CreateAsync(Name("broken"), null, null, None);
        var before = await CountObjectsAsync();

        var error = await Should.ThrowAsync<ValidationException>(() => Datasets.UploadAsync(dataset.Id, Stream("a,b\n1,2\n3,4,5\n6,7\n"), "ragged.csv", null, None));

        error.Errors["file"].Single().ShouldContain("Line");
        error.Errors["file"].Single().ShouldNotContain(fixture.DataDirectory);
        (await Datasets.ListVersionsAsync(dataset.Id, None)).ShouldBeEmpty();
        (await CountObjectsAsync()).ShouldBe(before);
        Directory.EnumerateFiles(Path.Combine(fixture.DataDirectory, "tmp", "scratch"), "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != Infrastructure.Storage.FileScratchSpace.LockFileName).ShouldBeEmpty();
        await Should.ThrowAsync<ValidationException>(() => Datasets.UploadAsync(dataset.Id, Stream("x"), "notes.txt", null, None));
        await Should.ThrowAsync<ValidationException>(() => Datasets.UploadAsync(dataset.Id, Stream(string.Empty), "empty.csv", null, None));
    }

    [Fact]
    public async Task Datasets_are_private_to_their_owner_until_shared_and_deleting_removes_their_content()
    {
        var owner = await fixture.CreateUserAsync(Name("owner"), SystemRoles.DataEngineer);
        var other = await fixture.CreateUserAsync(Name("other"), SystemRoles.DataEngineer);
        fixture.CurrentUser.Caller = owner;
        try
        {
            var dataset = await Datasets.CreateAsync(Name("private"), null, ["secret"], None);
            var version = (await Datasets.UploadAsync(dataset.Id, Stream("a\n1\n"), "a.csv", null, None)).Version;
            (await Datasets.ListAsync(null, "secret", new PageRequest(), None)).Items.Single().Id.ShouldBe(dataset.Id);

            fixture.CurrentUser.Caller = other;
            (await Datasets.ListAsync(null, "secret", new PageRequest(), None)).Items.ShouldBeEmpty();
            await Should.ThrowAsync<NotFoundException>(() => Analysis.ReadRowsAsync(dataset.Id, version.Id, 0, 10, null, false, None));
            await Should.ThrowAsync<NotFoundException>(() => Datasets.UploadAsync(dataset.Id, Stream("a\n2\n"), "a.csv", null, None));

            fixture.CurrentUser.Caller = owner;
            await fixture.Get<SharingService>().GrantAsync(SecurableTypes.Dataset, dataset.Id, PrincipalType.User, other.Id, PermissionLevel.Read, None);
            fixture.CurrentUser.Caller = other;
            (await Analysis.ReadRowsAsync(dataset.Id, version.Id, 0, 10, null, false, None)).Rows.Single()[0].ShouldBe("1");
            await Should.ThrowAsync<ForbiddenException>(() => Datasets.UploadAsync(dataset.Id, Stream("a\n2\n"), "a.csv", null, None));

            fixture.CurrentUser.Caller = owner;
            await Datasets.DeleteAsync(dataset.Id, None);
            (await fixture.Get<IObjectStore>().StatAsync(ObjectKey.Parse(version.ObjectKey), None)).ShouldBeNull();
        }
        finally
        {
            fixture.CurrentUser.Caller = fixture.Admin;
        }
    }

    private static string Name(string prefix) => $"{prefix}{Guid.NewGuid().ToString("N")[..6]}";

    private static MemoryStream Stream(string text) => new(Encoding.UTF8.GetBytes(text));

    private async Task<int> CountObjectsAsync()
    {
        var count = 0;
        await foreach (var _ in fixture.Get<IObjectStore>().ListAsync("datasets/", None))
        {
            count++;
        }

        return count;
    }
}

public sealed class SqliteDatasetTests(SqliteServicesFixture fixture) : DatasetTests<SqliteServicesFixture>(fixture);

public sealed class PostgresDatasetTests(PostgresServicesFixture fixture) : DatasetTests<PostgresServicesFixture>(fixture);
