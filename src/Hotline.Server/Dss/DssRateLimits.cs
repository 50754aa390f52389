using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Hotline.Server;

/// <summary>
/// A token bucket per USS (its token's <c>sub</c>) on the DSS API: <c>Hotline:Dss:RequestsPerSecondPerUss</c>
/// sustained, <c>BurstPerUss</c> at once; beyond that 429 with Retry-After. Every write goes through one writer, so
/// without it one USS could delay everyone else's.
/// </summary>
internal static class DssRateLimits
{
    public const string Policy = "dss-per-uss";

    // Tokens come back in tenths of a second, so that a USS over its rate waits a tenth, not a whole second.
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    public static IServiceCollection AddDssRateLimits(this IServiceCollection services) => services.AddRateLimiter(limiter =>
    {
        limiter.AddPolicy(Policy, context =>
        {
            var options = context.RequestServices.GetRequiredService<IOptions<DssAuthOptions>>().Value;
            if (options.RequestsPerSecondPerUss <= 0)
            {
                return RateLimitPartition.GetNoLimiter("");
            }

            // Authentication ran first (UseDssAuthentication): an unauthenticated request never gets here.
            var uss = context.TryDssCaller()?.Subject ?? "";
            return RateLimitPartition.GetTokenBucketLimiter(uss, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.BurstPerUss,
                TokensPerPeriod = Math.Max(1, (int)Math.Ceiling(options.RequestsPerSecondPerUss * Period.TotalSeconds)),
                ReplenishmentPeriod = Period,
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        });
        limiter.OnRejected = async (context, cancellationToken) =>
        {
            var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : Period;
            var seconds = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds));
            context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            var message = $"too many requests from this USS: at most {context.HttpContext.RequestServices.GetRequiredService<IOptions<DssAuthOptions>>().Value.RequestsPerSecondPerUss:0.###} per second; retry after {seconds} s";
            await DssApi.Problem(StatusCodes.Status429TooManyRequests, "Too many requests", message).ExecuteAsync(context.HttpContext);
        };
    });
}
