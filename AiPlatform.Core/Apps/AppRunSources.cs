namespace AiPlatform.Core.Apps;

/// <summary>Where a run came from (<see cref="AppRun.Source"/>).</summary>
public static class AppRunSources
{
    /// <summary>The draft, from the canvas's Run button or the draft-run endpoint.</summary>
    public const string Draft = "draft";

    /// <summary>One node of the draft, with given inputs.</summary>
    public const string Node = "node";

    /// <summary>A published version, through <c>POST /api/v1/apps/{slug}/run</c>.</summary>
    public const string Api = "api";

    /// <summary>A published version, through the app's page <c>/a/{slug}</c>.</summary>
    public const string Page = "page";

    /// <summary>A published chat app, through the OpenAI gateway (<c>app:{slug}</c>).</summary>
    public const string Gateway = "gateway";

    /// <summary>A published version, as a sub-app node of another app.</summary>
    public const string SubApp = "sub-app";

    /// <summary>A published version, in an evaluation over a dataset.</summary>
    public const string Evaluation = "evaluation";
}
