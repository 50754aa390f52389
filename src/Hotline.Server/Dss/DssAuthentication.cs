using Microsoft.Extensions.Options;

namespace Hotline.Server;

/// <summary>The OAuth scopes of ASTM F3548-21.</summary>
internal static class DssScopes
{
    public const string StrategicCoordination = "utm.strategic_coordination";
    public const string ConstraintManagement = "utm.constraint_management";
    public const string ConstraintProcessing = "utm.constraint_processing";
    public const string ConformanceMonitoringSa = "utm.conformance_monitoring_sa";
    public const string AvailabilityArbitration = "utm.availability_arbitration";
}

/// <summary>Endpoint metadata: the caller needs a valid DSS token with at least one of these scopes.</summary>
internal sealed record DssScopeRequirement(IReadOnlyList<string> AnyOf);

/// <summary>Checks DSS bearer tokens against the configured keys, audiences and clock.</summary>
internal sealed partial class DssAuthenticator
{
    private readonly DssAuthOptions _options;
    private readonly DssKeys _keys;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Loads the keys; throws <see cref="InvalidDataException"/> when the options or a key file are unusable.</summary>
    public DssAuthenticator(DssAuthOptions options, TimeProvider time, ILogger<DssAuthenticator> logger)
    {
        var problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new InvalidDataException(string.Join("; ", problems));
        }

