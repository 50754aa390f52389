namespace Hotline.Ledger;

/// <summary>
/// Checks an RFC 6962 consistency proof from a tree of <paramref name="size1"/> leaves with root
/// <paramref name="root1"/> to one of <paramref name="size2"/> leaves with root <paramref name="root2"/>; returns
/// whether it verifies (wrap the Merkle code's throwing verifier).
/// </summary>
public delegate bool ConsistencyVerifier(long size1, long size2, IReadOnlyList<Hash> proof, Hash root1, Hash root2);

/// <summary>What a witness decided about a submitted checkpoint (c2sp.org/tlog-witness add-checkpoint).</summary>
public enum WitnessOutcome
{
    /// <summary>Consistent: the checkpoint is now the latest cosigned one (HTTP 200).</summary>
    Cosigned,

    /// <summary>The request or checkpoint is malformed, or the old size exceeds the checkpoint size (HTTP 400).</summary>
    BadRequest,

    /// <summary>No known log signature verifies, or a known log key's signature fails (HTTP 403).</summary>
    NotSignedByLog,

    /// <summary>The witness is not configured for this origin (HTTP 404).</summary>
    UnknownLog,

    /// <summary>The old size is not the size the witness last cosigned; see <see cref="WitnessResult.LatestSize"/> (HTTP 409).</summary>
    Conflict,

    /// <summary>The consistency proof does not verify, or the roots disagree at equal sizes (HTTP 422).</summary>
    InconsistentProof,
}

/// <summary>The witness's answer to one add-checkpoint request.</summary>
/// <param name="Outcome">The decision.</param>
/// <param name="Reason">A short human explanation.</param>
public sealed record WitnessResult(WitnessOutcome Outcome, string Reason)
{
    /// <summary>On <see cref="WitnessOutcome.Cosigned"/>: the cosignature over the checkpoint.</summary>
    public NoteSignature? Cosignature { get; init; }

    /// <summary>On <see cref="WitnessOutcome.Cosigned"/>: the checkpoint now held as latest, for the host to persist.</summary>
    public Checkpoint? Checkpoint { get; init; }

    /// <summary>On <see cref="WitnessOutcome.Conflict"/>: the size of the latest cosigned checkpoint.</summary>
    public long? LatestSize { get; init; }

    /// <summary>The success response body: the cosignature line(s); empty unless cosigned.</summary>
    public string ResponseBody => Cosignature?.ToLine() ?? "";
}

/// <summary>
/// The pure core of a C2SP tlog-witness: per log origin it holds the latest checkpoint it cosigned, and cosigns a
/// new checkpoint only when it is signed by the log, claims the old size the witness holds, and is consistent with
/// it. Rollback is impossible: the old size must equal the held size and may not exceed the new size.
/// </summary>
/// <remarks>
/// Check and update happen under one lock, so two concurrent requests cannot both pass against the same old
/// state (the rollback race in the spec). A host that persists state must persist <see cref="WitnessResult.Checkpoint"/>
/// before responding, and should serialize requests per origin across the check and the write.
/// </remarks>
public sealed class Witness
{
    private readonly Cosigner _cosigner;
    private readonly Dictionary<string, NoteVerifier[]> _logs;
    private readonly ConsistencyVerifier _verifyConsistency;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Checkpoint> _latest;
    private readonly Lock _lock = new();

