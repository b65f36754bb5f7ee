using AiPlatform.Core.Audit;
using Minio;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Jobs;
using AiPlatform.Infrastructure.Tests.Builders;
using Npgsql;

namespace AiPlatform.Infrastructure.Tests.Data;

/// <summary>PostgreSQL data sources against the real PostgreSQL server; the platform itself runs on each provider.</summary>
public abstract class DataSourceTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : PlatformServicesFixture
{
    private const string Password = "s3cret-Source-pw";
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string _database = "aip_src_" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _role = "aip_reader_" + Guid.NewGuid().ToString("N")[..8];

    private DataSourceService Sources => fixture.Get<DataSourceService>();

    private DataSourceImportService Imports => fixture.Get<DataSourceImportService>();

    private ImportScheduleService Schedules => fixture.Get<ImportScheduleService>();

    private ScheduledImportRunner Runner => fixture.Get<ScheduledImportRunner>();

    public async Task InitializeAsync()
    {
        await ExecuteAsync(TestPeers.PostgresConnectionString, $"CREATE DATABASE {_database}", $"CREATE ROLE {_role} LOGIN PASSWORD '{Password}'");
        var builder = new NpgsqlConnectionStringBuilder(TestPeers.PostgresConnectionString) { Database = _database };
        await ExecuteAsync(
            builder.ConnectionString,
            "CREATE TABLE public.customers (id int PRIMARY KEY, name text, spend numeric)",
            "INSERT INTO public.customers SELECT g, 'customer ' || g, g * 1.5 FROM generate_series(1, 250) g",
            $"GRANT SELECT ON public.customers TO {_role}");
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(TestPeers.PostgresConnectionString, $"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", $"DROP ROLE IF EXISTS {_role}");
    }

    [Fact]
    public async Task A_table_is_imported_by_a_job_into_a_new_version_and_an_unchanged_table_makes_none()
    {
        var source = await CreateSourceAsync(Password);
        var dataset = await fixture.Get<DatasetService>().CreateAsync("customers-" + _database, null, null, None);

        await Sources.TestAsync(source.Id, None);
        (await Sources.ListTablesAsync(source.Id, None)).ShouldContain("public.customers");
        await RunAsync(await Imports.ImportAsync(source.Id, dataset.Id, "public.customers", null, "nightly", None));
        await RunAsync(await Imports.ImportAsync(source.Id, dataset.Id, "public.customers", null, "again", None));

        var versions = await fixture.Get<DatasetService>().ListVersionsAsync(dataset.Id, None);
        var version = versions.Single();
        version.RowCount.ShouldBe(250);
        version.Source.ShouldBe("import");
        version.SourceDetail!.ShouldContain("public.customers");
        version.Columns.Select(c => c.Name).ShouldBe(["id", "name", "spend"]);
    }

