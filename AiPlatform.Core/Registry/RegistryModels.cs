using AiPlatform.Core.Access;

namespace AiPlatform.Core.Registry;

public enum ModelVersionStatus
{
    PendingRegistration,
    Ready,
    FailedRegistration,
}

public enum ModelStage
{
    None,
    Staging,
    Production,
    Archived,
}

public enum ModelFormat
{
    Onnx,
    MlNet,
    Other,
}

/// <summary>A named model in the registry; a securable object. Names are unique on the installation, as in MLflow.</summary>
public sealed class RegisteredModel : IOwnedObject
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public Guid OwnerId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class RegisteredModelTag
{
    public Guid ModelId { get; set; }

    public required string Key { get; set; }

    public required string Value { get; set; }
}

/// <summary>One version of a model: its files (copied from the run or uploaded), signature, status, stage and lineage.</summary>
public sealed class ModelVersion
{
    public Guid Id { get; set; }

    public Guid ModelId { get; set; }

    public int Version { get; set; }

    /// <summary>Where it came from: <c>runs:/&lt;run&gt;/&lt;path&gt;</c> or <c>upload:&lt;file&gt;</c>.</summary>
    public required string Source { get; set; }

    /// <summary>The experiment run it was registered from (lineage: version → run → dataset version).</summary>
    public Guid? RunId { get; set; }

    /// <summary>The MLflow 3 logged model it was registered from (MLflow's <c>model_id</c>), when it was.</summary>
    public Guid? LoggedModelId { get; set; }

    public ModelVersionStatus Status { get; set; }

    public string? StatusMessage { get; set; }

    /// <summary>The UI resource that says <see cref="StatusMessage"/> in the user's language (null: only the English text).</summary>
    public string? StatusMessageKey { get; set; }

    /// <summary>The placeholders of <see cref="StatusMessageKey"/>, a JSON array of strings.</summary>
    public string? StatusMessageArguments { get; set; }

    /// <summary>Records the status message (null: none).</summary>
    public void SetStatusMessage(Common.StoredMessage? message)
    {
        StatusMessage = message?.Text;
        StatusMessageKey = message?.Key;
        StatusMessageArguments = message?.Arguments;
    }

    public ModelStage Stage { get; set; }

    public string? Description { get; set; }

    public ModelFormat Format { get; set; }

    /// <summary>Inputs and outputs (names, types, shapes) as JSON; null when the files do not say.</summary>
    public string? SignatureJson { get; set; }

    /// <summary>Facts of the ONNX graph (IR version, opsets, producer, size) as JSON.</summary>
    public string? GraphFactsJson { get; set; }

    /// <summary>The ML.NET → ONNX conversion report (parity on validation rows) as JSON, when the files have one.</summary>
    public string? ConversionReportJson { get; set; }

    public Guid CreatedById { get; set; }

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class ModelVersionTag
{
    public Guid VersionId { get; set; }

    public required string Key { get; set; }

    public required string Value { get; set; }
}

/// <summary>A name that points at one version (<c>@champion</c>).</summary>
public sealed class ModelAlias
{
    public Guid ModelId { get; set; }

    public required string Alias { get; set; }

    public int Version { get; set; }
}

/// <summary>A file of a version, stored under the registry's own key.</summary>
public sealed class ModelFile
{
    public Guid VersionId { get; set; }

    public required string Path { get; set; }

    public required string ObjectKey { get; set; }

    public long Size { get; set; }
}

/// <summary>Every stage change: who, when, from and to (MLflow keeps no such history).</summary>
public sealed class StageTransition
{
    public Guid Id { get; set; }

    public Guid ModelId { get; set; }

    public Guid VersionId { get; set; }

    public int Version { get; set; }

    public ModelStage From { get; set; }

    public ModelStage To { get; set; }

    public required string By { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>Set when the change was a consequence of another version moving into the stage.</summary>
    public string? Reason { get; set; }
}

/// <summary>A tensor or column of a model's signature.</summary>
public sealed record TensorSpec(string Name, string DataType, IReadOnlyList<long> Shape);

public sealed record ModelSignature(IReadOnlyList<TensorSpec> Inputs, IReadOnlyList<TensorSpec> Outputs);

/// <summary>Facts of an ONNX graph read from the file itself.</summary>
public sealed record OnnxGraphFacts(long IrVersion, IReadOnlyDictionary<string, long> Opsets, string? Producer, string? ProducerVersion, long SizeBytes, int Nodes);

/// <summary>How closely the ONNX export reproduces the ML.NET model on validation rows (written by the built-in trainers).</summary>
public sealed record ConversionReport(string Source, string Target, int Rows, IReadOnlyDictionary<string, double> MaxAbsDifference, double Tolerance, bool Passed);
