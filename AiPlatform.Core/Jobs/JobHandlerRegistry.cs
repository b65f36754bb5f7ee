using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Core.Jobs;

/// <summary>
/// The job kinds this process knows how to run. Handlers are resolved when first needed, not when the registry is
/// built, because some handlers use services (datasets, imports) that themselves start jobs.
/// </summary>
public sealed class JobHandlerRegistry(IServiceProvider services)
{
    private Dictionary<string, IJobHandler>? _handlers;

    public IReadOnlyCollection<IJobHandler> All => Handlers.Values;

    public IJobHandler? Find(string kind) => Handlers.GetValueOrDefault(kind);

    private Dictionary<string, IJobHandler> Handlers => _handlers ??= Load();

    private Dictionary<string, IJobHandler> Load()
    {
        var handlers = new Dictionary<string, IJobHandler>(StringComparer.Ordinal);
        foreach (var handler in services.GetServices<IJobHandler>())
        {
            if (!handlers.TryAdd(handler.Kind, handler))
            {
                throw new InvalidOperationException($"Two job handlers claim the kind '{handler.Kind}'.");
            }
        }

        return handlers;
    }
}
