using System.Text.Json.Nodes;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>
/// The iteration node: runs its body once per item of a list (<c>{{iter.item}}</c>, <c>{{iter.index}}</c> inside),
/// up to <c>parallelism</c> items at a time, and outputs <c>results</c>: the body's <c>output</c> variable per item, in
/// the items' order. The first failing item fails the node and stops the others.
/// </summary>
public sealed class IterationNode(AppSettings settings) : IAppNodeExecutor
{
    public string Type => AppNodeTypes.Iteration;

    public async Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var node = context.Node;
        var itemsReference = AppNodeCatalog.GetString(node.Config, "items") ?? string.Empty;
        var value = context.Resolve(itemsReference);
        if (value is not JsonArray items)
        {
            throw new ValidationException(node.Id, $"The items of node '{node.Id}' ({itemsReference}) are not a list.")
            {
                MessageKey = "Apps.Error.ItemsNotArray",
                MessageArguments = [node.Id, itemsReference],
            };
        }

        if (items.Count > settings.MaxIterations)
        {
            throw new ValidationException(node.Id, $"Node '{node.Id}' got {items.Count} items; at most {settings.MaxIterations} are allowed.")
            {
                MessageKey = "Apps.Error.TooManyItems",
                MessageArguments = [node.Id, items.Count, settings.MaxIterations],
            };
        }

        var body = AppNodeCatalog.Body(node) ?? new AppGraph();
        AppVariables.TryParse(AppNodeCatalog.GetString(node.Config, "output"), out var output);
        var parallelism = Math.Clamp(AppNodeCatalog.GetInt(node.Config, "parallelism") ?? 1, 1, Math.Max(1, settings.MaxParallelism));
        var results = new JsonNode?[items.Count];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var slots = new SemaphoreSlim(parallelism, parallelism);
        var gate = new object();
        (int Index, SubGraphResult Result)? failure = null;

        async Task RunItemAsync(int index, JsonNode? item)
        {
            try
            {
                await slots.WaitAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                if (stop.IsCancellationRequested)
                {
                    // A slot can be granted to a waiter whose wait was being cancelled: do not start the item.
                    ct.ThrowIfCancellationRequested();
                    return;
                }

                var scope = new JsonObject { [node.Id] = new JsonObject { ["item"] = item?.DeepClone(), ["index"] = index } };
                var result = await context.RunSubGraphAsync(body, scope, index, stop.Token);
                if (!result.Succeeded)
                {
                    lock (gate)
                    {
                        failure ??= (index, result);
                    }

                    await stop.CancelAsync();
                    return;
                }

                results[index] = output is null ? result.Variables : AppVariables.Resolve(result.Variables, output, out _);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                // Stopped because another item failed.
            }
            finally
            {
                slots.Release();
            }
        }

        await Task.WhenAll(items.Select((item, i) => RunItemAsync(i, item)));
        ct.ThrowIfCancellationRequested();
        if (failure is { } failed)
        {
            throw new ValidationException(node.Id, $"Item {failed.Index} of node '{node.Id}' failed at node '{failed.Result.ErrorNodeId}': {failed.Result.Error}")
            {
                MessageKey = "Apps.Error.IterationFailed",
                MessageArguments = [node.Id, failed.Index, failed.Result.ErrorNodeId ?? string.Empty, failed.Result.Error ?? string.Empty],
            };
        }

        return new NodeOutcome(new JsonObject { ["results"] = new JsonArray([.. results]) })
        {
            Inputs = new JsonObject { ["items"] = items.DeepClone(), ["parallelism"] = parallelism },
        };
    }
}
