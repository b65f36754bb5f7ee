namespace AiPlatform.Core.Chat;

/// <summary>What of a conversation goes to a model with a context window: which sources and earlier messages.</summary>
/// <param name="Fits">False when the system prompt and the question alone do not fit; nothing should be sent.</param>
/// <param name="Sources">Indexes of the retrieved sources to send, in rank order.</param>
/// <param name="HistoryFrom">Index of the first earlier message to send; those before it are left out.</param>
/// <param name="Tokens">The estimated prompt size of the plan, in the model's tokens (estimate × scale).</param>
public sealed record ContextPlan(bool Fits, IReadOnlyList<int> Sources, int HistoryFrom, int Tokens);

/// <summary>
/// Fits a prompt into a model's context window by estimate, before the provider would refuse it, the estimate
/// corrected by what the provider counted for earlier answers (<see cref="LlmModel.TokenScale"/>). A quarter of the
/// window (at most 1,024 tokens) is kept for the answer. The system prompt and the question always go; retrieved
/// sources may take up to half of the room left, earlier messages fill the rest newest first (starting at a question,
/// never at a dangling answer), and room they leave goes to further sources.
/// </summary>
public static class ContextBudget
{
    /// <summary>Tokens every message costs besides its text (role markers, separators).</summary>
    public const int PerMessage = 4;

    public static int AnswerReserve(int contextTokens) => Math.Min(1024, contextTokens / 4);

    /// <summary>
    /// A deliberately high estimate of a text's tokens without the model's tokenizer: ASCII at 3 characters a token
    /// (English runs near 4 with Llama, GPT and Qwen tokenizers), anything else at 1.5 tokens a character (Chinese
    /// costs 0.7 to 3 depending on the vocabulary).
    /// </summary>
    public static int Estimate(string text)
    {
        var ascii = 0;
        var other = 0;
        foreach (var c in text)
        {
            if (c < 128)
            {
                ascii++;
            }
            else if (!char.IsLowSurrogate(c))
            {
                other++;
            }
        }

        return PerMessage + ((ascii + 2) / 3) + ((other * 3) + 1) / 2;
    }

    /// <param name="contextTokens">The model's window; null when unknown, and everything is sent.</param>
    /// <param name="system">Tokens of the system prompt (0 without one).</param>
    /// <param name="question">Tokens of the message being answered.</param>
    /// <param name="sourcesPreamble">Tokens of the instructions that come with the first source.</param>
    /// <param name="sources">Tokens of each retrieved source, best first.</param>
    /// <param name="history">Earlier messages, oldest first, without the question: tokens and whether the user wrote it.</param>
    /// <param name="scale">
    /// The model's tokens per estimated token (<see cref="ScaleFor"/>); every size above is an estimate, the window
    /// and the answer reserve are the model's tokens.
    /// </param>
    public static ContextPlan Plan(int? contextTokens, int system, int question, int sourcesPreamble, IReadOnlyList<int> sources, IReadOnlyList<(int Tokens, bool User)> history, double scale = 1)
    {
        int Real(int estimate) => (int)Math.Ceiling(estimate * scale);
        var all = system + question + history.Sum(h => h.Tokens) + (sources.Count > 0 ? sourcesPreamble + sources.Sum() : 0);
        if (contextTokens is not { } context)
        {
            return new ContextPlan(true, [.. Enumerable.Range(0, sources.Count)], 0, Real(all));
        }

        var room = (int)Math.Floor((context - AnswerReserve(context)) / scale) - system - question;
        if (room < 0)
        {
            return new ContextPlan(false, [], history.Count, Real(system + question));
        }

        var kept = new SortedSet<int>();
        var used = 0;
        void TakeSources(int limit)
        {
            for (var i = 0; i < sources.Count; i++)
            {
                var cost = sources[i] + (kept.Count == 0 ? sourcesPreamble : 0);
                if (!kept.Contains(i) && used + cost <= limit)
                {
                    kept.Add(i);
                    used += cost;
                }
            }
        }

        TakeSources(room / 2);
        var from = history.Count;
        while (from > 0 && used + history[from - 1].Tokens <= room)
        {
            from--;
            used += history[from].Tokens;
        }

        // An answer without the question it answered would confuse the model more than it helps.
        while (from < history.Count && !history[from].User)
        {
            used -= history[from].Tokens;
            from++;
        }

        TakeSources(room);
        return new ContextPlan(true, [.. kept], from, Real(system + question + used));
    }

    /// <summary>
    /// The scale to plan with for a model: what its provider counted per estimated token so far, 10 % added for
    /// the spread between prompts, never below 0.25 (a tokenizer four times as thrifty as the estimate is not
    /// believed); 1 (the estimate as it is) before any answer reported usage.
    /// </summary>
    public static double ScaleFor(double? measured) => measured is { } m ? Math.Clamp(m * 1.1, 0.25, 4) : 1;

    /// <summary>The moving average of <see cref="LlmModel.TokenScale"/> after one more answer (30 % weight).</summary>
    public static double Learn(double? measured, int reportedTokens, int estimatedTokens)
    {
        var ratio = Math.Clamp((double)reportedTokens / Math.Max(1, estimatedTokens), 0.1, 10);
        return Math.Round(measured is { } m ? (0.7 * m) + (0.3 * ratio) : ratio, 4);
    }
}
