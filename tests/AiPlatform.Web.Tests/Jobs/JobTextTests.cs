using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;
using AiPlatform.Web.Features.Dashboard;
using AiPlatform.Web.Features.Jobs;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Jobs;

/// <summary>Job titles and platform log lines are stored by key and shown in the reader's language; old rows keep their text.</summary>
public sealed class JobTextTests : PageTestBase
{
    [Fact]
    public async Task A_title_stored_by_key_reads_in_chinese_on_the_jobs_page_the_detail_and_the_dashboard()
    {
        var job = await Get<JobService>().EnqueueAsync(new JobRequest(StorageScanHandler.JobKind, "Training churn-model", TitleText: JobText.Of("JobTitle.Training", "churn-model")), "carol", default);
        using var _ = InCulture("zh-CN");

        var list = Render<JobsPage>();
        list.WaitForAssertion(() => list.Find("[data-testid=job-link]").TextContent.ShouldBe("训练 churn-model"));

        var detail = Render<JobDetailPage>(p => p.Add(x => x.Id, job.Id));
        detail.WaitForAssertion(() => detail.Find("[data-testid=job-title]").TextContent.ShouldBe("训练 churn-model"));
        detail.Find("[data-testid=job-log]").TextContent.ShouldContain("已排队。");
        detail.Find("[data-testid=job-log]").TextContent.ShouldNotContain("Queued.");

        var dashboard = Render<DashboardPage>();
        dashboard.WaitForAssertion(() => dashboard.Find("[data-testid=recent-jobs]").TextContent.ShouldContain("训练 churn-model"));
    }

    [Fact]
    public async Task Log_lines_of_a_finished_platform_job_read_in_chinese_and_free_text_stays_as_written()
    {
        var jobs = Get<JobService>();
        var job = await jobs.EnqueueAsync(new JobRequest(StagingCleanupHandler.JobKind), null, default);
        await Get<JobRunner>().RunAsync(job.Id, default);
        await Get<IJobStore>().AppendLogAsync(job.Id, JobLogLevel.Info, "free text from a trainer", DateTimeOffset.UtcNow, default);
        using var _ = InCulture("zh-CN");

        var page = Render<JobDetailPage>(p => p.Add(x => x.Id, job.Id));

        page.WaitForAssertion(() => page.Find("[data-testid=job-log]").TextContent.ShouldContain("已删除 0 个遗留的暂存对象。"));
        var log = page.Find("[data-testid=job-log]").TextContent;
        log.ShouldContain("已开始（第 1 次尝试）。");
        log.ShouldContain("结束：成功。");
        log.ShouldContain("free text from a trainer");
        log.ShouldNotContain("Deleted 0");
    }

    [Fact]
    public async Task The_api_keeps_the_english_text_next_to_the_key()
    {
        var job = await Get<JobService>().EnqueueAsync(new JobRequest(StorageScanHandler.JobKind, "Training m", TitleText: JobText.Of("JobTitle.Training", "m")), null, default);

        var summary = JobSummary.From((await Get<IJobStore>().FindAsync(job.Id, default))!);

        summary.Title.ShouldBe("Training m");
        summary.TitleKey.ShouldBe("JobTitle.Training");
        summary.TitleArguments.ShouldBe(["m"]);
        var line = JobLogLine.From((await Get<IJobStore>().GetLogAsync(job.Id, 0, 10, default))[0]);
        (line.Message, line.MessageKey).ShouldBe(("Queued.", "JobLog.Queued"));
    }

    [Fact]
    public void Enum_arguments_read_by_their_localized_names()
    {
        var text = JobText.Of("JobLog.TrainingStarted", AiPlatform.Core.Training.TrainerAlgorithm.LightGbm, AiPlatform.Core.Training.TrainingTask.BinaryClassification, 200, "churned", 2);
        text.Arguments[1].ShouldBe("enum:TrainingTask.BinaryClassification");
        var line = new JobLogLine(1, DateTimeOffset.UnixEpoch, JobLogLevel.Info, "Training LightGbm (BinaryClassification) …", text.Key, text.Arguments);
        var localizer = Get<Microsoft.Extensions.Localization.IStringLocalizer<AiPlatform.Web.SharedResource>>();

        using (InCulture("zh-CN"))
        {
            var shown = localizer.JobLogMessage(line);
            shown.ShouldContain("二分类");
            shown.ShouldNotContain("BinaryClassification");
            shown.ShouldNotContain("enum:");
        }
    }

    [Fact]
    public void Every_key_a_job_text_names_exists_in_english_and_chinese()
    {
        var root = AiPlatform.Web.Tests.Localization.MudTextsChineseTests.RepositoryRoot();
        var keys = new[] { "AiPlatform.Core", "AiPlatform.Infrastructure" }
            .SelectMany(p => Directory.EnumerateFiles(Path.Combine(root, p), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .SelectMany(f => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(f), "JobText\\.Of\\(\"([A-Za-z.]+)\"").Select(m => m.Groups[1].Value))
            .Concat(Enum.GetNames<JobStatus>().Select(s => "JobLog.Finished." + s))
            .Distinct()
            .ToList();
        foreach (var file in new[] { "SharedResource.resx", "SharedResource.zh-CN.resx" })
        {
            var names = System.Xml.Linq.XDocument.Load(Path.Combine(root, "AiPlatform.Web", "Resources", file)).Root!.Elements("data").Select(d => (string)d.Attribute("name")!).ToHashSet();
            keys.Count.ShouldBeGreaterThan(15);
            keys.Where(k => !names.Contains(k)).ShouldBeEmpty(file);
        }
    }
}