    /// <summary>Creates a witness.</summary>
    /// <param name="cosigner">The witness key.</param>
    /// <param name="logs">For each log origin, its trusted verifier keys.</param>
    /// <param name="verifyConsistency">The RFC 6962 consistency check.</param>
    /// <param name="time">The clock for cosignature timestamps.</param>
    /// <param name="latest">Previously cosigned checkpoints, by origin (restored state), if any.</param>
    public Witness(
        Cosigner cosigner,
        IReadOnlyDictionary<string, IReadOnlyCollection<NoteVerifier>> logs,
        ConsistencyVerifier verifyConsistency,
        TimeProvider time,
        IEnumerable<Checkpoint>? latest = null)
    {
        ArgumentNullException.ThrowIfNull(cosigner);
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentNullException.ThrowIfNull(verifyConsistency);
        ArgumentNullException.ThrowIfNull(time);
        _cosigner = cosigner;
        _logs = logs.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);
        _verifyConsistency = verifyConsistency;
        _time = time;
        _latest = (latest ?? []).ToDictionary(checkpoint => checkpoint.Origin, StringComparer.Ordinal);
    }

    /// <summary>The latest checkpoint cosigned for <paramref name="origin"/>, or null if none.</summary>
    public Checkpoint? Latest(string origin)
    {
        lock (_lock)
        {
            return _latest.GetValueOrDefault(origin);
        }
    }

    /// <summary>Decides an add-checkpoint request given as its body text.</summary>
    public WitnessResult AddCheckpoint(string requestBody)
    {
        AddCheckpointRequest request;
        try
        {
            request = AddCheckpointRequest.Parse(requestBody);
        }
        catch (FormatException e)
        {
            return new WitnessResult(WitnessOutcome.BadRequest, e.Message);
        }

        return AddCheckpoint(request);
    }

    /// <summary>Decides an add-checkpoint request, cosigning and recording the checkpoint when it is acceptable.</summary>
    public WitnessResult AddCheckpoint(AddCheckpointRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Checkpoint checkpoint;
        try
        {
            checkpoint = Ledger.Checkpoint.Parse(SignedNote.Parse(request.Checkpoint).Text);
        }
        catch (Exception e) when (e is NoteException or FormatException)
        {
            return new WitnessResult(WitnessOutcome.BadRequest, e.Message);
        }

        if (!_logs.TryGetValue(checkpoint.Origin, out var verifiers))
        {
            return new WitnessResult(WitnessOutcome.UnknownLog, $"unknown log origin \"{checkpoint.Origin}\"");
        }

        try
        {
            SignedNote.Open(request.Checkpoint, verifiers);
        }
        catch (NoteException e)
        {
            return new WitnessResult(WitnessOutcome.NotSignedByLog, e.Message);
        }

        if (request.OldSize > checkpoint.Size)
        {
            return new WitnessResult(WitnessOutcome.BadRequest, $"old size {request.OldSize} exceeds the checkpoint size {checkpoint.Size}");
        }

        lock (_lock)
        {
            var held = _latest.GetValueOrDefault(checkpoint.Origin);
            var heldSize = held?.Size ?? 0;
            if (request.OldSize != heldSize)
            {
                return new WitnessResult(WitnessOutcome.Conflict, $"the latest cosigned size is {heldSize}, not {request.OldSize}")
                {
                    LatestSize = heldSize,
                };
            }

            var inconsistency = Inconsistency(request, held, checkpoint);
            if (inconsistency is not null)
            {
                return new WitnessResult(WitnessOutcome.InconsistentProof, inconsistency);
            }

            var cosignature = _cosigner.Cosign(checkpoint, _time.GetUtcNow());
            _latest[checkpoint.Origin] = checkpoint;
            return new WitnessResult(WitnessOutcome.Cosigned, "cosigned") { Cosignature = cosignature, Checkpoint = checkpoint };
        }
    }

    private string? Inconsistency(AddCheckpointRequest request, Checkpoint? held, Checkpoint checkpoint)
    {
        if (checkpoint.Size == 0 && checkpoint.Root != Hash.Empty)
        {
            return "a checkpoint of size 0 must have the empty tree's root";
        }

        if (request.OldSize == 0)
        {
            return request.Proof.Count == 0 ? null : "the consistency proof from size 0 must be empty";
        }

        // OldSize equals the held size here, so held is the checkpoint the proof starts from.
        var from = held!;
        if (request.OldSize == checkpoint.Size)
        {
            if (from.Root != checkpoint.Root)
            {
                return "same size as the cosigned checkpoint but a different root hash";
            }

            return request.Proof.Count == 0 ? null : "the consistency proof between equal sizes must be empty";
        }

        return _verifyConsistency(from.Size, checkpoint.Size, request.Proof, from.Root, checkpoint.Root)
            ? null
            : $"the consistency proof from size {from.Size} to {checkpoint.Size} does not verify";
    }
}
