using Hotline.Core;

namespace Hotline.Server;

/// <summary>
/// Bearer credentials on every <c>/v1</c> call, checked before the body is read: an unauthenticated caller learns
/// nothing, not even whether its request was well formed.
/// </summary>
internal static class Authentication
{
    private static readonly object PrincipalKey = new();

    public static IApplicationBuilder UseBearerCredentials(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        // Routing ignores case, so the check must too.
        if (!context.Request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }

        var host = context.RequestServices.GetRequiredService<AirspaceHost>();
        var header = context.Request.Headers.Authorization.ToString();
        var principal = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && host.IsReady
            ? host.Airspace.Authenticate(header["Bearer ".Length..].Trim())
            : null;
        if (principal is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized", "a valid bearer credential is required").ExecuteAsync(context);
            return;
        }

        context.Items[PrincipalKey] = principal;
        await next(context);
    });

    /// <summary>The authenticated caller of this request.</summary>
    public static Principal Caller(this HttpContext context) =>
        context.Items[PrincipalKey] as Principal ?? throw new InvalidOperationException("no authenticated caller");
}
