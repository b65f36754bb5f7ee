using AiPlatform.Core.Access;

namespace AiPlatform.Web.Security;

/// <summary>
/// A user with a generated or reset password may do nothing but choose a new one, however they authenticate: the
/// cookie carries a claim; for tokens, HTTP Basic and IdP bearer tokens the flag comes with the caller's access context
/// (from the node's access cache), so a must-change user can neither call the API nor mint a token before changing the password.
/// </summary>
internal sealed class MustChangePasswordMiddleware(RequestDelegate next)
{
    public const string ChangePasswordPath = "/account/change-password";

    /// <summary>The REST route that changes the caller's password (the one API route open to a must-change user).</summary>
    public const string ChangePasswordApiPath = "/api/v1/me/password";

    public async Task InvokeAsync(HttpContext context, AccessService access)
    {
        if (!await MustChangeAsync(context, access)
            || context.Request.Path.StartsWithSegments("/account")
            || context.Request.Path.Equals(ChangePasswordApiPath, StringComparison.OrdinalIgnoreCase)
            || context.Request.Path.StartsWithSegments("/_framework")
            || context.Request.Path.StartsWithSegments("/_content")
            || context.Request.Path.StartsWithSegments("/css")
            || context.Request.Path.StartsWithSegments("/fonts"))
        {
            await next(context);
            return;
        }

        if (!SecuritySetup.IsCookieAuthenticated(context) || SecuritySetup.IsApi(context.Request))
        {
            await Results.Problem(statusCode: 403, title: "Password change required.", detail: $"Choose a new password first (POST {ChangePasswordApiPath} or {ChangePasswordPath}).", type: Api.ProblemTypes.For("password-change-required")).ExecuteAsync(context);
            return;
        }

        context.Response.Redirect(ChangePasswordPath + "?returnUrl=" + Uri.EscapeDataString(context.Request.Path + context.Request.QueryString));
    }

    private static async Task<bool> MustChangeAsync(HttpContext context, AccessService access)
    {
        if (context.User.Identity?.IsAuthenticated != true)
        {
            return false;
        }

        if (context.User.HasClaim(PlatformClaimTypes.MustChangePassword, "true"))
        {
            return true;
        }

        return !SecuritySetup.IsCookieAuthenticated(context)
            && (await access.FindContextAsync(context.RequestAborted))?.MustChangePassword == true;
    }
}
