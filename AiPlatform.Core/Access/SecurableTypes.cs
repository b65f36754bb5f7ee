namespace AiPlatform.Core.Access;

/// <summary>The object types that carry an owner and grants. Each module registers its type here.</summary>
public static class SecurableTypes
{
    public const string Project = "project";
    public const string Dataset = "dataset";
    public const string DataSource = "data-source";
    public const string Experiment = "experiment";
    public const string RegisteredModel = "registered-model";
    public const string Endpoint = "endpoint";
    public const string LlmModel = "llm-model";
    public const string KnowledgeBase = "knowledge-base";
    public const string App = "app";

    public static IReadOnlyList<string> All { get; } = [Project, Dataset, DataSource, Experiment, RegisteredModel, Endpoint, LlmModel, KnowledgeBase, App];
}
