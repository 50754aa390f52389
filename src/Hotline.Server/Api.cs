using Hotline.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Hotline.Server;

/// <summary>The native API under <c>/v1</c>, one group per area.</summary>
internal static class Api
{
    public static IEndpointRouteBuilder MapPartiesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/parties").WithTags("Parties");
        group.MapPost("/", async Task<Results<Created<PartyCreated>, ProblemHttpResult>> (CreatePartyRequest request, HttpContext http, AirspaceHost host, CancellationToken ct) =>
        {
            var attestation = http.Attestation();
            var key = request.PublicKey is null ? null : Mapping.ToPublicKey(request.PublicKey, "publicKey");
            var outcome = await host.Airspace.CreatePartyAsync(http.Caller(), request.Name ?? "", key, attestation, ct);
            http.AddReceipt(outcome.Receipt);
            return outcome.Kind == OutcomeKind.Ok
                ? TypedResults.Created($"/v1/parties/{outcome.Value.Party.Id}", new PartyCreated(outcome.Value.Party.Id, outcome.Value.Party.Name, outcome.Value.Secret))
                : Problems.From(outcome);
        }).WithSummary("Create a party (operator only); the response carries its credential, shown once.");

        group.MapPost("/{id:int}/credentials", async Task<Results<Created<CredentialIssued>, ProblemHttpResult>> (int id, HttpContext http, AirspaceHost host, CancellationToken ct) =>
        {
            var outcome = await host.Airspace.IssueCredentialAsync(http.Caller(), id, http.Attestation(), ct);
            http.AddReceipt(outcome.Receipt);
            return outcome.Kind == OutcomeKind.Ok ? TypedResults.Created($"/v1/parties/{id}", new CredentialIssued(id, outcome.Value!)) : Problems.From(outcome);
        }).WithSummary("Issue another credential to a party (operator only).");

        group.MapGet("/", (AirspaceHost host) => TypedResults.Ok(host.Airspace.Parties().Select(p => new PartyView(p.Id, p.Name)).ToList()))
            .WithSummary("Every party: id and name.");

        app.MapPost("/v1/keys", async Task<Results<Created<PartyKeyView>, ProblemHttpResult>> (RegisterKeyRequest request, HttpContext http, AirspaceHost host, CancellationToken ct) =>
        {
            var attestation = http.Attestation();
            var caller = http.Caller();
            var key = Mapping.ToPublicKey(request.PublicKey ?? throw new RequestException("publicKey", "is required"), "publicKey");
            var outcome = await host.Airspace.AddPartyKeyAsync(caller, key, attestation, ct);
            http.AddReceipt(outcome.Receipt);
            return outcome.Kind == OutcomeKind.Ok
                ? TypedResults.Created($"/v1/parties/{caller.PartyId}/keys", Mapping.ToView(outcome.Value!))
                : Problems.From(outcome);
        }).WithTags("Parties").WithSummary("Register a public key to the calling party; the request must be signed with that key.");

