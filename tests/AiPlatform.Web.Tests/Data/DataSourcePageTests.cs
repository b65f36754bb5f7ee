using AiPlatform.Core.Access;
using AiPlatform.Core.Data;
using AiPlatform.Web.Features.Data;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Data;

public sealed class DataSourcePageTests : PageTestBase
{
    [Fact]
    public async Task A_read_grantee_is_not_offered_import_schedules_which_need_write()
    {
        var source = await Get<DataSourceService>().CreateAsync(new DataSourceInput("warehouse", DataSourceKind.Postgres, "127.0.0.1", 1, "dw", "reader", "s3cret", DataSourceTls.Disable), default);
        var reader = await Get<UserAdminService>().CreateAsync(new NewUser("rhea", null, null, "Passw0rd-rhea"), [SystemRoles.IdOf(SystemRoles.DataAnalyst)], default);
        await Get<SharingService>().GrantAsync(SecurableTypes.DataSource, source.Id, PrincipalType.User, reader.Id, PermissionLevel.Read, default);

        var owner = Render<DataSourceDetailPage>(p => p.Add(x => x.Id, source.Id));
        owner.WaitForAssertion(() => owner.Find("[data-testid=schedule-create]"));

        SignIn(reader.Id, "rhea");
        var page = Render<DataSourceDetailPage>(p => p.Add(x => x.Id, source.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=import-run]"));
        page.FindAll("[data-testid=schedule-create]").ShouldBeEmpty();
        page.FindAll("[data-testid=schedule-cron]").ShouldBeEmpty();
    }
}
