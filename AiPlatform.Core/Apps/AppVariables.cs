namespace AiPlatform.Core.Apps;

/// <summary>
/// Variable references in node settings: <c>{{nodeId.field}}</c>, <c>{{nodeId.field.path.0}}</c>, and the system
/// variables <c>{{sys.query}}</c>, <c>{{sys.conversation_id}}</c>, <c>{{sys.user}}</c>, <c>{{sys.history}}</c>.
/// </summary>
public static partial class AppVariables
{
}