        group.MapGet("/{id:int}/keys", (int id, AirspaceHost host) => TypedResults.Ok(host.Airspace.Keys(id).Select(Mapping.ToView).ToList()))
            .WithSummary("The public keys registered to a party (0: the operator). Anyone may check a signature.");
        return app;
    }

    public static IEndpointRouteBuilder MapReservationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/reservations").WithTags("Reservations");
        group.MapPost("/", async Task<Results<Created<ReservationView>, ProblemHttpResult>> (FileReservationRequest request, HttpContext http, AirspaceHost host, CancellationToken ct) =>
        {
            var airspace = host.Airspace;
            var caller = http.Caller();
            var extents = Mapping.ToVolumes(request.Extents, "extents", airspace.Options.FootprintLimits);
            var state = Mapping.ToState(request.State, ReservationState.Accepted, "state");
            var outcome = await airspace.FileReservationAsync(caller, extents, state, request.CallSign, request.Notes, Mapping.ToAcknowledged(request.Acknowledge), http.Attestation(), ct);
            http.AddReceipt(outcome.Receipt);
            return outcome.Kind == OutcomeKind.Ok
                ? TypedResults.Created($"/v1/reservations/{outcome.Value!.Id}", Mapping.ToView(outcome.Value, caller))
                : Problems.From(outcome);
        }).WithSummary("File a reservation. Refused with 409 and every conflict unless each is acknowledged by id and version.");

        group.MapGet("/", (HttpContext http, AirspaceHost host, bool? mine, bool? includeEnded) =>
        {
            var caller = http.Caller();
            var owner = mine == true ? caller.PartyId ?? -1 : (int?)null;
            return TypedResults.Ok(host.Airspace.ListReservations(owner, includeEnded == true).Select(r => Mapping.ToView(r, caller)).ToList());
        }).WithSummary("Reservations: everyone's (public view) or, with mine=true, the caller's own.");

        group.MapGet("/{id:guid}", Results<Ok<ReservationView>, ProblemHttpResult> (Guid id, HttpContext http, AirspaceHost host) =>
            host.Airspace.GetReservation(id) is { } r
                ? TypedResults.Ok(Mapping.ToView(r, http.Caller()))
                : Problems.Status(StatusCodes.Status404NotFound, "Not found", $"no reservation {id}"))
            .WithSummary("One reservation; call sign and notes only for its owner.");

        group.MapPut("/{id:guid}", async Task<Results<Ok<ReservationView>, ProblemHttpResult>> (Guid id, AmendReservationRequest request, HttpContext http, AirspaceHost host, CancellationToken ct) =>
        {
            var airspace = host.Airspace;
            var caller = http.Caller();
            var version = request.Version ?? throw new RequestException("version", "is required (the version you are changing)");
            var extents = Mapping.ToVolumes(request.Extents, "extents", airspace.Options.FootprintLimits);
            var current = airspace.GetReservation(id);
            var state = Mapping.ToState(request.State, current?.State ?? ReservationState.Accepted, "state");
            var outcome = await airspace.AmendReservationAsync(caller, id, version, extents, state, request.CallSign, request.Notes, Mapping.ToAcknowledged(request.Acknowledge), http.Attestation(), ct);
            http.AddReceipt(outcome.Receipt);
            return outcome.Kind == OutcomeKind.Ok ? TypedResults.Ok(Mapping.ToView(outcome.Value!, caller)) : Problems.From(outcome);
        }).WithSummary("Change a reservation at its current version (owner only).");

        group.MapPost("/{id:guid}/end", async Task<Results<Ok<ReservationView>, ProblemHttpResult>> (Guid id, EndReservationRequest request, HttpContext http, AirspaceHost host, CancellationToken ct) =>
        {
            var caller = http.Caller();
            var version = request.Version ?? throw new RequestException("version", "is required (the version you are ending)");
            var outcome = await host.Airspace.EndReservationAsync(caller, id, version, http.Attestation(), ct);
            http.AddReceipt(outcome.Receipt);
            return outcome.Kind == OutcomeKind.Ok ? TypedResults.Ok(Mapping.ToView(outcome.Value!, caller)) : Problems.From(outcome);
        }).WithSummary("End a reservation (owner only).");
        return app;
    }

    public static IEndpointRouteBuilder MapConstraintsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/constraints").WithTags("Constraints");
        group.MapPost("/", async Task<Results<Created<ConstraintView>, ProblemHttpResult>> (CreateConstraintRequest request, HttpContext http, AirspaceHost host, CancellationToken ct) =>
        {
            var airspace = host.Airspace;
            var extents = Mapping.ToVolumes(request.Extents, "extents", airspace.Options.FootprintLimits);
            var outcome = await airspace.CreateConstraintAsync(http.Caller(), extents, http.Attestation(), ct);
            http.AddReceipt(outcome.Receipt);
            return outcome.Kind == OutcomeKind.Ok ? TypedResults.Created($"/v1/constraints/{outcome.Value!.Id}", Mapping.ToView(outcome.Value, http.Caller())) : Problems.From(outcome);
        }).WithSummary("Close an area for a time (parties only). No reason is asked or kept.");

        group.MapGet("/", (HttpContext http, AirspaceHost host) => TypedResults.Ok(host.Airspace.ListConstraints().Select(c => Mapping.ToView(c, http.Caller())).ToList()))
            .WithSummary("Every constraint.");

        group.MapGet("/{id:guid}", Results<Ok<ConstraintView>, ProblemHttpResult> (Guid id, HttpContext http, AirspaceHost host) =>
            host.Airspace.GetConstraint(id) is { } c ? TypedResults.Ok(Mapping.ToView(c, http.Caller())) : Problems.Status(StatusCodes.Status404NotFound, "Not found", $"no constraint {id}"))
            .WithSummary("One constraint.");

        group.MapDelete("/{id:guid}", async Task<Results<Ok<ConstraintView>, ProblemHttpResult>> (Guid id, HttpContext http, AirspaceHost host, CancellationToken ct) =>
        {
            var outcome = await host.Airspace.DeleteConstraintAsync(http.Caller(), id, http.Attestation(), ct);
            http.AddReceipt(outcome.Receipt);
            return outcome.Kind == OutcomeKind.Ok ? TypedResults.Ok(Mapping.ToView(outcome.Value!)) : Problems.From(outcome);
        }).WithSummary("Withdraw a constraint (owner only).");
        return app;
    }

    /// <summary>
    /// Describes the area query's answer as one of its two shapes, chosen by <c>view</c> (an endpoint's metadata holds
    /// one type per status code, so the document would otherwise show only the last).
    /// </summary>
    public static async Task DescribeAreaQueryViewsAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        if (context.Description.RelativePath != "v1/query"
            || operation.Responses?.TryGetValue("200", out var ok) != true
            || ok!.Content?.TryGetValue("application/json", out var media) != true)
        {
            return;
        }

        // Both shapes as components, referred to by name, as the document refers to every other shape.
        var document = context.Document!;
        foreach (var shape in new[] { typeof(AreaQueryResult), typeof(AreaReferencesResult) })
        {
            if (document.Components?.Schemas?.ContainsKey(shape.Name) != true)
            {
                document.AddComponent(shape.Name, await context.GetOrCreateSchemaAsync(shape, null, cancellationToken).ConfigureAwait(false));
            }
        }

        media!.Schema = new OpenApiSchema
        {
            OneOf = [new OpenApiSchemaReference(nameof(AreaQueryResult), document), new OpenApiSchemaReference(nameof(AreaReferencesResult), document)],
            Description = "AreaQueryResult by default; AreaReferencesResult with view=references.",
        };
    }

    public static IEndpointRouteBuilder MapAirspaceApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/query", Results<Ok<AreaQueryResult>, AreaReferencesAnswer, ProblemHttpResult> (AreaQueryRequest request, HttpContext http, AirspaceHost host, string? view) =>
        {
            var airspace = host.Airspace;
            var caller = http.Caller();
            var area = Mapping.ToVolume(request.Area, "area", airspace.Options.FootprintLimits);
            var (reservations, constraints) = airspace.Query(area);
            return view switch
            {
                null or "full" => TypedResults.Ok(new AreaQueryResult([.. reservations.Select(r => Mapping.ToView(r, caller))], [.. constraints.Select(c => Mapping.ToView(c, caller))])),
                "references" => new AreaReferencesAnswer(reservations, constraints),
                _ => Problems.Invalid("view", $"'{view}' is not a view; use full or references"),
            };
        }).WithTags("Airspace").WithSummary("Reservations and constraints with an extent in a 4D area of interest; view=references answers ids and versions only.");

        app.MapGet("/v1/conflicts", Results<Ok<List<ConflictView>>, ProblemHttpResult> (HttpContext http, AirspaceHost host) =>
        {
            var caller = http.Caller();
            return caller.PartyId is { } party
                ? TypedResults.Ok(host.Airspace.OpenConflicts(party).Select(Mapping.ToView).ToList())
                : Problems.Status(StatusCodes.Status403Forbidden, "Forbidden", "conflicts belong to parties; the operator has none");
        }).WithTags("Airspace").WithSummary("The open conflicts of the caller's reservations.");
        return app;
    }
}