    [Fact]
    public async Task A_query_is_imported_read_only_and_a_writing_query_fails_the_job_without_changing_the_source()
    {
        var source = await CreateSourceAsync(Password);
        var dataset = await fixture.Get<DatasetService>().CreateAsync("top-" + _database, null, null, None);

        var good = await RunAsync(await Imports.ImportAsync(source.Id, dataset.Id, null, "SELECT id, spend FROM public.customers WHERE spend > 300", null, None));
        // A statement that is no query is refused at once; a query that writes (a data-modifying CTE) gets as far as the
        // job, where the READ ONLY transaction fails it.
        await Should.ThrowAsync<ValidationException>(() => Imports.ImportAsync(source.Id, dataset.Id, null, "DELETE FROM public.customers RETURNING *", null, None));
        var bad = await RunAsync(await Imports.ImportAsync(source.Id, dataset.Id, null, "WITH gone AS (DELETE FROM public.customers RETURNING *) SELECT * FROM gone", null, None));

        good.Status.ShouldBe(JobStatus.Succeeded);
        (await fixture.Get<DatasetService>().ListVersionsAsync(dataset.Id, None)).Single().RowCount.ShouldBe(50);
        bad.Status.ShouldBe(JobStatus.Failed);
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TestPeers.PostgresConnectionString) { Database = _database }.ConnectionString))
        {
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM public.customers", connection);
            ((long)(await count.ExecuteScalarAsync())!).ShouldBe(250);
        }
        await Should.ThrowAsync<ValidationException>(() => Imports.ImportAsync(source.Id, dataset.Id, "public.customers", "SELECT 1", null, None));
    }

    [Fact]
    public async Task A_scheduled_import_makes_a_version_only_when_the_source_changed()
    {
        var source = await CreateSourceAsync(Password);
        var dataset = await fixture.Get<DatasetService>().CreateAsync("scheduled-" + _database, null, null, None);

        await Should.ThrowAsync<ValidationException>(() => Schedules.ScheduleAsync(source.Id, dataset.Id, "public.customers", null, "every day", None));
        var schedule = await Schedules.ScheduleAsync(source.Id, dataset.Id, "public.customers", null, "0 2 * * *", None);
        (await Schedules.ListSchedulesAsync(source.Id, None)).Single().Id.ShouldBe(schedule.Id);

        await RunAsync((await Runner.RunScheduleAsync(schedule.Id, None))!);
        await RunAsync((await Runner.RunScheduleAsync(schedule.Id, None))!);
        var builder = new NpgsqlConnectionStringBuilder(TestPeers.PostgresConnectionString) { Database = _database };
        await ExecuteAsync(builder.ConnectionString, "INSERT INTO public.customers VALUES (999, 'new', 1)");
        await RunAsync((await Runner.RunScheduleAsync(schedule.Id, None))!);

        var versions = await fixture.Get<DatasetService>().ListVersionsAsync(dataset.Id, None);
        versions.Select(v => v.RowCount).ShouldBe([251L, 250L]);
        versions[0].Message.ShouldBe("Scheduled import (0 2 * * *)");

        await Schedules.DeleteScheduleAsync(source.Id, schedule.Id, None);
        (await Runner.RunScheduleAsync(schedule.Id, None)).ShouldBeNull();
    }

    [Fact]
    public async Task The_objects_under_an_s3_prefix_are_imported_as_one_version()
    {
        var bucket = "aip-src-" + Guid.NewGuid().ToString("N")[..8];
        var endpoint = TestPeers.S3Endpoint.Split(':');
        var client = new Minio.MinioClient().WithEndpoint(TestPeers.S3Endpoint).WithCredentials(TestPeers.S3AccessKey, TestPeers.S3SecretKey).Build();
        await client.MakeBucketAsync(new Minio.DataModel.Args.MakeBucketArgs().WithBucket(bucket));
        foreach (var (key, body) in new[] { ("sales/2024/q1.csv", "region,amount\nnorth,1\nsouth,2\n"), ("sales/2024/q2.csv", "region,amount,channel\neast,3,web\n"), ("other/x.csv", "a\n1\n") })
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(body);
            await client.PutObjectAsync(new Minio.DataModel.Args.PutObjectArgs().WithBucket(bucket).WithObject(key).WithStreamData(new MemoryStream(bytes)).WithObjectSize(bytes.Length));
        }

        var source = await Sources.CreateAsync(new DataSourceInput("bucket-" + bucket, DataSourceKind.S3, endpoint[0], int.Parse(endpoint[1], System.Globalization.CultureInfo.InvariantCulture), bucket, TestPeers.S3AccessKey, TestPeers.S3SecretKey, DataSourceTls.Disable), None);
        var wrong = await Sources.CreateAsync(new DataSourceInput("bad-" + bucket, DataSourceKind.S3, endpoint[0], int.Parse(endpoint[1], System.Globalization.CultureInfo.InvariantCulture), bucket, TestPeers.S3AccessKey, "wrong-secret-value", DataSourceTls.Disable), None);
        var dataset = await fixture.Get<DatasetService>().CreateAsync("s3-" + bucket, null, null, None);

        await Sources.TestAsync(source.Id, None);
        (await Sources.ListTablesAsync(source.Id, None)).ShouldBe(["other/x.csv", "sales/2024/q1.csv", "sales/2024/q2.csv"], ignoreOrder: true);
        var error = await Should.ThrowAsync<ValidationException>(() => Sources.TestAsync(wrong.Id, None));
        error.Errors["connection"].Single().ShouldNotContain("wrong-secret-value");
        var job = await RunAsync(await Imports.ImportAsync(source.Id, dataset.Id, "sales/", null, "quarters", None));

        job.Status.ShouldBe(JobStatus.Succeeded, job.Error);
        var version = (await fixture.Get<DatasetService>().ListVersionsAsync(dataset.Id, None)).Single();
        version.RowCount.ShouldBe(3);
        version.Columns.Select(c => c.Name).ShouldBe(["region", "amount", "channel"]);
    }

    [Fact]
    public async Task A_kafka_topic_is_imported_up_to_its_current_end_as_json_lines()
    {
        // librdkafka's mock cluster speaks the real Kafka protocol on loopback for as long as this producer lives.
        var config = new Confluent.Kafka.ProducerConfig { BootstrapServers = "localhost" };
        config.Set("test.mock.num.brokers", "1");
        using var producer = new Confluent.Kafka.ProducerBuilder<string, string>(config).Build();
        const string topic = "orders";
        for (var i = 0; i < 5; i++)
        {
            await producer.ProduceAsync(new Confluent.Kafka.TopicPartition(topic, new Confluent.Kafka.Partition(0)), new Confluent.Kafka.Message<string, string> { Key = $"k{i}", Value = $$"""{"order":{{i}},"amount":{{i * 10}}}""" });
        }

        await producer.ProduceAsync(new Confluent.Kafka.TopicPartition(topic, new Confluent.Kafka.Partition(0)), new Confluent.Kafka.Message<string, string> { Key = "raw", Value = "not json" });
        using var admin = new Confluent.Kafka.DependentAdminClientBuilder(producer.Handle).Build();
        var broker = admin.GetMetadata(TimeSpan.FromSeconds(5)).Brokers.Single();
        var source = await Sources.CreateAsync(new DataSourceInput("kafka-" + _database, DataSourceKind.Kafka, broker.Host, broker.Port, "-", "", null, DataSourceTls.Disable), None);
        var dataset = await fixture.Get<DatasetService>().CreateAsync("events-" + _database, null, null, None);

        await Sources.TestAsync(source.Id, None);
        (await Sources.ListTablesAsync(source.Id, None)).ShouldContain(topic);
        var job = await RunAsync(await Imports.ImportAsync(source.Id, dataset.Id, topic, null, null, None));
        await producer.ProduceAsync(new Confluent.Kafka.TopicPartition(topic, new Confluent.Kafka.Partition(0)), new Confluent.Kafka.Message<string, string> { Key = "late", Value = "{}" });

        job.Status.ShouldBe(JobStatus.Succeeded, job.Error);
        var version = (await fixture.Get<DatasetService>().ListVersionsAsync(dataset.Id, None)).Single();
        version.Format.ShouldBe(DatasetFormat.JsonLines);
        version.RowCount.ShouldBe(6);
        version.Columns.Select(c => c.Name).ShouldBe(["partition", "offset", "timestamp", "key", "value"]);
        var bad = await RunAsync(await Imports.ImportAsync(source.Id, dataset.Id, "no-such-topic", null, null, None));
        bad.Status.ShouldBe(JobStatus.Failed);

        var range = await RunAsync(await Imports.ImportAsync(source.Id, dataset.Id, topic, "offsets:1-3", "two messages", None));
        range.Status.ShouldBe(JobStatus.Succeeded, range.Error);
        (await fixture.Get<DatasetService>().ListVersionsAsync(dataset.Id, None))[0].RowCount.ShouldBe(2);
        var future = await RunAsync(await Imports.ImportAsync(source.Id, dataset.Id, topic, "2999-01-01T00:00:00Z..", null, None));
        future.Status.ShouldBe(JobStatus.Failed);
        future.Error!.ShouldContain("no messages");
        var invalid = await RunAsync(await Imports.ImportAsync(source.Id, dataset.Id, topic, "offsets:9-1", null, None));
        invalid.Status.ShouldBe(JobStatus.Failed);
        invalid.Error!.ShouldContain("offsets:START-END");
    }

    [Fact]
    public async Task The_password_is_encrypted_at_rest_and_never_echoed_or_audited()
    {
        var source = await CreateSourceAsync(Password);
        var wrong = await CreateSourceAsync("wrong-" + Password);

        source.ProtectedPassword.ShouldNotBeNull();
        source.ProtectedPassword.ShouldNotContain(Password);
        var error = await Should.ThrowAsync<ValidationException>(() => Sources.TestAsync(wrong.Id, None));
        error.Errors["connection"].Single().ShouldContain("authentication failed");
        error.Errors["connection"].Single().ShouldNotContain(Password);
        var audit = await fixture.Get<AuditService>().QueryAsync(new AuditQuery(ObjectId: source.Id.ToString()), None);
        audit.Items.ShouldNotBeEmpty();
        audit.Items.ShouldAllBe(e => e.Summary == null || !e.Summary.Contains(Password));
    }

    private Task<DataSource> CreateSourceAsync(string password)
    {
        var builder = new NpgsqlConnectionStringBuilder(TestPeers.PostgresConnectionString);
        return Sources.CreateAsync(new DataSourceInput("src-" + Guid.NewGuid().ToString("N")[..6], DataSourceKind.Postgres, builder.Host, builder.Port, _database, _role, password, DataSourceTls.Disable), None);
    }

    private async Task<JobRecord> RunAsync(JobRecord job)
    {
        await fixture.Get<JobRunner>().RunAsync(job.Id, None);
        return await fixture.Get<JobService>().GetAsync(job.Id, None);
    }

    private static async Task ExecuteAsync(string connectionString, params string[] statements)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}

public sealed class SqliteDataSourceTests(SqliteServicesFixture fixture) : DataSourceTests<SqliteServicesFixture>(fixture);

public sealed class PostgresDataSourceTests(PostgresServicesFixture fixture) : DataSourceTests<PostgresServicesFixture>(fixture);
