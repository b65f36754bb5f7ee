using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using AiPlatform.Infrastructure.Serving;
using k8s;
using k8s.Models;

namespace AiPlatform.Infrastructure.Tests.Serving;

/// <summary>What the Triton deployer writes: the model configuration and the Kubernetes manifests, loaded strictly.</summary>
public sealed class TritonManifestTests
{
    private static readonly ModelSignature Signature = new(
        [new TensorSpec("x", "FP32", [-1, 1]), new TensorSpec("plan", "BYTES", [-1, 1])],
        [new TensorSpec("Score.output", "FP32", [-1, 1])]);

    [Fact]
    public void The_model_configuration_has_the_onnx_backend_served_versions_tensors_dynamic_batching_and_gpu_instances()
    {
        var endpoint = Endpoint(maxBatch: 16, canary: 4);
        var config = TritonDeployer.BuildConfig(endpoint, [new TritonModel(3, "k3", Signature), new TritonModel(4, "k4", Signature)], gpus: 1);

        config.ShouldContain("name: \"churn\"");
        config.ShouldContain("platform: \"onnxruntime_onnx\"");
        config.ShouldContain("max_batch_size: 16");
        config.ShouldContain("version_policy: { specific: { versions: [3, 4] } }");
        config.ShouldContain("{ name: \"x\", data_type: TYPE_FP32, dims: [ 1 ] }");
        config.ShouldContain("{ name: \"plan\", data_type: TYPE_STRING, dims: [ 1 ] }");
        config.ShouldContain("dynamic_batching { max_queue_delay_microseconds: 500 }");
        config.ShouldContain("instance_group [ { count: 1, kind: KIND_GPU } ]");

        // Without batching the batch dimension stays in dims and there is no scheduler.
        var plain = TritonDeployer.BuildConfig(Endpoint(maxBatch: 0), [new TritonModel(3, "k3", Signature)], gpus: 0);
        plain.ShouldContain("max_batch_size: 0");
        plain.ShouldContain("dims: [ -1, 1 ]");
        plain.ShouldNotContain("dynamic_batching");
        plain.ShouldContain("kind: KIND_CPU");
    }

    [Fact]
    public void The_deployment_and_service_load_strictly_with_gpu_limits_probes_and_the_s3_repository()
    {
        var options = new TritonOptions { ModelRepositoryUrl = "s3://http://minio.aiplatform:9000/aiplatform/", GpusPerReplica = 2 };
        var (deployment, service) = TritonDeployer.BuildManifests(Endpoint(maxBatch: 8, replicas: 3), options);
        var loaded = KubernetesYaml.LoadAllFromString(KubernetesYaml.Serialize(deployment) + "\n---\n" + KubernetesYaml.Serialize(service), strict: true);

        var d = loaded.OfType<V1Deployment>().Single();
        d.Metadata.Name.ShouldBe("triton-churn");
        d.Spec.Replicas.ShouldBe(3);
        d.Spec.Strategy.RollingUpdate.MaxUnavailable.Value.ShouldBe("0");
        var container = d.Spec.Template.Spec.Containers.Single();
        container.Args.ShouldContain("--model-repository=s3://http://minio.aiplatform:9000/aiplatform/serving/churn");
        container.Resources.Limits["nvidia.com/gpu"].ToString().ShouldBe("2");
        container.ReadinessProbe.HttpGet.Path.ShouldBe("/v2/health/ready");
        container.EnvFrom.Single().SecretRef.Name.ShouldBe("aiplatform-triton-s3");
        d.Spec.Template.Spec.NodeSelector.ShouldContainKeyAndValue("nvidia.com/gpu.present", "true");
        d.Spec.Template.Spec.Tolerations.Single().Key.ShouldBe("nvidia.com/gpu");
        d.Spec.Template.Metadata.Annotations["aiplatform.io/versions"].ShouldBe("3");
        var s = loaded.OfType<V1Service>().Single();
        s.Spec.Selector["aiplatform.io/endpoint"].ShouldBe("churn");
        s.Spec.Ports.Single(p => p.Name == "http").Port.ShouldBe(8000);
    }

    private static ServingEndpoint Endpoint(int maxBatch, int? canary = null, int replicas = 1) => new()
    {
        Name = "churn",
        Target = "3",
        Version = 3,
        CanaryVersion = canary,
        MaxBatchSize = maxBatch,
        MaxQueueDelayMicroseconds = 500,
        Replicas = replicas,
        Runtime = ServingRuntimeKind.Triton,
    };
}
