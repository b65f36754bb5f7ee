namespace AiPlatform.Core.Jobs;

/// <summary>The job kinds this process knows how to run.</summary>
public sealed class JobHandlerRegistry
{
    private readonly Dictionary<string, IJobHandler> _handlers;

    public JobHandlerRegistry(IEnumerable<IJobHandler> handlers)
    {
        _handlers = new Dictionary<string, IJobHandler>(StringComparer.Ordinal);
        foreach (var handler in handlers)
        {
            if (!_handlers.TryAdd(handler.Kind, handler))
            {
                throw new InvalidOperationException($"Two job handlers claim the kind '{handler.Kind}'.");
            }
        }
    }

    public IReadOnlyCollection<IJobHandler> All => _handlers.Values;

    public IJobHandler? Find(string kind) => _handlers.GetValueOrDefault(kind);
}
