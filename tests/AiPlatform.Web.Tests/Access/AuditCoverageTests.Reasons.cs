namespace AiPlatform.Web.Tests.Access;

public sealed partial class AuditCoverageTests
{
    /// <summary>Operations that change no state (queries, inference, connection tests): they need no audit entry.</summary>
    private static readonly Dictionary<string, string> NotStateChanges = new()
    {
        ["POST /api/v1/sql"] = "a read-only query",
        ["POST /api/v1/sql/export.csv"] = "a read-only query",
        ["POST /api/v1/data-sources/{id}/test"] = "tries a connection, changes nothing",
        ["POST /api/2.0/mlflow/experiments/search"] = "MLflow search, read-only",
        ["POST /api/2.0/mlflow/runs/search"] = "MLflow search, read-only",
        ["POST /api/2.0/mlflow/logged-models/search"] = "MLflow search, read-only",
        ["POST /api/3.0/mlflow/traces/search"] = "MLflow search, read-only",
        ["POST /api/2.0/mlflow/registered-models/get-latest-versions"] = "MLflow read",
        ["POST /api/v1/knowledge-bases/{id}/search"] = "a read-only search",
        ["POST /api/v1/endpoints/{name}/predict"] = "inference, not a state change (payload logging is its own trail)",
        ["POST /v2/models/{name}/infer"] = "inference, not a state change",
        ["POST /v2/models/{name}/versions/{version}/infer"] = "inference, not a state change",
        ["POST /v1/chat/completions"] = "inference; usage is metered in the usage records, not the audit trail",
        ["POST /v1/embeddings"] = "inference; usage is metered in the usage records, not the audit trail",
    };

    /// <summary>High-volume logging from training scripts: the run's own history is the record; auditing each call would drown the trail.</summary>
    private static readonly Dictionary<string, string> HighVolume = new()
    {
        ["POST /api/2.0/mlflow/runs/log-metric"] = "one call per metric point",
        ["POST /api/2.0/mlflow/runs/log-batch"] = "batches of metric points",
        ["POST /api/v1/runs/{id}/log"] = "the REST twin of log-batch",
        ["POST /api/2.0/mlflow/runs/log-parameter"] = "a one-item log-batch from a training script",
        ["POST /api/2.0/mlflow/runs/set-tag"] = "a one-item log-batch from a training script (run notes set in the UI or REST are audited)",
        ["PUT /api/2.0/mlflow-artifacts/artifacts/{path}"] = "one call per file a training script logs (mlflow.log_artifacts); the run's artifact list is the record, deletions are audited",
        ["PUT /api/v1/runs/{id}/artifacts/content"] = "the REST twin of the MLflow artifact upload; deletions are audited",
        ["POST /api/2.0/mlflow/logged-models/{model_id}/params"] = "a logged model's params, written once by log_model like log-parameter; the model's creation is audited",
        ["PATCH /api/2.0/mlflow/logged-models/{model_id}/tags"] = "tags log_model and register_model write on the model (mlflow.modelVersions), like run set-tag",
        ["DELETE /api/2.0/mlflow/logged-models/{model_id}/tags/{tag_key}"] = "a logged model's tag from a script, like its set; the model's creation, finalizing and deletion are audited",
        ["POST /api/2.0/mlflow/runs/outputs"] = "log_model links its model to the run, one call per logged model; the model's creation is audited",
        ["POST /api/3.0/mlflow/traces"] = "one trace per traced call of user code (@mlflow.trace), like metric points; deletions are audited",
        ["POST /api/2.0/mlflow/traces"] = "the 2.x client's start of a trace, one per traced call; deletions are audited",
        ["PATCH /api/2.0/mlflow/traces/{traceId}"] = "the 2.x client's end of a trace, one per traced call",
        ["PATCH /api/3.0/mlflow/traces/{traceId}/tags"] = "a trace tag from user code, like run set-tag",
        ["DELETE /api/3.0/mlflow/traces/{traceId}/tags"] = "a trace tag from user code, like its set",
        ["PATCH /api/2.0/mlflow/traces/{traceId}/tags"] = "a trace tag from user code, like run set-tag",
        ["DELETE /api/2.0/mlflow/traces/{traceId}/tags"] = "a trace tag from user code, like its set",
        ["PUT /api/2.0/mlflow-artifacts/artifacts/{experimentId}/traces/{traceId}/artifacts/{path}"] = "the span data of one trace, uploaded once by the client's exporter",
    };

    /// <summary>
    /// A user's own chat history: conversations are visible to their owner alone (administrators cannot read them) and
    /// change nothing anyone else relies on. Recording each message, edit or thumbs-up would copy the shape of private
    /// conversations into the trail that administrators read and bury the security-relevant entries; the token use they
    /// cause is metered in the usage records and limited by quotas, and the settings that govern chat (providers, models,
    /// grants, quotas, prompt templates) are audited.
    /// </summary>
    private static readonly Dictionary<string, string> PersonalData = new()
    {
        ["POST /api/v1/conversations"] = "a user's own chat history, visible to the owner alone",
        ["PATCH /api/v1/conversations/{id}"] = "a user's own chat history (title, model, system prompt)",
        ["DELETE /api/v1/conversations/{id}"] = "a user's own chat history",
        ["POST /api/v1/conversations/{id}/messages"] = "a chat message; usage is metered, content stays private",
        ["POST /api/v1/conversations/{id}/regenerate"] = "a chat message; usage is metered, content stays private",
        ["PUT /api/v1/conversations/{id}/messages/{messageId}"] = "edit-and-resend of a chat message",
        ["POST /api/v1/conversations/{id}/messages/{messageId}/feedback"] = "a thumbs-up or down on one's own answer",
        ["PUT /api/v1/me/preferences"] = "a user's own display preferences (language, dark mode, dismissed checklist); grant nothing",
    };

    /// <summary>
    /// App runs (i18/api): each run is recorded as an app run (caller, inputs, outputs, trace, tokens) that the app's
    /// run list shows, like inference and chat; auditing every run would drown the trail. Validation changes nothing.
    /// </summary>
    private static readonly Dictionary<string, string> AppRuns = new()
    {
        ["POST /api/v1/apps/{id}/validate"] = "checks the draft, changes nothing",
        ["POST /api/v1/apps/{id}/draft/run"] = "a run, recorded as an app run with its caller, inputs and trace",
        ["POST /api/v1/apps/{id}/draft/nodes/{nodeId}/run"] = "a single-node test run, recorded as an app run",
        ["POST /api/v1/apps/{slug}/run"] = "a run of the published version, recorded as an app run (like inference)",
    };

    /// <summary>
    /// App deployments (i18/k8s) need Apps:Kubernetes enabled and an API server, which the walker's platform has not:
    /// there they are refused before any change. Audited as app.deploy / app.undeploy, checked in AppDeploymentApiTests.
    /// </summary>
    private static readonly Dictionary<string, string> ClusterOnly = new()
    {
        ["PUT /api/v1/apps/{id}/deployment"] = "needs Apps:Kubernetes; audited as app.deploy (AppDeploymentApiTests)",
        ["DELETE /api/v1/apps/{id}/deployment"] = "needs Apps:Kubernetes; audited as app.undeploy (AppDeploymentApiTests)",
    };
}
