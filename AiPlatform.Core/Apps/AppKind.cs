namespace AiPlatform.Core.Apps;

/// <summary>Workflow: inputs → outputs, one shot. Chat: a conversation with memory, the answer streamed.</summary>
public enum AppKind
{
    Workflow,
    Chat,
}
