using System.Collections.Concurrent;
using System.Globalization;
using AiPlatform.Infrastructure.Kubernetes;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Infrastructure.Training;

/// <summary>Following a run's log: streaming the training container's output, resuming a broken stream without repeats, draining at the end.</summary>
public sealed partial class KubernetesBackend
{
    /// <summary>The Job ended: its log streams reach the end of the container's output (bounded, so a stuck stream cannot hold the run).</summary>
    private async Task DrainLogsAsync(FollowState state)
    {
        try
        {
            await Task.WhenAll(state.Streams.Values).WaitAsync(LogDrainTimeout);
        }
        catch (Exception e)
        {
            // Streams that did not reach the end in time (or whose log writer failed, even with a TaskCanceledException
            // of its own) must not change the run's outcome: the Job has ended, and nothing here cancels the run.
            logger.LogWarning(e, "The log of a finished training Job did not end cleanly within {Timeout}", LogDrainTimeout);
        }
    }

    /// <summary>
    /// Streams the training container's log (with Kubernetes' timestamps). A stream that breaks off while the pod still
    /// runs is opened again, and the lines already passed on (up to the last timestamp seen) are skipped, so no line is
    /// lost or repeated.
    /// </summary>
    private async Task StreamLogAsync(string pod, Func<string, Task> log, FollowState state, CancellationToken ct)
    {
        await Task.Yield();
        string? last = null;
        var atLast = 0;
        var tries = 0;
        while (!ct.IsCancellationRequested)
        {
            var atEnd = false;
            var jobEnded = state.JobEnded;
            try
            {
                await using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(pod, options.Namespace, container: "train", follow: true, timestamps: true, cancellationToken: ct);
                using var reader = new StreamReader(stream);
                var replayedAtLast = 0;
                while (await reader.ReadLineAsync(ct) is { } raw)
                {
                    var (stamp, line) = SplitTimestamp(raw);
                    if (stamp is not null && last is not null)
                    {
                        var order = string.CompareOrdinal(stamp, last);
                        if (order < 0 || (order == 0 && replayedAtLast++ < atLast))
                        {
                            continue;
                        }
                    }

                    if (stamp is not null)
                    {
                        atLast = stamp == last ? atLast + 1 : 1;
                        last = stamp;
                        replayedAtLast = atLast;
                    }

                    await log(line);
                }

                atEnd = true;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (KubernetesApiErrors.IsTransient(e))
            {
                logger.LogDebug(e, "Log stream of pod {Pod} broke off", pod);
            }
            catch (HttpOperationException e)
            {
                logger.LogDebug(e, "Log stream of pod {Pod} refused", pod);
                return;
            }

            // The end of the stream is the end of the log once the container has ended; before that, the stream broke off.
            if ((atEnd && (jobEnded || state.Phases.GetValueOrDefault(pod) is "Succeeded" or "Failed")) || (jobEnded && ++tries >= 3))
            {
                return;
            }

            try
            {
                await Task.Delay(state.JobEnded ? TimeSpan.Zero : options.PollInterval, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Splits Kubernetes' RFC 3339 timestamp off a log line; the stamp comes back with nine fraction digits, so that
    /// stamps compare in time order as strings.
    /// </summary>
    internal static (string? Stamp, string Line) SplitTimestamp(string raw)
    {
        var space = raw.IndexOf(' ', StringComparison.Ordinal);
        var token = space < 0 ? raw : raw[..space];
        var line = space < 0 ? string.Empty : raw[(space + 1)..];
        if (!DateTimeOffset.TryParse(token, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
        {
            return (null, raw);
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        var fraction = dot < 0 ? string.Empty : new string([.. token[(dot + 1)..].TakeWhile(char.IsAsciiDigit)]);
        return (at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." + fraction.PadRight(9, '0')[..9], line);
    }

    /// <summary>What one run's follower knows: the last phase of each pod and the log stream of the first worker.</summary>
    private sealed class FollowState
    {
        public ConcurrentDictionary<string, string> Phases { get; } = new();

        public Dictionary<string, Task> Streams { get; } = [];

        private volatile bool _jobEnded;

        /// <summary>Set by the follower, read by the log streams on other threads.</summary>
        public bool JobEnded
        {
            get => _jobEnded;
            set => _jobEnded = value;
        }
    }
}
