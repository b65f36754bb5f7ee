using System.Collections.Concurrent;
using System.Text.Json;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.Kubernetes;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Infrastructure.Training;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiPlatform.Infrastructure.Tests.Training;

/// <summary>
/// The Kubernetes backend against a local stub of the API server that speaks the Kubernetes REST JSON (no cluster
/// can run here), and its manifests checked strictly by the client's own YAML loader.
/// </summary>
public sealed class KubernetesBackendTests : IAsyncLifetime
{
    private readonly FakeKubernetes _api = new();
    private IKubernetes _client = default!;

    public async Task InitializeAsync()
    {
        await _api.StartAsync();
        _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _api.Url });
    }

    public Task DisposeAsync() => _api.DisposeAsync().AsTask();

    [Fact]
    public void A_distributed_gpu_run_becomes_an_indexed_job_with_a_headless_service_and_the_torchrun_environment()
    {
        var options = new KubernetesTrainingOptions();
        var launch = Launch(new CustomSpec("torchrun train.py", CodeKey: "training-code/x.zip", Image: "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime", Cpu: 4, MemoryMb: 16384, Gpus: 2, Workers: 3), timeout: TimeSpan.FromHours(2));

        var manifests = KubernetesBackend.BuildManifests(launch, options);
        var yaml = string.Join("\n---\n", KubernetesYaml.Serialize(manifests.Secret), KubernetesYaml.Serialize(manifests.Service!), KubernetesYaml.Serialize(manifests.Job));
        var loaded = KubernetesYaml.LoadAllFromString(yaml, strict: true);

        loaded.Count.ShouldBe(3);
        var job = loaded.OfType<V1Job>().Single();
        job.Spec.CompletionMode.ShouldBe("Indexed");
        job.Spec.Completions.ShouldBe(3);
        job.Spec.Parallelism.ShouldBe(3);
        job.Spec.BackoffLimit.ShouldBe(0);
        job.Spec.ActiveDeadlineSeconds.ShouldBe(7200);
        var pod = job.Spec.Template.Spec;
        pod.Subdomain.ShouldBe(job.Metadata.Name);
        pod.NodeSelector.ShouldContainKeyAndValue("nvidia.com/gpu.present", "true");
        pod.Tolerations.Single().Key.ShouldBe("nvidia.com/gpu");
        var train = pod.Containers.Single();
        train.Image.ShouldBe("pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime");
        train.Resources.Limits["nvidia.com/gpu"].ToString().ShouldBe("2");
        train.Resources.Limits["memory"].ToString().ShouldBe("16Gi");
        train.Env.Single(e => e.Name == "WORLD_SIZE").Value.ShouldBe("3");
        train.Env.Single(e => e.Name == "MASTER_ADDR").Value.ShouldBe($"{job.Metadata.Name}-0.{job.Metadata.Name}");
        train.Env.Single(e => e.Name == "RANK").ValueFrom.FieldRef.FieldPath.ShouldBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
        train.Env.Single(e => e.Name == "MLFLOW_TRACKING_TOKEN").ValueFrom.SecretKeyRef.Name.ShouldBe(manifests.Secret.Metadata.Name);
        train.Env.ShouldNotContain(e => e.Value == "aip_secret_token", "the token only travels in the Secret");
        pod.InitContainers.Single().Command[2].ShouldContain("$AIP_CODE_URL");
        var service = loaded.OfType<V1Service>().Single();
        service.Spec.ClusterIP.ShouldBe("None");
        service.Spec.Selector["job-name"].ShouldBe(job.Metadata.Name);
    }

    [Fact]
    public void Run_names_keep_the_whole_run_id_so_runs_of_the_same_millisecond_do_not_clash_and_every_name_and_label_is_valid()
    {
        // Two version 7 ids of the same millisecond share their first 16 hex digits (timestamp, version, 12 random bits).
        var first = Guid.Parse("0193a1b2-c3d4-7e5f-8a01-0123456789ab");
        var second = Guid.Parse("0193a1b2-c3d4-7e5f-9b02-fedcba987654");

        KubernetesBackend.NameOf(first).ShouldNotBe(KubernetesBackend.NameOf(second));
        KubernetesBackend.NameOf(first).ShouldBe("aip-train-0193a1b2c3d47e5f8a010123456789ab");

        var manifests = KubernetesBackend.BuildManifests(Launch(new CustomSpec("torchrun train.py", Workers: 3)) with { RunId = first }, new KubernetesTrainingOptions());
        var dnsLabel = new System.Text.RegularExpressions.Regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
        var labelValue = new System.Text.RegularExpressions.Regex("^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$");
        var job = manifests.Job;
        var names = new[] { manifests.Secret.Metadata.Name, manifests.Service!.Metadata.Name, job.Metadata.Name, job.Metadata.Name + "-2", job.Spec.Template.Spec.Subdomain };
        foreach (var name in names)
        {
            name.Length.ShouldBeLessThanOrEqualTo(63, name);
            dnsLabel.IsMatch(name).ShouldBeTrue(name);
        }

        // Kubernetes labels the pods job-name=<name>; a Job's pods are named <name>-<index>-<5 random characters>.
        (job.Metadata.Name + "-2-abcde").Length.ShouldBeLessThanOrEqualTo(63);
        var labels = new[] { manifests.Secret.Metadata.Labels, manifests.Service.Metadata.Labels, job.Metadata.Labels, job.Spec.Template.Metadata?.Labels, manifests.Service.Spec.Selector, new Dictionary<string, string> { ["job-name"] = job.Metadata.Name } };
        foreach (var value in labels.Where(l => l is not null).SelectMany(l => l!.Values))
        {
            value.Length.ShouldBeLessThanOrEqualTo(63, value);
            labelValue.IsMatch(value).ShouldBeTrue(value);
        }
    }

    [Fact]
    public void Training_pods_are_not_privileged_drop_every_capability_and_get_no_service_account_token()
    {
        var launch = Launch(new CustomSpec("python train.py", CodeKey: "training-code/x.zip"));

        var stock = KubernetesBackend.BuildManifests(launch, new KubernetesTrainingOptions()).Job.Spec.Template.Spec;
        var nonRoot = KubernetesBackend.BuildManifests(launch, new KubernetesTrainingOptions { RunAsUser = 1000 }).Job.Spec.Template.Spec;

        foreach (var container in stock.InitContainers.Concat(stock.Containers))
        {
            container.SecurityContext.Privileged.ShouldBe(false);
            container.SecurityContext.AllowPrivilegeEscalation.ShouldBe(false);
            container.SecurityContext.Capabilities.Drop.ShouldBe(["ALL"]);
        }

        stock.AutomountServiceAccountToken.ShouldBe(false, "custom code gets no credentials for the cluster's API");
        stock.SecurityContext.SeccompProfile.Type.ShouldBe("RuntimeDefault");
        stock.SecurityContext.RunAsNonRoot.ShouldBeNull("stock images such as python:3.12-slim run as root");
        nonRoot.SecurityContext.RunAsNonRoot.ShouldBe(true);
        nonRoot.SecurityContext.RunAsUser.ShouldBe(1000);
        nonRoot.SecurityContext.FsGroup.ShouldBe(1000);
    }

    [Fact]
    public async Task A_run_creates_its_objects_follows_the_pod_streams_the_log_and_cleans_up()
    {
        var backend = new KubernetesBackend(_client, new KubernetesTrainingOptions { PollInterval = TimeSpan.FromMilliseconds(50) }, NullLogger<KubernetesBackend>.Instance);
        var launch = Launch(new CustomSpec("python train.py"));
        var name = KubernetesBackend.NameOf(launch.RunId);
        _api.Script(name, exitCode: 0, log: "epoch 1 loss 0.5\nepoch 2 loss 0.3\n");
        var log = new ConcurrentQueue<string>();

        var exit = await backend.RunAsync(launch, line => { log.Enqueue(line); return Task.CompletedTask; }, CancellationToken.None);

        exit.ShouldBe(0);
        log.ShouldContain("epoch 2 loss 0.3");
        log.ShouldContain(l => l.Contains("Running"));
        _api.Created.ShouldBe([$"secrets/{name}", $"jobs/{name}"]);
        _api.Deleted.ShouldBe([$"jobs/{name}", $"secrets/{name}"], ignoreOrder: true);
        _api.CreatedSecrets[name].ShouldContain("aip_secret_token");
    }

    [Fact]
    public async Task A_failing_pod_returns_its_exit_code_and_cancelling_deletes_the_job()
    {
        var backend = new KubernetesBackend(_client, new KubernetesTrainingOptions { PollInterval = TimeSpan.FromMilliseconds(50) }, NullLogger<KubernetesBackend>.Instance);
        var failing = Launch(new CustomSpec("python crash.py"));
        _api.Script(KubernetesBackend.NameOf(failing.RunId), exitCode: 3, log: "Traceback\n");
        (await backend.RunAsync(failing, _ => Task.CompletedTask, CancellationToken.None)).ShouldBe(3);

        var endless = Launch(new CustomSpec("sleep infinity"));
        var name = KubernetesBackend.NameOf(endless.RunId);
        _api.Script(name, exitCode: null, log: string.Empty);
        using var cancel = new CancellationTokenSource();
        var running = backend.RunAsync(endless, _ => Task.CompletedTask, cancel.Token);
        await Eventually.UntilAsync(() => _api.Created.Contains($"jobs/{name}"), "the endless run's Kubernetes job to be created");
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => running);
        _api.Deleted.ShouldContain($"jobs/{name}");
    }

    [Fact]
    public async Task Releasing_a_run_whose_platform_job_was_settled_deletes_its_job_service_and_secret()
    {
        var backend = new KubernetesBackend(_client, new KubernetesTrainingOptions(), NullLogger<KubernetesBackend>.Instance);
        var runId = Guid.NewGuid();
        var name = KubernetesBackend.NameOf(runId);

        await ((ITrainingBackend)backend).ReleaseAsync(runId, CancellationToken.None);

        _api.Deleted.ShouldBe([$"jobs/{name}", $"services/{name}", $"secrets/{name}"], ignoreOrder: true);
    }

    [Fact]
    public async Task Gpu_capacity_is_the_sum_of_the_nodes_allocatable_gpus()
    {
        var backend = new KubernetesBackend(_client, new KubernetesTrainingOptions(), NullLogger<KubernetesBackend>.Instance);

        var capacity = await backend.GetGpuCapacityAsync(CancellationToken.None);

        capacity.ShouldBe(new GpuCapacity(3, 2, 12));
    }

    [Fact]
    public async Task Creating_the_job_refused_by_rbac_fails_the_run_naming_the_permission_and_deletes_the_secret_it_created()
    {
        var (backend, logs) = Backend();
        var launch = Launch(new CustomSpec("python train.py"));
        var name = KubernetesBackend.NameOf(launch.RunId);
        _api.Fail("create jobs", 403);
        var log = new ConcurrentQueue<string>();

        var failure = await Should.ThrowAsync<TrainingFailedException>(() => Within(backend.RunAsync(launch, Collect(log), CancellationToken.None), "the refused run to fail"));

        failure.Message.ShouldContain($"The platform is not allowed to create the Job aiplatform-training/{name}: permission denied (403 Forbidden)");
        failure.Message.ShouldContain("cannot create resource \"jobs\" in API group \"batch\"", Case.Sensitive, "what the API server said");
        failure.Message.ShouldContain("aiplatform-training-runner", Case.Sensitive, "the Role to fix");
        failure.Message.ShouldContain("The run did not start.");
        failure.Message.ShouldNotContain("{\"", Case.Sensitive, "a user reads a sentence, not the raw Status JSON");
        _api.Created.ShouldBe([$"secrets/{name}"]);
        _api.Deleted.ShouldContain($"secrets/{name}", "the Secret holding the run's token must not outlive the refused run");
        _api.Requests.ShouldNotContain("get jobs/status");
        NoToken(failure.Message, log, logs);
    }

    [Fact]
    public async Task A_job_left_by_an_earlier_attempt_is_not_taken_over_nor_deleted_the_run_fails_saying_so_and_deletes_only_what_it_created()
    {
        var (backend, logs) = Backend();
        var launch = Launch(new CustomSpec("torchrun train.py", Workers: 2));
        var name = KubernetesBackend.NameOf(launch.RunId);
        _api.Script(name, exitCode: 0, log: "someone else's output\n");
        _api.Fail("create jobs", 409);
        var log = new ConcurrentQueue<string>();

        var failure = await Should.ThrowAsync<TrainingFailedException>(() => Within(backend.RunAsync(launch, Collect(log), CancellationToken.None), "the clashing run to fail"));

        failure.Message.ShouldContain($"The Job aiplatform-training/{name} of this run exists already in Kubernetes (409 AlreadyExists), left by an earlier attempt.");
        failure.Message.ShouldContain("does not take it over");
        failure.Message.ShouldContain("leaves it alone; what this attempt created is deleted.");
        failure.Message.ShouldContain("Submit the run again.");
        _api.Requests.ShouldNotContain("get jobs/status", "the old Job's outcome is not this attempt's");
        _api.Requests.ShouldNotContain("get pods/log");
        log.ShouldNotContain("someone else's output");
        _api.Deleted.ShouldBe([$"services/{name}", $"secrets/{name}"], ignoreOrder: true, "the existing Job may be another attempt's live run: it is not deleted");
        NoToken(failure.Message, log, logs);
    }

    [Fact]
    public async Task A_secret_of_the_same_name_already_there_is_left_alone_and_nothing_is_deleted()
    {
        var (backend, logs) = Backend();
        var launch = Launch(new CustomSpec("python train.py"));
        var name = KubernetesBackend.NameOf(launch.RunId);
        _api.Fail("create secrets", 409);
        var log = new ConcurrentQueue<string>();

        var failure = await Should.ThrowAsync<TrainingFailedException>(() => Within(backend.RunAsync(launch, Collect(log), CancellationToken.None), "the clashing run to fail"));

        failure.Message.ShouldContain($"The Secret aiplatform-training/{name} of this run exists already in Kubernetes (409 AlreadyExists)");
        _api.Requests.ShouldNotContain("create jobs");
        _api.Deleted.ShouldBeEmpty("the Secret belongs to whoever created it; this attempt created nothing");
        NoToken(failure.Message, log, logs);
    }

    [Fact]
    public async Task A_server_error_on_create_fails_the_run_with_the_servers_words_and_leaves_nothing_behind()
    {
        var (backend, logs) = Backend();
        var launch = Launch(new CustomSpec("python train.py"));
        var name = KubernetesBackend.NameOf(launch.RunId);
        _api.Fail("create secrets", 500);
        var log = new ConcurrentQueue<string>();

        var failure = await Should.ThrowAsync<TrainingFailedException>(() => Within(backend.RunAsync(launch, Collect(log), CancellationToken.None), "the run to fail"));

        failure.Message.ShouldContain($"The Kubernetes API server failed to create the Secret aiplatform-training/{name} (500 InternalError).");
        failure.Message.ShouldContain("etcdserver: request timed out");
        failure.Message.ShouldContain("The run did not start.");
        _api.Created.ShouldBeEmpty();
        _api.Requests.ShouldNotContain("create jobs");
        _api.Deleted.ShouldContain($"secrets/{name}", "a Secret the server may have stored before failing is deleted too");
        NoToken(failure.Message, log, logs);
    }

    [Fact]
    public async Task A_verbose_api_server_echoing_the_token_across_the_cut_and_a_huge_reason_leaks_no_part_of_it_and_stays_short()
    {
        var (backend, logs) = Backend();
        var launch = Launch(new CustomSpec("python train.py"));
        // The token straddles the 400th character of the message, where it is cut; the reason is huge and echoes it too.
        _api.FailSaying("create secrets", 500, reason: "Invalid" + new string('R', 100_000) + "aip_secret_token", message: new string('m', 390) + "stringData: aip_secret_token rejected");
        var log = new ConcurrentQueue<string>();

        var failure = await Should.ThrowAsync<TrainingFailedException>(() => Within(backend.RunAsync(launch, Collect(log), CancellationToken.None), "the run to fail"));

        failure.Message.ShouldNotContain("aip_sec", Case.Sensitive, "not even a prefix of the token");
        failure.Message.Length.ShouldBeLessThan(1000, "the reason and the message are bounded");
        NoToken(failure.Message, log, logs);
        logs.Events.ShouldNotContain(e => e.Message.Contains("aip_sec"));
    }

    [Fact]
    public void A_transport_error_is_bounded_and_blanks_the_token_out()
    {
        var error = new HttpRequestException(new string('x', 396) + "aip_secret_token" + new string('y', 10_000));

        var described = KubernetesApiErrors.Describe(error, "create the Job ns/x", "role", "aip_secret_token");

        described.ShouldNotContain("aip_sec", Case.Sensitive);
        described.ShouldContain("***");
        described.Length.ShouldBeLessThan(600);
    }

    [Fact]
    public async Task Server_errors_and_dropped_connections_while_following_are_ridden_out_and_the_exit_code_still_arrives()
    {
        var (backend, _) = Backend();
        var launch = Launch(new CustomSpec("python crash.py"));
        var name = KubernetesBackend.NameOf(launch.RunId);
        _api.Script(name, exitCode: 3, log: "epoch 1\nTraceback\n", runningPolls: 3);
        _api.Fail("get jobs/status", 500, times: 2);
        _api.Drop("list pods", times: 1);
        var log = new ConcurrentQueue<string>();

        var exit = await Within(backend.RunAsync(launch, Collect(log), CancellationToken.None), "the run to end after the API recovered");

        exit.ShouldBe(3);
        log.ShouldContain(l => l.StartsWith($"Could not reach the Kubernetes API server to read the state of the Job aiplatform-training/{name}", StringComparison.Ordinal) && l.Contains("Trying again for up to 5 minutes"));
        log.ShouldContain("The Kubernetes API answers again.");
        log.ShouldContain("Traceback");
        _api.Requests.Count(r => r == "get jobs/status").ShouldBeGreaterThanOrEqualTo(5, "two failed reads, then running until the third good one");
        _api.Deleted.ShouldContain($"jobs/{name}");
    }

    [Fact]
    public async Task A_log_stream_that_breaks_off_mid_run_is_picked_up_again_without_losing_or_repeating_a_line()
    {
        var (backend, _) = Backend();
        var launch = Launch(new CustomSpec("python train.py"));
        var name = KubernetesBackend.NameOf(launch.RunId);
        var lines = Enumerable.Range(1, 12).Select(i => $"line {i}").ToList();
        _api.Script(name, exitCode: 0, log: string.Join('\n', lines) + "\n", runningPolls: 4);
        _api.Drop("get pods/log", times: 1, afterLines: 3);
        var log = new ConcurrentQueue<string>();

        var exit = await Within(backend.RunAsync(launch, Collect(log), CancellationToken.None), "the run whose log broke off to end");

        exit.ShouldBe(0);
        _api.Requests.Count(r => r == "get pods/log").ShouldBeGreaterThan(1, "the stream was opened again");
        log.Where(l => l.StartsWith("line ", StringComparison.Ordinal)).ShouldBe(lines, "every line once, in order (two lines share each timestamp)");
    }

    [Fact]
    public async Task An_api_that_keeps_failing_while_following_fails_the_run_clearly_instead_of_hanging()
    {
        var (backend, _) = Backend(tolerance: TimeSpan.FromMilliseconds(300));
        var launch = Launch(new CustomSpec("sleep infinity"));
        var name = KubernetesBackend.NameOf(launch.RunId);
        _api.Script(name, exitCode: null, log: string.Empty);
        _api.Fail("get jobs/status", 503);

        var failure = await Should.ThrowAsync<TrainingFailedException>(() => Within(backend.RunAsync(launch, _ => Task.CompletedTask, CancellationToken.None), "the run to give up on the failing API"));

        failure.Message.ShouldContain("The Kubernetes API failed for more than 0.3 seconds while the run was running, so its outcome is unknown; its Job is deleted.");
        failure.Message.ShouldContain("(503 ServiceUnavailable)");
        _api.Deleted.ShouldContain($"jobs/{name}");
    }

    [Fact]
    public async Task A_delete_that_times_out_after_the_run_does_not_replace_its_outcome_and_the_other_objects_are_still_deleted()
    {
        var logs = new CapturingLoggerProvider();
        var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _api.Url }, new TimingOutDeletes());
        var backend = new KubernetesBackend(client, new KubernetesTrainingOptions { PollInterval = TimeSpan.FromMilliseconds(50) }, new LoggerFactory([logs]).CreateLogger<KubernetesBackend>());
        var launch = Launch(new CustomSpec("python train.py"));
        var name = KubernetesBackend.NameOf(launch.RunId);
        _api.Script(name, exitCode: 0, log: "done\n");
        var log = new ConcurrentQueue<string>();

        var exit = await Within(backend.RunAsync(launch, Collect(log), CancellationToken.None), "the run to end although deleting its Job times out");

        exit.ShouldBe(0, "the run's own result stands");
        _api.Deleted.ShouldBe([$"secrets/{name}"], "the Secret is deleted although the Job's delete failed before it");
        logs.Events.ShouldContain(e => e.Level == LogLevel.Warning && e.ToString().Contains($"delete the Job aiplatform-training/{name}"));
        NoToken(string.Empty, log, logs);
    }

    [Fact]
    public async Task Giving_up_on_a_failing_api_whose_job_cannot_be_deleted_says_it_must_be_removed_by_hand()
    {
        var (backend, _) = Backend(tolerance: TimeSpan.FromMilliseconds(300));
        var launch = Launch(new CustomSpec("sleep infinity"));
        var name = KubernetesBackend.NameOf(launch.RunId);
        _api.Script(name, exitCode: null, log: string.Empty);
        _api.Fail("get jobs/status", 503);
        _api.Fail("delete jobs", 503);

        var failure = await Should.ThrowAsync<TrainingFailedException>(() => Within(backend.RunAsync(launch, _ => Task.CompletedTask, CancellationToken.None), "the run to give up on the failing API"));

        failure.Message.ShouldContain($"so its outcome is unknown; the Job aiplatform-training/{name} could not be deleted and must be removed by hand.");
        failure.Message.ShouldNotContain("its Job is deleted");
        _api.Deleted.ShouldBe([$"secrets/{name}"], "the Secret is still deleted");
    }

    [Fact]
    public async Task A_run_past_a_sub_minute_time_limit_says_the_limit_in_seconds_and_its_job_is_deleted()
    {
        var (backend, _) = Backend();
        var launch = Launch(new CustomSpec("sleep infinity"), timeout: TimeSpan.FromMilliseconds(300));
        var name = KubernetesBackend.NameOf(launch.RunId);
        _api.Script(name, exitCode: null, log: string.Empty);

        var failure = await Should.ThrowAsync<TrainingFailedException>(() => Within(backend.RunAsync(launch, _ => Task.CompletedTask, CancellationToken.None), "the run to pass its time limit"));

        failure.Message.ShouldBe("The run exceeded its time limit of 0.3 s and was stopped.", "the same words as the local backend, never \"0 minutes\"");
        _api.Deleted.ShouldContain($"jobs/{name}");
    }

    [Fact]
    public async Task A_log_writer_that_throws_task_canceled_does_not_turn_a_successful_run_into_a_failed_one()
    {
        var (backend, _) = Backend();
        var launch = Launch(new CustomSpec("python train.py"));
        var name = KubernetesBackend.NameOf(launch.RunId);
        _api.Script(name, exitCode: 0, log: "epoch 1\nepoch 2\n", runningPolls: 2);
        var written = new ConcurrentQueue<string>();

        var exit = await Within(
            backend.RunAsync(launch, line => line.StartsWith("epoch", StringComparison.Ordinal) ? throw new TaskCanceledException("the log store timed out") : Collect(written)(line), CancellationToken.None),
            "the run to end although its log writer fails");

        exit.ShouldBe(0);
        _api.Requests.ShouldContain("get pods/log");
    }

    [Fact]
    public async Task A_job_deleted_outside_the_platform_fails_the_run_saying_so()
    {
        var (backend, _) = Backend();
        var launch = Launch(new CustomSpec("python train.py"));
        var name = KubernetesBackend.NameOf(launch.RunId);
        _api.Script(name, exitCode: null, log: string.Empty);
        _api.Fail("get jobs/status", 404);

        var failure = await Should.ThrowAsync<TrainingFailedException>(() => Within(backend.RunAsync(launch, _ => Task.CompletedTask, CancellationToken.None), "the run to notice its Job is gone"));

        failure.Message.ShouldContain($"The Job aiplatform-training/{name} went away while the run was running (deleted outside the platform?).");
        failure.Message.ShouldContain("(404 NotFound)");
    }

    [Theory]
    [InlineData("2026-12-06T12:00:00.1Z first", "2026-12-06T12:00:00.100000000", "first")]
    [InlineData("2026-12-06T12:00:00.09Z a b", "2026-12-06T12:00:00.090000000", "a b")]
    [InlineData("2026-12-06T12:00:00Z", "2026-12-06T12:00:00.000000000", "")]
    [InlineData("2026-12-06T12:00:00.123456789Z x", "2026-12-06T12:00:00.123456789", "x")]
    [InlineData("no stamp here", null, "no stamp here")]
    public void Log_timestamps_become_comparable_strings(string raw, string? stamp, string line) =>
        KubernetesBackend.SplitTimestamp(raw).ShouldBe((stamp, line));

    private (KubernetesBackend Backend, CapturingLoggerProvider Logs) Backend(TimeSpan? tolerance = null)
    {
        var logs = new CapturingLoggerProvider();
        var options = new KubernetesTrainingOptions { PollInterval = TimeSpan.FromMilliseconds(50), ApiErrorTolerance = tolerance ?? TimeSpan.FromMinutes(5) };
        return (new KubernetesBackend(_client, options, new LoggerFactory([logs]).CreateLogger<KubernetesBackend>()), logs);
    }

    private static Func<string, Task> Collect(ConcurrentQueue<string> log) => line =>
    {
        log.Enqueue(line);
        return Task.CompletedTask;
    };

    /// <summary>The run's token appears nowhere a user or an operator reads: the reason, the run's log, the platform's log.</summary>
    private static void NoToken(string reason, IEnumerable<string> log, CapturingLoggerProvider logs)
    {
        reason.ShouldNotContain("aip_secret_token");
        log.ShouldNotContain(l => l.Contains("aip_secret_token"));
        logs.Events.ShouldNotContain(e => e.ToString().Contains("aip_secret_token") || (e.Exception != null && e.Exception.ToString().Contains("aip_secret_token")));
    }

    /// <summary>Fails loudly, naming what it waited for, when the backend does not finish within a generous time.</summary>
    private static async Task<T> Within<T>(Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Still waiting after 2 minutes for {what}: the backend hangs.");
        }
    }

    private static CustomLaunch Launch(CustomSpec spec, TimeSpan? timeout = null) => new(
        Guid.NewGuid(), spec.Command, null, null, null, null,
        new Dictionary<string, string> { ["MLFLOW_TRACKING_URI"] = "http://platform:8080", ["MLFLOW_TRACKING_TOKEN"] = "aip_secret_token", ["MLFLOW_RUN_ID"] = "abc" },
        timeout, spec, spec.CodeKey is null ? null : "http://platform:8080/api/v1/training-runs/x/code", null);

    /// <summary>A Job's delete that runs into the client's timeout (what the k8s client's HttpClient throws then).</summary>
    private sealed class TimingOutDeletes : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.Method == HttpMethod.Delete && request.RequestUri!.AbsolutePath.Contains("/jobs/", StringComparison.Ordinal)
                ? throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException())
                : base.SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// Just enough of the API server: secrets, services, jobs (status after some polls), pods, logs (with Kubernetes'
    /// timestamps when asked), nodes; and failures on demand: a verb on a resource ("create jobs", "get jobs/status",
    /// "list pods", "get pods/log") answered with a status code and a Kubernetes <c>Status</c> body, or its connection
    /// dropped (before the answer, or for the log after some lines).
    /// </summary>
    private sealed class FakeKubernetes : IAsyncDisposable
    {
        private static readonly DateTime LogStart = new(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);
        private readonly ConcurrentDictionary<string, (int? ExitCode, string Log, int Polls, int RunningPolls)> _scripts = new();
        private readonly ConcurrentDictionary<string, Fault> _faults = new();
        private WebApplication? _app;

        /// <summary>Every call as "verb resource[/subresource]", in order.</summary>
        public ConcurrentQueue<string> Requests { get; } = new();

        /// <summary>The next <paramref name="times"/> calls of <paramref name="call"/> fail with <paramref name="code"/> and a Kubernetes Status body.</summary>
        public void Fail(string call, int code, int times = int.MaxValue) => _faults[call] = new Fault(code, null, times);

        /// <summary>The next <paramref name="times"/> calls of <paramref name="call"/> lose their connection (after <paramref name="afterLines"/> lines of a log).</summary>
        public void Drop(string call, int times, int afterLines = 0) => _faults[call] = new Fault(0, afterLines, times);

        /// <summary>Like <see cref="Fail(string, int, int)"/>, with the Status body's <c>reason</c> and <c>message</c> given (a verbose or hostile API server).</summary>
        public void FailSaying(string call, int code, string reason, string message) => _faults[call] = new Fault(code, null, int.MaxValue, reason, message);

        private sealed record Fault(int Code, int? AfterLines, int Times, string? Reason = null, string? Message = null);

        public string Url { get; private set; } = string.Empty;

        public ConcurrentQueue<string> CreatedQueue { get; } = new();

        public List<string> Created => [.. CreatedQueue];

        public ConcurrentBag<string> DeletedBag { get; } = [];

        public List<string> Deleted => [.. DeletedBag];

        public ConcurrentDictionary<string, string> CreatedSecrets { get; } = new();

        /// <summary>The Job runs for <paramref name="runningPolls"/> reads of its status, then ends with the exit code (null: never).</summary>
        public void Script(string job, int? exitCode, string log, int runningPolls = 1) => _scripts[job] = (exitCode, log, 0, runningPolls);

        public async Task StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            _app = builder.Build();
            _app.Use(async (http, next) =>
            {
                var call = CallOf(http.Request);
                Requests.Enqueue(call);
                // A log cut off after some lines is the log handler's to do.
                if ((_faults.TryGetValue(call, out var cut) && cut.AfterLines is > 0) || !TakeFault(call, out var fault))
                {
                    await next();
                    return;
                }

                if (fault.AfterLines is not null)
                {
                    http.Abort();
                    return;
                }

                http.Request.EnableBuffering();
                var name = http.Request.Method == "POST" && http.Request.ContentLength > 0
                    ? (await JsonDocument.ParseAsync(http.Request.Body)).RootElement.GetProperty("metadata").GetProperty("name").GetString()
                    : http.Request.Path.Value!.Split('/')[^1];
                http.Response.StatusCode = fault.Code;
                await http.Response.WriteAsJsonAsync(StatusBody(call, fault, name!));
            });
            _app.MapPost("/api/v1/namespaces/{ns}/secrets", async (HttpContext http) =>
            {
                var secret = await JsonDocument.ParseAsync(http.Request.Body);
                var name = secret.RootElement.GetProperty("metadata").GetProperty("name").GetString()!;
                CreatedSecrets[name] = secret.RootElement.ToString();
                CreatedQueue.Enqueue("secrets/" + name);
                return Results.Text(secret.RootElement.ToString(), "application/json", statusCode: 201);
            });
            _app.MapPost("/api/v1/namespaces/{ns}/services", async (HttpContext http) =>
            {
                var body = await JsonDocument.ParseAsync(http.Request.Body);
                CreatedQueue.Enqueue("services/" + body.RootElement.GetProperty("metadata").GetProperty("name").GetString());
                return Results.Text(body.RootElement.ToString(), "application/json", statusCode: 201);
            });
            _app.MapPost("/apis/batch/v1/namespaces/{ns}/jobs", async (HttpContext http) =>
            {
                var body = await JsonDocument.ParseAsync(http.Request.Body);
                CreatedQueue.Enqueue("jobs/" + body.RootElement.GetProperty("metadata").GetProperty("name").GetString());
                return Results.Text(body.RootElement.ToString(), "application/json", statusCode: 201);
            });
            _app.MapGet("/apis/batch/v1/namespaces/{ns}/jobs/{name}/status", (string name) =>
            {
                var (exit, log, polls, running) = _scripts[name];
                _scripts[name] = (exit, log, polls + 1, running);
                var status = polls < running || exit is null ? new V1JobStatus { Active = 1 } : exit == 0 ? new V1JobStatus { Succeeded = 1 } : new V1JobStatus { Failed = 1 };
                return Json(new V1Job { ApiVersion = "batch/v1", Kind = "Job", Metadata = new V1ObjectMeta { Name = name }, Status = status });
            });
            _app.MapGet("/api/v1/namespaces/{ns}/pods", (HttpContext http) =>
            {
                var name = http.Request.Query["labelSelector"].ToString()["job-name=".Length..];
                var (exit, _, polls, running) = _scripts.GetValueOrDefault(name);
                var phase = polls < running || exit is null ? "Running" : exit == 0 ? "Succeeded" : "Failed";
                var pod = new V1Pod
                {
                    Metadata = new V1ObjectMeta { Name = name + "-x1", Labels = new Dictionary<string, string> { ["job-name"] = name } },
                    Status = new V1PodStatus
                    {
                        Phase = phase,
                        ContainerStatuses = [new V1ContainerStatus { Name = "train", Image = "img", ImageID = "id", Ready = phase == "Running", RestartCount = 0, State = phase == "Failed" ? new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exit!.Value } } : new V1ContainerState() }],
                    },
                };
                return Json(new V1PodList { ApiVersion = "v1", Kind = "PodList", Items = [pod], Metadata = new V1ListMeta() });
            });
            _app.MapGet("/api/v1/namespaces/{ns}/pods/{pod}/log", async (string pod, HttpContext http) =>
            {
                // Two lines share each timestamp, and Go's RFC 3339 drops trailing zeros (".09Z" comes before ".1Z").
                var timestamps = http.Request.Query["timestamps"] == "true";
                var lines = _scripts.GetValueOrDefault(pod[..^3]).Log.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select((line, i) => timestamps ? $"{LogStart.AddMilliseconds(i / 2 * 10):yyyy-MM-dd'T'HH:mm:ss.FFFFFFF}Z {line}" : line).ToList();
                var cut = TakeFault("get pods/log", out var fault) ? fault.AfterLines : null;
                http.Response.ContentType = "text/plain";
                foreach (var line in lines.Take(cut ?? lines.Count))
                {
                    await http.Response.WriteAsync(line + "\n");
                }

                await http.Response.Body.FlushAsync();
                if (cut is not null)
                {
                    http.Abort();
                }
            });
            _app.MapDelete("/apis/batch/v1/namespaces/{ns}/jobs/{name}", (string name) => { DeletedBag.Add("jobs/" + name); return DeleteAnswer(); });
            _app.MapDelete("/api/v1/namespaces/{ns}/secrets/{name}", (string name) => { DeletedBag.Add("secrets/" + name); return DeleteAnswer(); });
            _app.MapDelete("/api/v1/namespaces/{ns}/services/{name}", (string name) => { DeletedBag.Add("services/" + name); return Json(new V1Service { ApiVersion = "v1", Kind = "Service", Metadata = new V1ObjectMeta { Name = name } }); });
            _app.MapGet("/api/v1/nodes", () => Json(new V1NodeList
            {
                ApiVersion = "v1",
                Kind = "NodeList",
                Metadata = new V1ListMeta(),
                Items =
                [
                    Node("cpu-1", null),
                    Node("gpu-1", "8"),
                    Node("gpu-2", "4"),
                ],
            }));
            await _app.StartAsync();
            Url = _app.Urls.First();
        }

        private static V1Node Node(string name, string? gpus) => new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            Status = new V1NodeStatus { Allocatable = gpus is null ? new Dictionary<string, ResourceQuantity> { ["cpu"] = new("8") } : new Dictionary<string, ResourceQuantity> { ["cpu"] = new("32"), ["nvidia.com/gpu"] = new(gpus) } },
        };

        private bool TakeFault(string call, out Fault fault)
        {
            while (_faults.TryGetValue(call, out var found) && found.Times > 0)
            {
                if (_faults.TryUpdate(call, found with { Times = found.Times == int.MaxValue ? int.MaxValue : found.Times - 1 }, found))
                {
                    fault = found;
                    return true;
                }
            }

            fault = default!;
            return false;
        }

        /// <summary>"create jobs", "get jobs/status", "list pods", "get pods/log", "delete secrets", "list nodes".</summary>
        private static string CallOf(HttpRequest request)
        {
            var segments = request.Path.Value!.Trim('/').Split('/');
            var at = Array.IndexOf(segments, "namespaces");
            var rest = at >= 0 ? segments[(at + 2)..] : segments[^1..];
            var verb = request.Method switch { "POST" => "create", "PUT" => "update", "DELETE" => "delete", _ => rest.Length == 1 ? "list" : "get" };
            return $"{verb} {rest[0]}{(rest.Length > 2 ? "/" + rest[2] : string.Empty)}";
        }

        /// <summary>The <c>Status</c> object the API server answers a refused call with, in its words.</summary>
        private static object StatusBody(string call, Fault fault, string name)
        {
            var code = fault.Code;
            var verb = call.Split(' ')[0];
            var resource = call.Split(' ')[1].Split('/')[0];
            var group = resource == "jobs" ? "batch" : string.Empty;
            var (reason, message) = code switch
            {
                403 => ("Forbidden", $"{resource}{(group.Length > 0 ? "." + group : string.Empty)} is forbidden: User \"system:serviceaccount:aiplatform:aiplatform-web\" cannot {verb} resource \"{resource}\" in API group \"{group}\" in the namespace \"aiplatform-training\""),
                404 => ("NotFound", $"{resource} \"{name}\" not found"),
                409 => ("AlreadyExists", $"{resource} \"{name}\" already exists"),
                500 => ("InternalError", "Internal error occurred: etcdserver: request timed out"),
                _ => ("ServiceUnavailable", "the server is currently unable to handle the request"),
            };
            return new { kind = "Status", apiVersion = "v1", metadata = new { }, status = "Failure", message = fault.Message ?? message, reason = fault.Reason ?? reason, details = new { name, kind = resource }, code };
        }

        /// <summary>What the API server answers the delete of a Job or a Secret with (the client's serializer cannot write a <c>V1Status</c>).</summary>
        private static IResult DeleteAnswer() => Results.Json(new { kind = "Status", apiVersion = "v1", metadata = new { }, status = "Success" });

        private static IResult Json(object value) => Results.Text(KubernetesJson.Serialize(value), "application/json");

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }
    }
}