        _options = options;
        _keys = DssKeys.Load(options);
        _time = time;
        _logger = logger;
    }

    public DssAuthOptions Options => _options;

    /// <summary>Checks the value of an Authorization header.</summary>
    public JwtOutcome Authenticate(string? token)
    {
        var now = _time.GetUtcNow();
        // A USS sends the same token with every request for its hour: a token whose signature was checked is
        // remembered until it expires (the exact string, so a changed byte is checked afresh). Saves an RSA or ECDSA
        // verification per request.
        if (token is not null && _verified.TryGetValue(token, out var known))
        {
            if (now < known.Expires + Skew)
            {
                return new JwtOutcome(known, null);
            }

            _verified.TryRemove(token, out _);
        }

        var outcome = Jwt.Validate(token, _keys, _options, now);
        if (!outcome.IsValid)
        {
            LogRefused(_logger, outcome.Error!);
        }
        else if (token is not null)
        {
            if (_verified.Count >= MaxRemembered)
            {
                _verified.Clear();
            }

            _verified[token] = outcome.Principal!;
        }

        return outcome;
    }

    private const int MaxRemembered = 10_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DssPrincipal> _verified = new(StringComparer.Ordinal);

    private TimeSpan Skew => TimeSpan.FromSeconds(_options.ClockSkewSeconds);

    [LoggerMessage(EventId = 60, Level = LogLevel.Debug, Message = "DSS token refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}

/// <summary>
/// OAuth 2 bearer authentication for the F3548 DSS API under <c>/dss/v1</c>, as F3548 deployments do it: 401 with
/// <c>error="invalid_token"</c> for a bad token, 403 with <c>error="insufficient_scope"</c> for a missing scope.
/// </summary>
internal static class DssAuthentication
{
    private static readonly object CallerKey = new();

    /// <summary>Registers <see cref="DssAuthOptions"/> (section <c>Hotline:Dss</c>) and the authenticator, which loads its keys on first use.</summary>
    public static IServiceCollection AddDssAuthentication(this IServiceCollection services)
    {
        services.AddOptions<DssAuthOptions>().BindConfiguration(DssAuthOptions.Section);
        services.AddSingleton(sp => new DssAuthenticator(
            sp.GetRequiredService<IOptions<DssAuthOptions>>().Value,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILogger<DssAuthenticator>>()));
        return services;
    }

    /// <summary>
    /// Requires a valid DSS token carrying at least one of <paramref name="anyOf"/> on these endpoints. The endpoint
    /// filter alone enforces it; <see cref="UseDssAuthentication"/> also makes it run before the body is read.
    /// </summary>
    public static TBuilder RequireDssScope<TBuilder>(this TBuilder builder, params string[] anyOf)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentOutOfRangeException.ThrowIfZero(anyOf.Length, nameof(anyOf));
        var requirement = new DssScopeRequirement([.. anyOf]);
        builder.WithMetadata(requirement);
        return builder.AddEndpointFilter(async (context, next) =>
            Check(context.HttpContext, requirement) ?? await next(context));
    }

    /// <summary>
    /// Checks <see cref="RequireDssScope"/> endpoints as soon as they are routed, before parameter binding reads
    /// the body: an unauthenticated caller learns nothing, not even whether its request was well formed.
    /// </summary>
    public static IApplicationBuilder UseDssAuthentication(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var requirements = context.GetEndpoint()?.Metadata.GetOrderedMetadata<DssScopeRequirement>() ?? [];
        foreach (var requirement in requirements)
        {
            var refusal = Check(context, requirement);
            if (refusal is not null)
            {
                await refusal.ExecuteAsync(context);
                return;
            }
        }

        await next(context);
    });

    /// <summary>The authenticated DSS caller of this request, or null before authentication.</summary>
    public static DssPrincipal? TryDssCaller(this HttpContext context) => context.Items[CallerKey] as DssPrincipal;

    /// <summary>The authenticated DSS caller of this request.</summary>
    public static DssPrincipal DssCaller(this HttpContext context) =>
        context.Items[CallerKey] as DssPrincipal ?? throw new InvalidOperationException("no authenticated DSS caller");

    /// <summary>Null when the caller may pass, else the problem to answer with.</summary>
    private static IResult? Check(HttpContext context, DssScopeRequirement requirement)
    {
        if (context.Items[CallerKey] is not DssPrincipal caller)
        {
            var authenticator = context.RequestServices.GetRequiredService<DssAuthenticator>();
            var outcome = ReadBearer(context.Request, out var token) is { } malformed
                ? JwtOutcome.Refused(malformed)
                : authenticator.Authenticate(token);
            if (!outcome.IsValid)
            {
                var missing = token is null;
                context.Response.Headers.WWWAuthenticate = missing
                    ? "Bearer" // RFC 6750 §3.1: no error code when the request carries no credential at all.
                    : $"Bearer error=\"invalid_token\", error_description=\"{HeaderSafe(outcome.Error!)}\"";
                // "message" too: F3548's ErrorResponse, beside the RFC 9457 members.
                return Problems.Status(StatusCodes.Status401Unauthorized, missing ? "Unauthorized" : "Invalid token", outcome.Error!,
                    new Dictionary<string, object?> { ["message"] = outcome.Error });
            }

            caller = outcome.Principal!;
            context.Items[CallerKey] = caller;
        }

        if (!requirement.AnyOf.Any(caller.Scopes.Contains))
        {
            var needed = string.Join(' ', requirement.AnyOf);
            context.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{HeaderSafe(needed)}\"";
            var why = $"this operation needs a token with one of the scopes: {needed}";
            return Problems.Status(
                StatusCodes.Status403Forbidden,
                "Insufficient scope",
                why,
                new Dictionary<string, object?> { ["requiredScopes"] = requirement.AnyOf, ["message"] = why });
        }

        return null;
    }

    /// <summary>Null with the token, or why the Authorization header is unusable (token null when it is absent).</summary>
    private static string? ReadBearer(HttpRequest request, out string? token)
    {
        token = null;
        var values = request.Headers.Authorization;
        if (values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return "a bearer token is required";
        }

        token = "";
        if (values.Count > 1)
        {
            return "more than one Authorization header";
        }

        var header = values[0]!;
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return "the Authorization header is not a Bearer credential";
        }

        token = header[Scheme.Length..].Trim();
        return null;
    }

    /// <summary>Text allowed in an RFC 6750 quoted auth-param (no quote, no backslash, printable ASCII).</summary>
    private static string HeaderSafe(string text) =>
        new([.. text.Select(c => c is >= ' ' and <= '~' and not '"' and not '\\' ? c : '?')]);
}
