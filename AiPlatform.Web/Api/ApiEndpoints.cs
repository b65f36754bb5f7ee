using AiPlatform.Web.Api.OpenAi;
using AiPlatform.Web.Api.Mlflow;
using AiPlatform.Web.Features.Admin;
using AiPlatform.Web.Features.Chat;
using AiPlatform.Web.Features.Dashboard;
using AiPlatform.Web.Features.Tracking;
using AiPlatform.Web.Features.Knowledge;
using AiPlatform.Web.Features.Training;
using AiPlatform.Web.Features.Data;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Features.Registry;
using AiPlatform.Web.Features.Projects;
using AiPlatform.Web.Features.Serving;
using AiPlatform.Web.Features.Jobs;
using AiPlatform.Web.Api.Oip;
using AiPlatform.Web.Features.Localization;
using AiPlatform.Web.Features.Apps;

namespace AiPlatform.Web.Api;

public static class ApiEndpoints
{
    /// <summary>Maps every feature's REST endpoints, by name, so a reader finds them all here.</summary>
    public static void MapApi(this IEndpointRouteBuilder app)
    {
        app.MapMeEndpoints();
        app.MapPreferenceEndpoints();
        app.MapAdminEndpoints();
        app.MapProjectEndpoints();
        app.MapDatasetEndpoints();
        app.MapSqlEndpoints();
        app.MapDataSourceEndpoints();
        app.MapDashboardEndpoints();
        app.MapJobEndpoints();
        app.MapExperimentEndpoints();
        app.MapMlflowEndpoints();
        app.MapTrainingEndpoints();
        app.MapStudyEndpoints();
        app.MapModelEndpoints();
        app.MapServingEndpoints();
        app.MapOipEndpoints();
        app.MapChatEndpoints();
        app.MapOpenAiEndpoints();
        app.MapKnowledgeEndpoints();
        app.MapAppEndpoints();
        app.MapAppKeyEndpoints(); // i18/keys
        app.MapAppSecretEndpoints();
        app.MapAppDeploymentEndpoints(); // i18/k8s
        // i18/eval
        app.MapAppEvaluationEndpoints();
        // end i18/eval
        app.MapAppMonitoringEndpoints(); // i18/mon
        app.MapGroup("/api").MapFallback(() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: "No API endpoint matches this path.", type: ProblemTypes.For("not-found")))
            .ExcludeFromDescription();
    }
}
