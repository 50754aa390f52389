using System.Security.Cryptography;
using System.Text;
using Hotline.Ledger;

namespace Hotline.Server;

/// <summary>
/// A witness any party can run (C2SP tlog-witness): it cosigns a log's checkpoints only when each is consistent with
/// the last one it cosigned, so a log cannot show two parties two different histories, or roll back, without the
/// witness's cosignature going missing. Its state, the latest checkpoint per log, is written durably before it answers.
/// </summary>
public static class WitnessServer
{
    /// <summary>The witness host: <c>POST /add-checkpoint</c>, over <paramref name="dataDirectory"/>.</summary>
    /// <param name="args">Host arguments (e.g. <c>--urls</c>).</param>
    /// <param name="cosigner">The witness key.</param>
    /// <param name="logs">The logs witnessed: their verifier keys (the key name is the log origin).</param>
    /// <param name="dataDirectory">Where the latest cosigned checkpoint of each log is kept.</param>
    /// <param name="configure">Extra host configuration (tests silence logging).</param>
    public static WebApplication Build(string[] args, Cosigner cosigner, IReadOnlyList<NoteVerifier> logs, string dataDirectory, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(cosigner);
        ArgumentNullException.ThrowIfNull(logs);
        Directory.CreateDirectory(dataDirectory);
        var held = Directory.EnumerateFiles(dataDirectory, "*.checkpoint")
            .Select(path => Checkpoint.Parse(SignedNote.Parse(File.ReadAllText(path)).Text))
            .ToList();
        var witness = new Witness(
            cosigner,
            logs.GroupBy(l => l.Name).ToDictionary(g => g.Key, g => (IReadOnlyCollection<NoteVerifier>)[.. g]),
            Consistent,
            TimeProvider.System,
            held);
        var gate = new SemaphoreSlim(1, 1);

        var builder = WebApplication.CreateSlimBuilder(args);
        configure?.Invoke(builder);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 64 * 1024);
        var app = builder.Build();
        app.MapPost("/add-checkpoint", async (HttpRequest request, CancellationToken ct) =>
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(ct);
            // One request at a time: the check against the held checkpoint and its durable update are one step.
            await gate.WaitAsync(ct);
            try
            {
                var result = witness.AddCheckpoint(body);
                switch (result.Outcome)
                {
                    case WitnessOutcome.Cosigned:
                        // Not cancelled by the client going away: the witness's memory is already ahead of its disk.
                        await PersistAsync(dataDirectory, result.Checkpoint!, body, CancellationToken.None);
                        return Results.Text(result.ResponseBody, "text/plain; charset=utf-8");
                    case WitnessOutcome.Conflict:
                        return Results.Text($"{result.LatestSize}\n", "text/x.tlog.size", statusCode: StatusCodes.Status409Conflict);
                    default:
                        return Results.Text(result.Reason + "\n", "text/plain; charset=utf-8", statusCode: result.Outcome switch
                        {
                            WitnessOutcome.BadRequest => StatusCodes.Status400BadRequest,
                            WitnessOutcome.NotSignedByLog => StatusCodes.Status403Forbidden,
                            WitnessOutcome.UnknownLog => StatusCodes.Status404NotFound,
                            _ => StatusCodes.Status422UnprocessableEntity,
                        });
                }
            }
            finally
            {
                gate.Release();
            }
        });
        app.MapGet("/", () => Results.Text($"Hotline witness {cosigner.VerifierKey}\n", "text/plain; charset=utf-8"));
        return app;
    }

    private static bool Consistent(long size1, long size2, IReadOnlyList<Hash> proof, Hash root1, Hash root2)
    {
        try
        {
            MerkleProofs.VerifyConsistency(size1, size2, proof, root1, root2);
            return true;
        }
        catch (ProofException)
        {
            return false;
        }
    }

    /// <summary>Keeps the signed checkpoint just cosigned, replacing the previous one of its log atomically.</summary>
    private static async Task PersistAsync(string directory, Checkpoint checkpoint, string requestBody, CancellationToken ct)
    {
        var note = AddCheckpointRequest.Parse(requestBody).Checkpoint;
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(checkpoint.Origin)).AsSpan(0, 8)) + ".checkpoint";
        var path = Path.Combine(directory, name);
        var temporary = path + ".tmp";
        await using (var stream = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write }))
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(note), ct);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
