using System.Text.Json;
using Hotline.Core;
using Hotline.Geo;
using Hotline.Ledger;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Hotline.Server;

/// <summary>The line under <c>/v1/line</c>: messages, suspension, standings, and each party's event stream (paged, or
/// live as Server-Sent Events resumable with <c>Last-Event-ID</c>).</summary>
internal static class LineApi
{
    public static IEndpointRouteBuilder MapLineApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/line").WithTags("Line");
        group.MapPost("/messages", async Task<Results<Created<MessageView>, ProblemHttpResult>> (SendMessageRequest request, HttpContext http, AirspaceHost host, CancellationToken ct) =>
        {
            var attestation = http.Attestation();
            var airspace = host.Airspace;
            var draft = ToDraft(request, airspace.Options.FootprintLimits);
            var outcome = await airspace.SendAsync(http.Caller(), draft, attestation, ct);
            http.AddReceipt(outcome.Receipt);
            return outcome.Kind == OutcomeKind.Ok
                ? TypedResults.Created($"/v1/line/messages/{outcome.Value!.Id}", ToView(outcome.Value, airspace.GetMessage(outcome.Value.Id)?.Status))
                : Problems.From(outcome);
        }).WithSummary("Send a message: DeconflictionRequest, DeconflictionResponse, Notice, Emergency, LineCheck, LineCheckAnswer, Acknowledgement or FreeText.");

        group.MapGet("/messages/{id:guid}", Results<Ok<MessageView>, ProblemHttpResult> (Guid id, HttpContext http, AirspaceHost host) =>
        {
            var party = PartyOf(http.Caller());
            return host.Airspace.GetMessage(id) is { } m && (m.Message.From == party || m.Message.To == party || m.Message.To is null)
                ? TypedResults.Ok(ToView(m.Message, m.Status))
                : Problems.Status(StatusCodes.Status404NotFound, "Not found", $"no message {id} to or from you");
        }).WithSummary("A message to or from the caller (or to all), with its priority, deadline and answer.");

        group.MapPost("/suspend", async Task<Results<Ok<StandingView>, ProblemHttpResult>> (SuspendRequest request, HttpContext http, AirspaceHost host, CancellationToken ct) =>
        {
            var outcome = await host.Airspace.SuspendAsync(http.Caller(), request.Reason ?? "", http.Attestation(), ct);
            http.AddReceipt(outcome.Receipt);
            return outcome.Kind == OutcomeKind.Ok ? TypedResults.Ok(ToView(outcome.Value!)) : Problems.From(outcome);
        }).WithSummary("Suspend the caller's participation, with a reason: everyone is told; only emergencies and line checks pass.");

        group.MapPost("/resume", async Task<Results<Ok<StandingView>, ProblemHttpResult>> (HttpContext http, AirspaceHost host, CancellationToken ct) =>
        {
            var outcome = await host.Airspace.ResumeAsync(http.Caller(), http.Attestation(), ct);
            http.AddReceipt(outcome.Receipt);
            return outcome.Kind == OutcomeKind.Ok ? TypedResults.Ok(ToView(outcome.Value!)) : Problems.From(outcome);
        }).WithSummary("Resume the caller's participation: everyone is told.");

        group.MapGet("/status", (AirspaceHost host) => TypedResults.Ok(host.Airspace.Standings().Select(ToView).ToList()))
            .WithSummary("Every party's standing on the line: suspended (and why), line down (missed line checks).");

        group.MapGet("/events", async Task<Results<Ok<List<EventView>>, ProblemHttpResult>> (HttpContext http, AirspaceHost host, long? after, int? limit, CancellationToken ct) =>
        {
            if (limit is < 1 or > 1000 || after < 0)
            {
                return Problems.Invalid("limit", "after >= 0 and 1 <= limit <= 1000");
            }

            var party = PartyOf(http.Caller());
            var events = await host.Airspace.EventsAsync(party, after ?? 0, limit ?? 100, ct);
            return TypedResults.Ok(events.Select(e => ToView(e, host.Airspace)).ToList());
        }).WithSummary("The caller's events after an id (addressed to it or to all), oldest first: its history, page by page.");

