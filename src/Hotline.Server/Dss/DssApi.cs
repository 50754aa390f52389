using System.Text.Json;
using System.Text.Json.Nodes;
using Hotline.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Hotline.Server;

/// <summary>
/// The ASTM F3548-21 DSS API (<c>/dss/v1</c>) over the airspace: operational intent and constraint references,
/// subscriptions, USS availability and reports, with the standard's scopes per endpoint. Served when
/// <c>Hotline:Dss:Audiences</c> is configured.
/// </summary>
internal static class DssApi
{
    private const string Sc = DssScopes.StrategicCoordination;
    private const string Cm = DssScopes.ConstraintManagement;
    private const string Cp = DssScopes.ConstraintProcessing;
    private const string Cmsa = DssScopes.ConformanceMonitoringSa;
    private const string Aa = DssScopes.AvailabilityArbitration;

    /// <summary>This implementation's answer to <c>/aux/v1/version</c>.</summary>
    public static string Version { get; } = "hotline-" + (typeof(DssApi).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    public static WebApplication MapDssApi(this WebApplication app)
    {
        app.MapGet("/aux/v1/version", () => Results.Json(new DssVersionResponse(Version), DssJson.Options)).WithTags("F3548 DSS");
        var settings = app.Services.GetRequiredService<IOptions<DssAuthOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Hotline.Server.Dss");
        if (!settings.Enabled)
        {
            DssLog.Off(logger);
            return app;
        }

        DssLog.On(logger, string.Join(", ", settings.Audiences), settings.RegisterUnknownUss);

        var dss = app.MapGroup("/dss/v1").WithTags("F3548 DSS").RequireRateLimiting(DssRateLimits.Policy);
        var intents = dss.MapGroup("/operational_intent_references");
        intents.MapPost("/query", QueryIntentsAsync).RequireDssScope(Sc, Cmsa);
        intents.MapGet("/{entityid}", GetIntentAsync).RequireDssScope(Sc, Cmsa);
        intents.MapPut("/{entityid}", (HttpContext http, string entityid, CancellationToken ct) => PutIntentAsync(http, entityid, null, ct)).RequireDssScope(Sc, Cmsa);
        intents.MapPut("/{entityid}/{ovn}", (HttpContext http, string entityid, string ovn, CancellationToken ct) => PutIntentAsync(http, entityid, ovn, ct)).RequireDssScope(Sc, Cmsa);
        intents.MapDelete("/{entityid}/{ovn}", DeleteIntentAsync).RequireDssScope(Sc, Cmsa);

        var constraints = dss.MapGroup("/constraint_references");
        constraints.MapPost("/query", QueryConstraintsAsync).RequireDssScope(Cm, Cp);
        constraints.MapGet("/{entityid}", GetConstraintAsync).RequireDssScope(Cm, Cp);
        constraints.MapPut("/{entityid}", (HttpContext http, string entityid, CancellationToken ct) => PutConstraintAsync(http, entityid, null, ct)).RequireDssScope(Cm);
        constraints.MapPut("/{entityid}/{ovn}", (HttpContext http, string entityid, string ovn, CancellationToken ct) => PutConstraintAsync(http, entityid, ovn, ct)).RequireDssScope(Cm);
        constraints.MapDelete("/{entityid}/{ovn}", DeleteConstraintAsync).RequireDssScope(Cm);

        var subscriptions = dss.MapGroup("/subscriptions");
        subscriptions.MapPost("/query", QuerySubscriptionsAsync).RequireDssScope(Sc, Cp);
        subscriptions.MapGet("/{subscriptionid}", GetSubscriptionAsync).RequireDssScope(Sc, Cp);
        subscriptions.MapPut("/{subscriptionid}", (HttpContext http, string subscriptionid, CancellationToken ct) => PutSubscriptionAsync(http, subscriptionid, null, ct)).RequireDssScope(Sc, Cp);
        subscriptions.MapPut("/{subscriptionid}/{version}", (HttpContext http, string subscriptionid, string version, CancellationToken ct) => PutSubscriptionAsync(http, subscriptionid, version, ct)).RequireDssScope(Sc, Cp);
        subscriptions.MapDelete("/{subscriptionid}/{version}", DeleteSubscriptionAsync).RequireDssScope(Sc, Cp);

        dss.MapPost("/reports", ReportAsync).RequireDssScope(Cm, Cp, Sc, Cmsa, Aa);
        dss.MapPut("/uss_availability/{uss_id}", SetAvailabilityAsync).RequireDssScope(Aa);
        dss.MapGet("/uss_availability/{uss_id}", GetAvailabilityAsync).RequireDssScope(Aa, Sc, Cmsa);
        return app;
    }

    // ---- operational intent references ----------------------------------------------------------------------

    private static Task<IResult> QueryIntentsAsync(HttpContext http, CancellationToken ct) => RunAsync(http, ct, async call =>
    {
        var query = await call.ReadAsync<DssAreaQuery>();
        var area = call.Map.Area(query.AreaOfInterest, "area_of_interest", call.Now, Forever);
        var found = call.Airspace.Query(area).Reservations;
        return Json(new DssQueryOperationalIntentsResponse([.. found.OrderBy(r => r.Id).Select(r => call.Map.View(r, call.Party))]));
    });

    private static Task<IResult> GetIntentAsync(HttpContext http, string entityid, CancellationToken ct) => RunAsync(http, ct, call =>
    {
        var id = DssMapping.Id(entityid, "entityid");
        return Task.FromResult(call.Airspace.GetReservation(id) is { State: not ReservationState.Ended } r
            ? Json(new DssGetOperationalIntentResponse(call.Map.View(r, call.Party)))
            : Problem(StatusCodes.Status404NotFound, "Not found", $"no operational intent {id}"));
    });

    private static Task<IResult> PutIntentAsync(HttpContext http, string entityid, string? ovn, CancellationToken ct) => RunAsync(http, ct, async call =>
    {
        var id = DssMapping.Id(entityid, "entityid");
        var body = await call.ReadAsync<DssPutOperationalIntent>();
        var state = DssMapping.State(body.State);
        var needed = state is ReservationState.Accepted or ReservationState.Activated ? Sc : Cmsa;
        if (!call.Scopes.Contains(needed))
        {
            return Scope(needed, $"an operational intent in the {state} state");
        }

        var url = call.BaseUrl(body.UssBaseUrl, "uss_base_url");
        ImplicitSubscriptionRequest? implicitSubscription = null;
        if (body.NewSubscription is { } wanted && body.SubscriptionId is null)
        {
            if (wanted.NotifyForConstraints == true && !call.Scopes.Contains(Cp))
            {
                return Scope(Cp, "notify_for_constraints");
            }

            implicitSubscription = new ImplicitSubscriptionRequest(call.BaseUrl(wanted.UssBaseUrl, "new_subscription.uss_base_url"), wanted.NotifyForConstraints == true);
        }

        var request = new OperationalIntentRequest(
            call.Map.Extents(body.Extents),
            state,
            (body.Key ?? []).Where(k => k is not null).Select(k => k!).ToHashSet(StringComparer.Ordinal),
            url,
            body.SubscriptionId is null ? null : DssMapping.Id(body.SubscriptionId, "subscription_id"),
            implicitSubscription,
            body.RequestedOvnSuffix is null ? null : DssMapping.Id(body.RequestedOvnSuffix, "requested_ovn_suffix"));
        var outcome = await call.Airspace.PutOperationalIntentAsync(call.Party, id, ovn, request, call.Attestation, ct);
        return call.Answer(outcome, updating: ovn is not null, IntentChanged, ovn is null ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    });

    private static Task<IResult> DeleteIntentAsync(HttpContext http, string entityid, string ovn, CancellationToken ct) => RunAsync(http, ct, async call =>
    {
        var id = DssMapping.Id(entityid, "entityid");
        return call.Answer(await call.Airspace.DeleteOperationalIntentAsync(call.Party, id, ovn, call.Attestation, ct), updating: false, IntentChanged);
    });

    // ---- constraint references ------------------------------------------------------------------------------

    private static Task<IResult> QueryConstraintsAsync(HttpContext http, CancellationToken ct) => RunAsync(http, ct, async call =>
    {
        var query = await call.ReadAsync<DssAreaQuery>();
        var area = call.Map.Area(query.AreaOfInterest, "area_of_interest", call.Now, Forever);
        var found = call.Airspace.Query(area).Constraints;
        return Json(new DssQueryConstraintsResponse([.. found.OrderBy(c => c.Id).Select(c => call.Map.View(c, call.Party))]));
    });

    private static Task<IResult> GetConstraintAsync(HttpContext http, string entityid, CancellationToken ct) => RunAsync(http, ct, call =>
    {
        var id = DssMapping.Id(entityid, "entityid");
        return Task.FromResult(call.Airspace.GetConstraint(id) is { } c
            ? Json(new DssGetConstraintResponse(call.Map.View(c, call.Party)))
            : Problem(StatusCodes.Status404NotFound, "Not found", $"no constraint {id}"));
    });

    private static Task<IResult> PutConstraintAsync(HttpContext http, string entityid, string? ovn, CancellationToken ct) => RunAsync(http, ct, async call =>
    {
        var id = DssMapping.Id(entityid, "entityid");
        var body = await call.ReadAsync<DssPutConstraint>();
        var extents = call.Map.Extents(body.Extents);
        var url = call.BaseUrl(body.UssBaseUrl, "uss_base_url");
        var outcome = await call.Airspace.PutConstraintReferenceAsync(call.Party, id, ovn, extents, url, call.Attestation, ct);
        return call.Answer(outcome, updating: ovn is not null, ConstraintChanged, ovn is null ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    });

    private static Task<IResult> DeleteConstraintAsync(HttpContext http, string entityid, string ovn, CancellationToken ct) => RunAsync(http, ct, async call =>
    {
        var id = DssMapping.Id(entityid, "entityid");
        return call.Answer(await call.Airspace.DeleteConstraintReferenceAsync(call.Party, id, ovn, call.Attestation, ct), updating: false, ConstraintChanged);
    });

    // ---- subscriptions --------------------------------------------------------------------------------------

    private static Task<IResult> QuerySubscriptionsAsync(HttpContext http, CancellationToken ct) => RunAsync(http, ct, async call =>
    {
        var query = await call.ReadAsync<DssAreaQuery>();
        var area = call.Map.Area(query.AreaOfInterest, "area_of_interest", call.Now, Forever);
        return Json(new DssQuerySubscriptionsResponse([.. call.Airspace.QuerySubscriptions(call.Party, area).Select(call.Map.View)]));
    });

    private static Task<IResult> GetSubscriptionAsync(HttpContext http, string subscriptionid, CancellationToken ct) => RunAsync(http, ct, call =>
    {
        var id = DssMapping.Id(subscriptionid, "subscriptionid");
        var subscription = call.Airspace.GetSubscription(id);
        return Task.FromResult(subscription switch
        {
            null => Problem(StatusCodes.Status404NotFound, "Not found", $"no subscription {id}"),
            _ when subscription.Owner != call.Party => Problem(StatusCodes.Status403Forbidden, "Forbidden", $"subscription {id} is managed by another USS"),
            _ => Json(new DssGetSubscriptionResponse(call.Map.View(subscription))),
        });
    });

    private static Task<IResult> PutSubscriptionAsync(HttpContext http, string subscriptionid, string? version, CancellationToken ct) => RunAsync(http, ct, async call =>
    {
        var id = DssMapping.Id(subscriptionid, "subscriptionid");
        long? expected = null;
        if (version is not null)
        {
            if (!long.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v))
            {
                // Not a version this DSS ever gave: it cannot be the current one.
                return Problem(StatusCodes.Status409Conflict, "Version mismatch", "the version given is not the current version of this subscription");
            }

            expected = v;
        }

        var body = await call.ReadAsync<DssPutSubscription>();
        var forIntents = body.NotifyForOperationalIntents == true;
        var forConstraints = body.NotifyForConstraints == true;
        if (forIntents && !call.Scopes.Contains(Sc))
        {
            return Scope(Sc, "notify_for_operational_intents");
        }

        if (forConstraints && !call.Scopes.Contains(Cp))
        {
            return Scope(Cp, "notify_for_constraints");
        }

        var area = call.Map.Area(body.Extents, "extents", call.Now, Airspace.MaxSubscriptionDuration);
        var request = new SubscriptionRequest(area, call.BaseUrl(body.UssBaseUrl, "uss_base_url"), forIntents, forConstraints);
        var outcome = await call.Airspace.PutSubscriptionAsync(call.Party, id, expected, request, call.Attestation, ct);
        return call.Answer(outcome, updating: version is not null, (c, written) => new DssPutSubscriptionResponse(
            c.Map.View(written.Subscription),
            [.. written.OperationalIntents.OrderBy(r => r.Id).Select(r => c.Map.View(r, c.Party))],
            [.. written.Constraints.OrderBy(x => x.Id).Select(x => c.Map.View(x, c.Party))]), othersAs409: true);
    });

    private static Task<IResult> DeleteSubscriptionAsync(HttpContext http, string subscriptionid, string version, CancellationToken ct) => RunAsync(http, ct, async call =>
    {
        var id = DssMapping.Id(subscriptionid, "subscriptionid");
        if (!long.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var expected))
        {
            return Problem(StatusCodes.Status409Conflict, "Version mismatch", "the version given is not the current version of this subscription");
        }

        var outcome = await call.Airspace.DeleteSubscriptionAsync(call.Party, id, expected, call.Attestation, ct);
        return call.Answer(outcome, updating: false, (c, deleted) => new DssGetSubscriptionResponse(c.Map.View(deleted)), othersAs409: true);
    });

    // ---- availability and reports ---------------------------------------------------------------------------

    private static Task<IResult> SetAvailabilityAsync(HttpContext http, string uss_id, CancellationToken ct) => RunAsync(http, ct, async call =>
    {
        var body = await call.ReadAsync<DssSetAvailability>();
        var availability = DssMapping.Availability(body.Availability);
        long old = 0;
        if (!string.IsNullOrEmpty(body.OldVersion)
            && !long.TryParse(body.OldVersion, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out old))
        {
            return Problem(StatusCodes.Status409Conflict, "Version mismatch", "old_version is not the current version of this USS's availability");
        }

        var outcome = await call.Airspace.SetUssAvailabilityAsync(call.Party, uss_id, old, availability, call.Attestation, ct);
        return call.Answer(outcome, updating: true, (_, status) => AvailabilityView(status));
    });

    private static Task<IResult> GetAvailabilityAsync(HttpContext http, string uss_id, CancellationToken ct) => RunAsync(http, ct, call =>
        Task.FromResult(Json(AvailabilityView(call.Airspace.Availability(uss_id)))));

    private static DssAvailabilityResponse AvailabilityView(UssAvailabilityStatus status) =>
        new(new DssAvailabilityStatus(status.Uss, status.Availability.ToString()), status.Version == 0 ? "" : status.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static Task<IResult> ReportAsync(HttpContext http, CancellationToken ct) => RunAsync(http, ct, async call =>
    {
        JsonObject report;
        try
        {
            report = JsonNode.Parse(call.Body) as JsonObject ?? throw new DssInputException("body", "a report is a JSON object");
        }
        catch (JsonException e)
        {
            throw new DssInputException("body", $"not JSON: {e.Message}");
        }

        if (report["exchange"] is not JsonObject)
        {
            throw new DssInputException("exchange", "is required (the request and response of the exchange that went wrong)");
        }

        var outcome = await call.Airspace.RecordDssReportAsync(call.Party, call.Attestation, ct);
        if (outcome.Kind != OutcomeKind.Ok)
        {
            return call.Refused(outcome, updating: false);
        }

        http.AddReceipt(outcome.Receipt);
        report["report_id"] = outcome.Value.ToString();
        return Results.Json(report, DssJson.Options, statusCode: StatusCodes.Status201Created);
    });

    private static DssChangeOperationalIntentResponse IntentChanged(DssCall call, DssChange<Reservation> change) =>
        new(DssMapping.Subscribers(change.Notify), call.Map.View(change.Entity, call.Party));

    private static DssChangeConstraintResponse ConstraintChanged(DssCall call, DssChange<Constraint> change) =>
        new(DssMapping.Subscribers(change.Notify), call.Map.View(change.Entity, call.Party));

    // ---- plumbing -------------------------------------------------------------------------------------------

    private static readonly TimeSpan Forever = TimeSpan.FromDays(365 * 100);

    private static IResult Json<T>(T value, int status = StatusCodes.Status200OK) => Results.Json(value, DssJson.Options, statusCode: status);

    public static IResult Problem(int status, string title, string message, string? field = null) =>
        Results.Json(new DssProblem("about:blank", title, status, message, message, field), DssJson.Options, "application/problem+json", status);

    private static IResult Scope(string scope, string what)
    {
        return Results.Json(
            new DssProblem("about:blank", "Insufficient scope", StatusCodes.Status403Forbidden, $"{what} needs the scope {scope}", $"{what} needs the scope {scope}"),
            DssJson.Options, "application/problem+json", StatusCodes.Status403Forbidden);
    }

    /// <summary>Runs a DSS handler for the authenticated USS: finds (or registers) its party, turns bad input into 400s.</summary>
    private static async Task<IResult> RunAsync(HttpContext http, CancellationToken ct, Func<DssCall, Task<IResult>> handle)
    {
        var host = http.RequestServices.GetRequiredService<AirspaceHost>();
        var options = http.RequestServices.GetRequiredService<IOptions<DssAuthOptions>>().Value;
        var caller = http.DssCaller();
        var airspace = host.Airspace;
        var party = airspace.PartyNamed(caller.Subject);
        if (party is null && options.RegisterUnknownUss)
        {
            var body = System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { name = caller.Subject }));
            await airspace.CreatePartyAsync(Principal.Operator, caller.Subject, null, airspace.Vouch("POST", "/v1/parties", body), ct);
            party = airspace.PartyNamed(caller.Subject); // registered now, by this request or a concurrent one
        }

        if (party is null)
        {
            return Problem(StatusCodes.Status403Forbidden, "Unknown USS",
                $"the USS '{caller.Subject}' (the token's sub) is not a party of this deployment: the operator creates it with `hotline party create {caller.Subject}`");
        }

        var call = new DssCall(http, airspace, party.Id, caller.Scopes, options,
            new DssMapping(airspace, host.Airspace.Options.FootprintLimits, options.NativeUssBaseUrl.TrimEnd('/')),
            http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow());
        try
        {
            await call.LoadBodyAsync(ct);
            return await handle(call);
        }
        catch (DssInputException e)
        {
            return Problem(e.Status, e.Status == StatusCodes.Status413PayloadTooLarge ? "Area too large" : "Invalid request", e.Message, e.Field);
        }
    }

