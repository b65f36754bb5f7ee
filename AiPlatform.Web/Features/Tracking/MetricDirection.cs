namespace AiPlatform.Web.Features.Tracking;

/// <summary>Whether a metric is better when higher (accuracy, auc, f1) or when lower (loss, error, time).</summary>
public static class MetricDirection
{
    private static readonly string[] LowerTokens = ["loss", "error", "rmse", "mae", "mse", "logloss", "seconds", "time", "latency", "duration", "perplexity"];

    /// <summary>
    /// True when the metric's name says lower is better: one of its tokens (split at anything not a letter or digit,
    /// and at lower-to-upper case changes) is loss, error, rmse, mae, mse, logloss, seconds, time, latency, duration or
    /// perplexity (log_loss splits into log + loss). Case-insensitive; "timeline" or "mean" do not count.
    /// </summary>
    public static bool LowerIsBetter(string metric)
    {
        foreach (var token in Tokens(metric))
        {
            if (LowerTokens.Contains(token, StringComparer.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<string> Tokens(string name)
    {
        var current = new System.Text.StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var boundary = !char.IsLetterOrDigit(c) || (current.Length > 0 && char.IsUpper(c) && char.IsLower(name[i - 1]));
            if (boundary && current.Length > 0)
            {
                yield return current.ToString();
                current.Clear();
            }

            if (char.IsLetterOrDigit(c))
            {
                current.Append(c);
            }
        }

        if (current.Length > 0)
        {
            yield return current.ToString();
        }
    }
}
