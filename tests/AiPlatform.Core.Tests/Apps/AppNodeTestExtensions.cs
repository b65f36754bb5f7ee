using AiPlatform.Core.Apps;

namespace AiPlatform.Core.Tests.Apps;

internal static class AppNodeTestExtensions
{
    public static AppNode With(this AppNode node, Action<AppNode> change)
    {
        change(node);
        return node;
    }
}