    /// <summary>One DSS request: who asks, what it sent, and how to answer.</summary>
    private sealed class DssCall(HttpContext http, Airspace airspace, int party, IReadOnlySet<string> scopes, DssAuthOptions options, DssMapping map, DateTimeOffset now)
    {
        private Attestation? _attestation;

        public Airspace Airspace => airspace;

        public int Party => party;

        public IReadOnlySet<string> Scopes => scopes;

        public DssMapping Map => map;

        public DateTimeOffset Now => now;

        public byte[] Body { get; private set; } = [];

        /// <summary>The USS's own signature when it sent one (<c>Hotline-Signature</c>), else the airspace's word for it.</summary>
        public Attestation Attestation => _attestation ??= airspace.Vouch(
            http.Request.Method,
            http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.ToUriComponent() + http.Request.QueryString,
            Body);

        public async Task LoadBodyAsync(CancellationToken ct)
        {
            if (http.SignedAttestation() is { } signed)
            {
                _attestation = signed;
                Body = signed.Body.ToArray();
                return;
            }

            if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsDelete(http.Request.Method))
            {
                return;
            }

            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, ct);
            Body = buffer.ToArray();
        }

        public Task<T> ReadAsync<T>()
            where T : class
        {
            if (Body.Length == 0)
            {
                throw new DssInputException("body", "a JSON body is required");
            }

            try
            {
                return Task.FromResult(JsonSerializer.Deserialize<T>(Body, DssJson.Options) ?? throw new DssInputException("body", "a JSON object is required"));
            }
            catch (JsonException e)
            {
                throw new DssInputException(string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.'), $"malformed JSON: {e.Message}");
            }
        }

        public string BaseUrl(string? url, string field) =>
            options.CheckBaseUrl(url) is { } problem ? throw new DssInputException(field, problem) : url!;

        /// <summary>An accepted write (its receipt in the headers and <paramref name="view"/> of its value, with
        /// <paramref name="status"/>), or the refusal as the standard answers it.</summary>
        public IResult Answer<T, TView>(Outcome<T> outcome, bool updating, Func<DssCall, T, TView> view, int status = StatusCodes.Status200OK, bool othersAs409 = false)
        {
            if (outcome.Kind != OutcomeKind.Ok)
            {
                return Refused(outcome, updating, othersAs409);
            }

            http.AddReceipt(outcome.Receipt);
            return Results.Json(view(this, outcome.Value!), DssJson.Options, statusCode: status);
        }

        /// <summary>A refused write as the standard answers it. <paramref name="othersAs409"/>: the standard answers a
        /// write to another client's subscription with 409, not 403.</summary>
        public IResult Refused<T>(Outcome<T> outcome, bool updating, bool othersAs409 = false) => outcome.Kind switch
        {
            OutcomeKind.Forbidden when othersAs409 => Problem(StatusCodes.Status409Conflict, "Managed by another USS", outcome.Detail ?? "managed by another USS"),
            OutcomeKind.Invalid => Problem(StatusCodes.Status400BadRequest, "Invalid request", $"{outcome.Field}: {outcome.Detail}", outcome.Field),
            // The standard's updates (PUT at a version) answer 400 for a missing entity; reads and deletes 404.
            OutcomeKind.NotFound => Problem(updating ? StatusCodes.Status400BadRequest : StatusCodes.Status404NotFound, "Not found", outcome.Detail ?? "not found"),
            OutcomeKind.Forbidden => Problem(StatusCodes.Status403Forbidden, "Forbidden", outcome.Detail ?? "forbidden"),
            OutcomeKind.VersionMismatch => Problem(StatusCodes.Status409Conflict, "Version mismatch", outcome.Detail ?? "version mismatch"),
            OutcomeKind.Duplicate => Problem(StatusCodes.Status409Conflict, "Already received", outcome.Detail ?? "already received"),
            OutcomeKind.PreconditionFailed => Problem(StatusCodes.Status412PreconditionFailed, "USS is Down", outcome.Detail ?? "precondition failed"),
            OutcomeKind.BadSignature => Problem(StatusCodes.Status401Unauthorized, "Bad signature", outcome.Detail ?? "bad signature"),
            OutcomeKind.Conflicts => Results.Json(
                new DssProblem("about:blank", "Missing OVNs", StatusCodes.Status409Conflict, outcome.Detail!, outcome.Detail!, "key",
                    [.. outcome.Missing!.OperationalIntents.Select(r => map.View(r, party))],
                    [.. outcome.Missing.Constraints.Select(c => map.View(c, party))]),
                DssJson.Options, "application/problem+json", StatusCodes.Status409Conflict),
            _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome.Kind, "not an error"),
        };
    }
}

/// <summary>What the host says about the DSS API when it starts.</summary>
internal static partial class DssLog
{
    [LoggerMessage(EventId = 61, Level = LogLevel.Information, Message = "F3548 DSS API off: set Hotline:Dss:Audiences (and the token authority's keys) to serve /dss/v1")]
    public static partial void Off(ILogger logger);

    [LoggerMessage(EventId = 62, Level = LogLevel.Information, Message = "F3548 DSS API on at /dss/v1 for audience(s) {Audiences}; unknown USSs registered on first use: {Register}")]
    public static partial void On(ILogger logger, string audiences, bool register);
}
