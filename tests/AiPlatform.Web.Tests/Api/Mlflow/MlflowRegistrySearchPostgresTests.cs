using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Hosting;
using static AiPlatform.Web.Tests.Api.Mlflow.RegistrySearchScenarios;

namespace AiPlatform.Web.Tests.Api.Mlflow;

/// <summary>The registry searches' filters, ordering and paging on PostgreSQL (<c>AIP_TEST_POSTGRES</c>), over HTTP.</summary>
public sealed class MlflowRegistrySearchPostgresTests : IAsyncLifetime
{
    private readonly PostgresTestDatabase _database = new();
    private PostgresFactory _factory = default!;

    public Task InitializeAsync()
    {
        _factory = new PostgresFactory(_database.ConnectionString);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _factory.DeleteData();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Registered_models_filter_order_and_page_on_postgresql()
    {
        var mlflow = new MlflowClient(_factory.CreateAdminClient());
        await CreateModelAsync(mlflow, "pg-prompt", ("mlflow.prompt.is_prompt", "true"));
        await CreateModelAsync(mlflow, "pg-tagged", ("team", "Ops"));
        ModelNames(await SearchModelsAsync(mlflow, "name LIKE 'pg-%'")).ShouldBe(["pg-tagged"]);
        ModelNames(await SearchModelsAsync(mlflow, "tags.team LIKE 'o%'")).ShouldBeEmpty();
        ModelNames(await SearchModelsAsync(mlflow, "tags.team ILIKE 'o%'")).ShouldBe(["pg-tagged"]);
        await ModelOrderingAndPagingAsync(mlflow);
    }

    [Fact]
    public async Task Model_versions_filter_order_and_page_on_postgresql()
    {
        var mlflow = new MlflowClient(_factory.CreateAdminClient());
        await VersionOrderingAndPagingAsync(mlflow);
        Versions(await SearchVersionsAsync(mlflow, "name = 'vo-b' AND version_number > 2")).ShouldBe(["vo-b/4", "vo-b/3"]);
    }

    private sealed class PostgresFactory(string connectionString) : PlatformWebFactoryBase
    {
        protected override void Configure(IWebHostBuilder builder)
        {
            builder.UseSetting("Database:Provider", "Postgres");
            builder.UseSetting("Database:ConnectionString", connectionString);
        }
    }
}
