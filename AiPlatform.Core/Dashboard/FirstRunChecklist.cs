namespace AiPlatform.Core.Dashboard;

/// <summary>The administrator's first steps, each checked from the platform's state (not from flags set by clicking).</summary>
public sealed record FirstRunChecklist(
    bool PasswordChanged,
    bool UserAdded,
    bool LlmProviderConnected,
    bool DatasetUploaded,
    bool ModelTrained,
    bool EndpointDeployed)
{
    public bool Complete => PasswordChanged && UserAdded && LlmProviderConnected && DatasetUploaded && ModelTrained && EndpointDeployed;
}
