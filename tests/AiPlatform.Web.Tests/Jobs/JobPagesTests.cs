using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;
using AiPlatform.Web.Features.Dashboard;
using AiPlatform.Web.Features.Jobs;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Jobs;

public sealed class JobPagesTests : PageTestBase
{
    [Fact]
    public async Task Jobs_page_lists_jobs_with_their_status_and_a_link_to_each()
    {
        var job = await Get<JobService>().EnqueueAsync(new JobRequest(StorageScanHandler.JobKind, "Weekly scan"), "carol", default);

        var page = Render<JobsPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=job-link]").TextContent.ShouldBe("Weekly scan"));
        page.Find("[data-testid=job-link]").GetAttribute("href").ShouldBe($"/jobs/{job.Id}");
        page.Find("[data-testid=job-status]").TextContent.ShouldBe("Queued");
        page.Markup.ShouldContain("carol");
        page.FindAll("[data-testid=cancel-job]").Count.ShouldBe(1);
    }

    [Fact]
    public async Task Job_detail_shows_progress_error_and_log_of_a_finished_job()
    {
        var jobs = Get<JobService>();
        var job = await jobs.EnqueueAsync(new JobRequest(StagingCleanupHandler.JobKind), null, default);
        await Get<JobRunner>().RunAsync(job.Id, default);

        var page = Render<JobDetailPage>(p => p.Add(x => x.Id, job.Id));

        page.WaitForAssertion(() => page.Find("[data-testid=job-status]").TextContent.ShouldBe("Succeeded"));
        page.Find("[data-testid=job-title]").TextContent.ShouldBe("Staging clean-up");
        page.Find("[data-testid=job-log]").TextContent.ShouldContain("Deleted 0 abandoned staging objects.");
        page.FindAll("[data-testid=cancel-job]").ShouldBeEmpty();
    }

    [Fact]
    public void Job_detail_of_an_unknown_id_says_so()
    {
        var page = Render<JobDetailPage>(p => p.Add(x => x.Id, Guid.NewGuid()));

        page.WaitForAssertion(() => page.Find("[data-testid=job-not-found]").TextContent.ShouldBe("This job does not exist."));
    }

    [Fact]
    public async Task Dashboard_shows_job_totals_and_recent_activity()
    {
        await Get<JobService>().EnqueueAsync(new JobRequest(StorageScanHandler.JobKind, "First"), null, default);
        await Get<JobService>().EnqueueAsync(new JobRequest(StorageScanHandler.JobKind, "Second"), null, default);

        var page = Render<DashboardPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=stat-total-jobs] .stat-value").TextContent.ShouldBe("2"));
        page.Find("[data-testid=stat-running-jobs] .stat-value").TextContent.ShouldBe("2");
        page.Find("[data-testid=recent-jobs]").TextContent.ShouldContain("Second");
        page.Find("[data-testid=stat-storage]").TextContent.ShouldContain("Not scanned yet");
    }

    [Fact]
    public async Task Pages_speak_chinese_when_the_culture_is_zh_CN()
    {
        await Get<JobService>().EnqueueAsync(new JobRequest(StorageScanHandler.JobKind), null, default);
        using (InCulture("zh-CN"))
        {
            var page = Render<JobsPage>();

            page.WaitForAssertion(() => page.Find("[data-testid=job-status]").TextContent.ShouldBe("排队中"));
            page.Find("h4").TextContent.ShouldBe("作业");
            page.Find("[data-testid=job-link]").TextContent.ShouldBe("存储扫描");
        }
    }
}
