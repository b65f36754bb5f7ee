using AiPlatform.Core.Data;
using AiPlatform.Core.Training;
using AiPlatform.Web.Features.Training;

namespace AiPlatform.Web.Tests.Training;

/// <summary>The wizard's state without a page: what each step needs before it is left, and the request it builds.</summary>
public sealed class NewTrainingFormTests
{
    [Fact]
    public void A_step_is_left_forward_only_when_complete_and_backward_always()
    {
        var form = new NewTrainingForm();

        form.GoTo(1).ShouldNotBeNull().Key.ShouldBe("Training.ChooseExperiment");
        form.Step.ShouldBe(0);

        form.ExperimentId = Guid.NewGuid();
        form.GoTo(1).ShouldBeNull();
        form.GoTo(2).ShouldNotBeNull().Key.ShouldBe("Training.ChooseVersion");
        form.GoTo(0).ShouldBeNull();
        form.Step.ShouldBe(0);
    }

    [Fact]
    public void Choosing_a_version_offers_its_last_column_as_label_and_the_others_as_features()
    {
        var form = new NewTrainingForm();
        var version = new DatasetVersion { Id = Guid.NewGuid(), ContentHash = "h", ObjectKey = "datasets/v.csv", Source = "upload", CreatedBy = "ana", Columns = [new DatasetColumn("tenure", "BIGINT"), new DatasetColumn("plan", "VARCHAR"), new DatasetColumn("churned", "BOOLEAN")] };
        form.SetDataset(Guid.NewGuid(), [version]);

        form.SetVersion(version.Id);

        form.Label.ShouldBe("churned");
        form.Features.ShouldBe(["tenure", "plan"]);
    }

    [Fact]
    public void The_request_leaves_out_empty_hyperparameters_and_remote_resources_on_the_local_backend()
    {
        var form = new NewTrainingForm { ExperimentId = Guid.NewGuid(), Kind = TrainingKind.BuiltIn, DatasetId = Guid.NewGuid(), VersionId = Guid.NewGuid(), Label = "churned", Features = ["tenure"] };
        form.SetTrainer(TrainerAlgorithm.FastTree);
        form.Hyperparameters["learningRate"] = 0.1;
        form.Hyperparameters["numberOfLeaves"] = null;

        var builtIn = form.ToRequest().BuiltIn!;

        builtIn.Trainer.ShouldBe(TrainerAlgorithm.FastTree);
        var hyperparameters = builtIn.Hyperparameters.ShouldNotBeNull();
        hyperparameters.Keys.ShouldBe(["learningRate"]);
        hyperparameters["learningRate"].ShouldBe(0.1);

        var custom = new NewTrainingForm { ExperimentId = Guid.NewGuid(), Kind = TrainingKind.Custom, Command = "python train.py", Environment = "A=1\nB=x=y", Image = "pytorch", Gpus = 2, Workers = 4 };
        var local = custom.ToRequest();
        var environment = local.Custom.ShouldNotBeNull().Environment.ShouldNotBeNull();
        (environment["A"], environment["B"]).ShouldBe(("1", "x=y"));
        local.Custom.Image.ShouldBeNull();
        (local.Custom.Gpus, local.Custom.Workers).ShouldBe((0, 1));
        local.DatasetId.ShouldBeNull("no version chosen, so no dataset");

        custom.Backend = TrainingBackendKind.Kubernetes;
        var remote = custom.ToRequest().Custom.ShouldNotBeNull();
        remote.Image.ShouldBe("pytorch");
        (remote.Gpus, remote.Workers).ShouldBe((2, 4));
    }
}