        group.MapGet("/stream", async (HttpContext http, AirspaceHost host, long? after, IOptions<JsonOptions> json, IOptions<HotlineServerOptions> options, LineStreams streams, CancellationToken ct) =>
        {
            var party = PartyOf(http.Caller());
            // Each open stream holds a connection and a waiter: a party gets a bounded number.
            var open = streams.Open.AddOrUpdate(party, 1, (_, n) => n + 1);
            try
            {
                if (open > options.Value.Line.MaxStreamsPerParty)
                {
                    await Problems.Status(StatusCodes.Status429TooManyRequests, "Too many streams",
                        $"party {party} has {open - 1} streams open; at most {options.Value.Line.MaxStreamsPerParty}").ExecuteAsync(http);
                    return;
                }

                await StreamAsync(http, host, party, after, json.Value, ct);
            }
            finally
            {
                streams.Open.AddOrUpdate(party, 0, (_, n) => n - 1);
            }
        }).WithSummary("The caller's events live, as Server-Sent Events; reconnect with Last-Event-ID to resume without loss or duplicates.");
        return app;
    }

    private static async Task StreamAsync(HttpContext http, AirspaceHost host, int party, long? after, JsonOptions json, CancellationToken ct)
    {
        {
            var last = after ?? 0;
            if (long.TryParse(http.Request.Headers["Last-Event-ID"].ToString(), out var resumed) && resumed >= 0)
            {
                last = resumed;
            }

            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
            await http.Response.WriteAsync(": hotline line stream\n\n", ct);
            await http.Response.Body.FlushAsync(ct);
            var airspace = host.Airspace;
            try
            {
                // cursor: every event up to it has been looked at (delivered, or not this party's); read the newest id
                // before looking, so that nothing published meanwhile is skipped.
                var cursor = last;
                while (!ct.IsCancellationRequested)
                {
                    var seen = airspace.LastEventId;
                    var events = await airspace.EventsAsync(party, cursor, 256, ct);
                    foreach (var e in events)
                    {
                        var data = JsonSerializer.Serialize(ToView(e, airspace), json.SerializerOptions);
                        await http.Response.WriteAsync($"id: {e.Id}\nevent: {e.Kind}\ndata: {data}\n\n", ct);
                        cursor = e.Id;
                    }

                    if (events.Count > 0)
                    {
                        await http.Response.Body.FlushAsync(ct);
                        continue;
                    }

                    cursor = Math.Max(cursor, seen);
                    // Wait for newer events anywhere, with a keep-alive comment every 15 s; the wait is cancelled
                    // (not left registered) when it times out.
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    wait.CancelAfter(TimeSpan.FromSeconds(15));
                    try
                    {
                        await airspace.WaitForEventsAsync(seen, wait.Token);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        await http.Response.WriteAsync(": keep-alive\n\n", ct);
                        await http.Response.Body.FlushAsync(ct);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The client went away, or the server is stopping: the client resumes with Last-Event-ID.
            }
        }
    }

    private static int PartyOf(Principal caller) => caller.PartyId ?? LogEntry.OperatorParty;

    private static MessageDraft ToDraft(SendMessageRequest r, FootprintLimits limits)
    {
        var type = Enum.TryParse<MessageType>(r.Type, ignoreCase: false, out var t) && Enum.IsDefined(t)
            ? t
            : throw new RequestException("type", $"'{r.Type}' is not a message type; use {string.Join(", ", Enum.GetNames<MessageType>())}");
        Decision? decision = r.Decision is null
            ? null
            : Enum.TryParse<Decision>(r.Decision, ignoreCase: false, out var d) && Enum.IsDefined(d)
                ? d
                : throw new RequestException("decision", $"'{r.Decision}' is not a decision; use Accept, Decline or Counter");
        Proposal? proposal = null;
        if (r.Proposal is { } p)
        {
            proposal = new Proposal(
                p.ReservationId ?? throw new RequestException("proposal.reservationId", "is required"),
                p.Version ?? throw new RequestException("proposal.version", "is required"),
                Mapping.ToVolumes(p.Extents, "proposal.extents", limits));
        }

        EmergencyInfo? emergency = null;
        if (r.Emergency is { } e)
        {
            var position = e.Position ?? throw new RequestException("emergency.position", "is required");
            try
            {
                LatLng.Check(position.Lat, position.Lng, "emergency.position");
            }
            catch (GeometryException g)
            {
                throw new RequestException("emergency.position", g.Message);
            }

            emergency = new EmergencyInfo(new LatLng(position.Lat, position.Lng), e.Need ?? "");
        }

        return new MessageDraft(r.To, type, r.InReplyTo, r.About, proposal, decision, emergency, r.Text, r.DiscloseLocation);
    }

    public static MessageView ToView(Message m, MessageStatus? s) => new(
        m.Id, m.From, m.To, m.Type.ToString(), m.SentAt,
        (s?.Priority ?? Priority.Routine).ToString(), s?.Deadline, s?.AnsweredAt, s?.AnsweredBy, s?.Escalations ?? 0,
        m.InReplyTo, m.About,
        m.Proposal is { } p ? new ProposalView(p.ReservationId, p.Version, [.. p.Extents.Select(Mapping.ToView)]) : null,
        m.Decision?.ToString(),
        m.Emergency is { } e ? new EmergencyDto(new PositionDto(e.Position.Lat, e.Position.Lng), e.Need) : null,
        m.Text, m.DisclosesLocation, m.LogIndex);

    private static StandingView ToView(LineStanding s) => new(s.Party, s.Suspended, s.Reason, s.Down, s.MissedChecks);

    private static EventView ToView(LineEvent e, Airspace airspace)
    {
        MessageView? message = null;
        if (e.MessageId is { } id && e.Kind is LineEventKind.Message or LineEventKind.Escalation && airspace.GetMessage(id) is { } m)
        {
            message = ToView(m.Message, m.Status);
        }

        return new EventView(e.Id, e.Kind.ToString(), e.At, e.Recipient, e.MessageId, e.Party, e.Reason, e.ReservationId, e.Version,
            e.Conflict is { } c ? Mapping.ToView(c) : null, message);
    }
}

/// <summary>The live streams each party holds open in this host.</summary>
internal sealed class LineStreams
{
    public System.Collections.Concurrent.ConcurrentDictionary<int, int> Open { get; } = new();
}
