using System.Globalization;
using System.Text;
using Hotline.Core;
using Hotline.Ledger;

namespace Hotline.Server;

/// <summary>
/// The transparency log, read-only and public, in the C2SP tlog-tiles layout under <c>/log</c> (so C2SP tools can
/// mirror it), with proofs for light clients. Entries hold no geometry and no private field (see docs/log.md),
/// which is why the log can be public. The request body behind an entry is given to its sender and the operator.
/// </summary>
internal static class LogApi
{
    private const string Text = "text/plain; charset=utf-8";

    public static IEndpointRouteBuilder MapLogApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/log").WithTags("Log");
        group.MapGet("/checkpoint", (LogPublisher log, HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "no-cache";
            return log.Latest is { } latest
                ? Results.Text(latest.Note, Text)
                : Problems.Status(StatusCodes.Status503ServiceUnavailable, "Unavailable", "the log has no checkpoint yet");
        }).WithSummary("The latest signed checkpoint (C2SP tlog-checkpoint), with any witness cosignatures.");

        group.MapGet("/key", (LogPublisher log) => Results.Text(log.VerifierKey + "\n", Text))
            .WithSummary("The log's verifier key. Check it out of band: whoever holds it can check every checkpoint.");

        group.MapGet("/tile/{**path}", async (string path, LogPublisher log, AirspaceHost host, HttpContext http, CancellationToken ct) =>
        {
            if (!TilePath.TryParse("tile/" + path, out var tile))
            {
                return Problems.Status(StatusCodes.Status404NotFound, "Not found", $"tile/{path} is not a tile path");
            }

            var size = log.Latest?.Checkpoint.Size ?? 0;
            var first = tile.Index * TilePath.FullWidth;
            // A tile exists once the published checkpoint covers its last hash (or entry); full tiles never change.
            // (A shift of 64 or more would wrap around in C#: no tree has a node that high.)
            var shift = TilePath.Height * tile.Level;
            var available = tile.IsEntries ? size : shift >= 64 ? 0 : size >> shift;
            if (first + tile.Width > available)
            {
                return Problems.Status(StatusCodes.Status404NotFound, "Not found", $"{tile} is beyond the published checkpoint (size {size})");
            }

            http.Response.Headers.CacheControl = tile.IsFull ? "public, max-age=31536000, immutable" : "no-cache";
            if (!tile.IsEntries)
            {
                var bytes = new byte[tile.Width * Hash.Size];
                host.Airspace.Log.ReadTile(tile.Level, tile.Index, tile.Width, bytes);
                return Results.Bytes(bytes, "application/octet-stream");
            }

            var entries = await host.Airspace.ReadLogEntriesAsync(first, tile.Width, ct);
            return Results.Bytes(EntryBundle.Encode([.. entries.Select(e => (ReadOnlyMemory<byte>)e)]), "application/octet-stream");
        }).WithSummary("Hash tiles and entry bundles (C2SP tlog-tiles).");

        group.MapGet("/proof/{index:long}", (long index, LogPublisher log, AirspaceHost host) =>
        {
            if (log.Latest is not { } latest || index < 0 || index >= latest.Checkpoint.Size)
            {
                return Problems.Status(StatusCodes.Status404NotFound, "Not found",
                    $"entry {index} is not in the published checkpoint (size {log.Latest?.Checkpoint.Size ?? 0}); entries are integrated within {Interval(host)} s");
            }

            var proof = host.Airspace.Log.InclusionProof(index, latest.Checkpoint.Size);
            return Results.Text(new TlogProof(null, index, proof, latest.Note).Format(), Text);
        }).WithSummary("A C2SP tlog-proof bundle for an entry: inclusion proof and the signed checkpoint it verifies against.");

        group.MapGet("/consistency", (long? from, long? to, LogPublisher log, AirspaceHost host) =>
        {
            var size = log.Latest?.Checkpoint.Size ?? 0;
            var newSize = to ?? size;
            if (from is not { } oldSize || oldSize < 1 || oldSize > newSize || newSize > size)
            {
                return Problems.Invalid("from", $"need 1 <= from <= to <= {size} (the published size)");
            }

            var proof = host.Airspace.Log.ConsistencyProof(oldSize, newSize);
            var body = new StringBuilder();
            foreach (var hash in proof)
            {
                body.Append(hash.ToBase64()).Append('\n');
            }

            return Results.Text(body.ToString(), Text);
        }).WithSummary("A consistency proof between two tree sizes, one base64 hash per line (RFC 9162 §2.1.4).");

        app.MapGet("/v1/log/requests/{index:long}", async (long index, HttpContext http, AirspaceHost host, CancellationToken ct) =>
        {
            var entries = index < 0 ? [] : await host.Airspace.ReadLogEntriesAsync(index, 1, ct);
            if (entries.Count == 0)
            {
                return Problems.Status(StatusCodes.Status404NotFound, "Not found", $"no entry {index}");
            }

            var entry = LogEntry.Decode(entries[0]);
            var caller = http.Caller();
            if (caller.Role != Role.Operator && caller.PartyId != entry.Party)
            {
                return Problems.Status(StatusCodes.Status403Forbidden, "Forbidden", "a request body is shown to its sender and the operator only");
            }

            var body = await host.Airspace.ReadRequestBodyAsync(index, ct);
            return body is null ? Problems.Status(StatusCodes.Status404NotFound, "Not found", $"no entry {index}") : Results.Bytes(body, "application/octet-stream");
        }).WithTags("Log").WithSummary("The exact request body behind an entry (its SHA-256 is in the signed request), for its sender or the operator.");
        return app;
    }

    private static string Interval(AirspaceHost host) =>
        host.Options.Log.CheckpointIntervalSeconds.ToString(CultureInfo.InvariantCulture);
}
