using AiPlatform.Core.Access;

namespace AiPlatform.Web.Security;

/// <summary>A user signed in with a generated or reset password may do nothing but choose a new one.</summary>
internal sealed class MustChangePasswordMiddleware(RequestDelegate next)
{
    public const string ChangePasswordPath = "/account/change-password";

    public Task InvokeAsync(HttpContext context)
    {
        if (!context.User.HasClaim(PlatformClaimTypes.MustChangePassword, "true")
            || context.Request.Path.StartsWithSegments("/account")
            || context.Request.Path.StartsWithSegments("/_framework")
            || context.Request.Path.StartsWithSegments("/_content")
            || context.Request.Path.StartsWithSegments("/css")
            || context.Request.Path.StartsWithSegments("/fonts"))
        {
            return next(context);
        }

        if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/v2"))
        {
            return Results.Problem(statusCode: 403, title: "Password change required.", detail: "Choose a new password at /account/change-password first.", type: Api.ProblemTypes.For("password-change-required")).ExecuteAsync(context);
        }

        context.Response.Redirect(ChangePasswordPath + "?returnUrl=" + Uri.EscapeDataString(context.Request.Path + context.Request.QueryString));
        return Task.CompletedTask;
    }
}
