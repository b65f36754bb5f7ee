using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using AiPlatform.Core.Storage;
using AiPlatform.Core.Tracking;
using AiPlatform.Core.Training;
using AiPlatform.Core.Training.Hpo;
using AiPlatform.Web.Features.Registry;
using AiPlatform.Web.Features.Serving;
using AiPlatform.Web.Features.Training;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Localization;

/// <summary>
/// Failures the platform stores and shows later (training runs, studies, model versions, endpoints) are said in the
/// user's language from their saved resource and arguments; rows saved before that show their English text.
/// </summary>
public sealed class StoredErrorPagesTests : PageTestBase
{
    [Fact]
    public async Task A_failed_training_run_says_why_in_chinese_on_its_page_and_in_the_list()
    {
        var run = await SubmitAsync();
        var failure = new TrainingFailedException("No row has a value in the label column 'churned': there is nothing to train on.", "Error.Training.NoLabelValues", "churned");
        run.Status = TrainingStatus.Failed;
        run.Fail(StoredMessage.From(failure, failure.Message, "Error.Training.Failed"));
        await Get<ITrainingStore>().UpdateAsync(run, default);
        using var _ = InCulture("zh-CN");

        var page = Render<TrainingRunPage>(p => p.Add(x => x.Id, run.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=training-error]").TextContent.ShouldContain("标签列“churned”中没有任何行有值"));
        page.Find("[data-testid=training-error]").TextContent.ShouldNotContain("No row has");

        var list = Render<TrainingRunsPage>();
        list.WaitForAssertion(() => list.Find("[data-testid=training-status]").GetAttribute("title").ShouldBe("标签列“churned”中没有任何行有值：没有可训练的数据。"));
    }

    [Fact]
    public async Task A_process_exit_is_said_in_chinese_with_the_last_output_as_it_is()
    {
        var run = await SubmitAsync();
        run.Status = TrainingStatus.Failed;
        run.Fail(StoredMessage.Of("The process exited with code 3. Last output:\nTraceback: boom", "Error.Training.ExitCode", 3));
        await Get<ITrainingStore>().UpdateAsync(run, default);
        using var _ = InCulture("zh-CN");

        var page = Render<TrainingRunPage>(p => p.Add(x => x.Id, run.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=training-error-reason]").TextContent.ShouldBe("进程以退出码 3 结束。最后的输出："));
        page.Find("[data-testid=training-error-output]").TextContent.ShouldBe("Traceback: boom");
    }

    [Fact]
    public async Task An_old_training_run_without_a_key_shows_its_english_text()
    {
        var run = await SubmitAsync();
        run.Status = TrainingStatus.Failed;
        run.Error = "Old English reason.";
        await Get<ITrainingStore>().UpdateAsync(run, default);
        using var _ = InCulture("zh-CN");

        var page = Render<TrainingRunPage>(p => p.Add(x => x.Id, run.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=training-error]").TextContent.Trim().ShouldBe("Old English reason."));
    }

    [Fact]
    public async Task A_failed_study_says_why_in_chinese()
    {
        var run = await SubmitAsync();
        var request = new TrainingRequest(run.ExperimentId, "base", TrainingKind.BuiltIn,
            new BuiltInSpec(TrainingTask.Regression, TrainerAlgorithm.FastTree, "tenure", ["churned"]), null, run.DatasetId, run.DatasetVersionId);
        var created = await Get<StudyService>().CreateAsync(
            new StudyRequest("search", request, [new SearchParameter("learningRate", ParameterType.Float, 0.01, 0.3)], "rmse", ObjectiveDirection.Minimize, MaxTrials: 1, Parallelism: 1), default);
        var store = Get<ITrainingStore>();
        var study = (await store.FindStudyAsync(created.Id, default))!;
        study.Status = StudyStatus.Failed;
        study.SetError(StoredMessage.Of("No trial produced the objective metric 'rmse'.", "Error.Study.NoObjective", "rmse"));
        await store.UpdateStudyAsync(study, default);
        using var _ = InCulture("zh-CN");

        var page = Render<StudyPage>(p => p.Add(x => x.Id, study.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=study-error]").TextContent.ShouldBe("没有任何试验产生目标指标“rmse”。"));
    }

    [Fact]
    public async Task An_uploaded_file_that_is_no_model_fails_registration_with_its_reason_in_chinese()
    {
        var model = await Get<RegistryService>().CreateModelAsync("broken", null, null, default);
        var version = await Get<ModelRegistrar>().CreateVersionFromUploadAsync(model.Id, "model.onnx", new MemoryStream("not a model"u8.ToArray()), null, default);
        version.Status.ShouldBe(ModelVersionStatus.FailedRegistration);
        version.StatusMessageKey.ShouldBe("Error.ModelNotLoadable");
        using var _ = InCulture("zh-CN");

        var page = Render<ModelVersionPage>(p => p.Add(x => x.Id, model.Id).Add(x => x.Version, version.Version));
        page.WaitForAssertion(() => page.Find("[data-testid=version-status-message]").TextContent.ShouldBe("“model.onnx”不是可加载的 ONNX 模型。"));

        var list = Render<ModelPage>(p => p.Add(x => x.Id, model.Id));
        list.WaitForAssertion(() => list.Find("[data-testid=version-status]").GetAttribute("title").ShouldBe("“model.onnx”不是可加载的 ONNX 模型。"));
    }

    [Fact]
    public async Task An_endpoint_whose_model_file_is_corrupt_says_so_in_chinese_without_the_scratch_path()
    {
        var model = await Get<RegistryService>().CreateModelAsync("price", null, null, default);
        await Get<ModelRegistrar>().CreateVersionFromUploadAsync(model.Id, "model.onnx", new MemoryStream(TinyOnnxModel.Regression(2)), null, default);
        var details = await Get<ModelVersionService>().GetVersionAsync(model.Id, 1, default);
        var objects = Get<IObjectStore>();
        var key = ObjectKey.Parse(details.Files.Single(f => f.Path.EndsWith(".onnx", StringComparison.Ordinal)).ObjectKey);
        await objects.DeleteAsync(key, default);
        var staged = await objects.StageAsync(new MemoryStream("corrupt"u8.ToArray()), 7, null, default);
        await objects.CommitAsync(staged, key, default);

        var endpoint = await Get<DeploymentService>().DeployAsync(new DeploySpec("price", model.Id, "1"), default);
        endpoint.Status.ShouldBe(EndpointStatus.Failed, endpoint.Error);
        endpoint.ErrorKey.ShouldBe("Error.Endpoint.ModelNotLoadable", endpoint.Error);
        endpoint.ErrorArguments.ShouldBe("""["1"]""");
        using var _ = InCulture("zh-CN");

        var page = Render<EndpointPage>(p => p.Add(x => x.Id, endpoint.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=endpoint-error]").TextContent.ShouldBe("模型版本 1 无法加载：其文件不是有效的模型。"));
        page.Find("[data-testid=endpoint-status]").GetAttribute("title").ShouldBe("模型版本 1 无法加载：其文件不是有效的模型。");
    }

    private async Task<TrainingRun> SubmitAsync()
    {
        var project = await Get<ProjectService>().CreateAsync("ml", null, default);
        var experiment = await Get<ExperimentService>().CreateExperimentAsync(project.Id, "churn", null, default);
        var datasets = Get<DatasetService>();
        var dataset = await datasets.CreateAsync("customers", null, null, default);
        var version = (await datasets.UploadAsync(dataset.Id, new MemoryStream("tenure,churned\n1,yes\n40,no\n"u8.ToArray()), "c.csv", null, default)).Version;
        return await Get<TrainingSubmitService>().SubmitAsync(new TrainingRequest(experiment.Id, "run", TrainingKind.BuiltIn,
            new BuiltInSpec(TrainingTask.BinaryClassification, TrainerAlgorithm.LightGbm, "churned", ["tenure"]), null, dataset.Id, version.Id), default);
    }
}
