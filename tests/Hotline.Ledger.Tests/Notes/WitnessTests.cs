using System.Text;

namespace Hotline.Ledger.Tests.Notes;

/// <summary>The witness core against C2SP tlog-witness add-checkpoint semantics (statuses from c2sp/spec_examples.json).</summary>
public sealed class WitnessTests : IDisposable
{
    private const string Origin = "example.com/log";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private readonly Ed25519NoteSigner _log = Ed25519NoteSigner.Generate(Origin);
    private readonly Cosigner _cosigner = Cosigner.Generate("witness.example/w1");
    private readonly List<(long Size1, long Size2, Hash Root1, Hash Root2)> _consistencyCalls = [];
    private bool _consistent = true;

    public void Dispose()
    {
        _log.Dispose();
        _cosigner.Dispose();
    }

    [Fact]
    public void AFirstCheckpointFromSizeZeroIsCosignedWithTheClockTimeAndRemembered()
    {
        var witness = NewWitness();
        var checkpoint = Tree(10);

        var result = witness.AddCheckpoint(Request(0, checkpoint));

        Assert.Equal(WitnessOutcome.Cosigned, result.Outcome);
        Assert.Equal(checkpoint, witness.Latest(Origin));
        Assert.True(_cosigner.Verifier.TryVerify(Encoding.UTF8.GetBytes(checkpoint.ToString()), result.Cosignature!.Signature, out var time));
        Assert.Equal(Now.ToUnixTimeSeconds(), time);
        var cosigned = SignedNote.Parse(Sign(checkpoint)).Format() + result.ResponseBody;
        Assert.Single(SignedNote.Open(cosigned, [_cosigner.Verifier]).Signatures);
        Assert.Empty(_consistencyCalls);
    }

    [Fact]
    public void AGrowingCheckpointIsCosignedOnlyWhenTheConsistencyProofVerifies()
    {
        var witness = NewWitness();
        witness.AddCheckpoint(Request(0, Tree(10)));
        var proof = new[] { Hash.Of("p"u8) };

        _consistent = false;
        var refused = witness.AddCheckpoint(Request(10, Tree(20), proof));
        _consistent = true;
        var accepted = witness.AddCheckpoint(Request(10, Tree(20), proof));

        Assert.Equal(WitnessOutcome.InconsistentProof, refused.Outcome);
        Assert.Equal(WitnessOutcome.Cosigned, accepted.Outcome);
        Assert.Equal((10L, 20L, Tree(10).Root, Tree(20).Root), _consistencyCalls[^1]);
        Assert.Equal(20, witness.Latest(Origin)!.Size);
    }

    [Fact]
    public void AnOldSizeThatIsNotTheHeldSizeIsAConflictNamingTheHeldSize()
    {
        var witness = NewWitness();
        witness.AddCheckpoint(Request(0, Tree(10)));

        var result = witness.AddCheckpoint(Request(5, Tree(20)));

        Assert.Equal(WitnessOutcome.Conflict, result.Outcome);
        Assert.Equal(10, result.LatestSize);
        Assert.Null(result.Cosignature);
    }

    [Fact]
    public void ARollbackIsNeverCosigned()
    {
        var witness = NewWitness();
        witness.AddCheckpoint(Request(0, Tree(10)));

        Assert.Equal(WitnessOutcome.BadRequest, witness.AddCheckpoint(Request(10, Tree(5))).Outcome);
        Assert.Equal(WitnessOutcome.Conflict, witness.AddCheckpoint(Request(5, Tree(5))).Outcome);
        Assert.Equal(WitnessOutcome.Conflict, witness.AddCheckpoint(Request(0, Tree(5))).Outcome);
        Assert.Equal(10, witness.Latest(Origin)!.Size);
    }

    [Fact]
    public void TheSameSizeIsCosignedAgainOnlyWithTheSameRoot()
    {
        var witness = NewWitness();
        witness.AddCheckpoint(Request(0, Tree(10)));

        var same = witness.AddCheckpoint(Request(10, Tree(10)));
        var fork = witness.AddCheckpoint(Request(10, new Checkpoint(Origin, 10, Hash.Of("fork"u8))));

        Assert.Equal(WitnessOutcome.Cosigned, same.Outcome);
        Assert.Equal(WitnessOutcome.InconsistentProof, fork.Outcome);
        Assert.Equal(Tree(10), witness.Latest(Origin));
    }

    [Fact]
    public void AProofFromSizeZeroMustBeEmptyAndAnEmptyTreeMustHaveTheEmptyRoot()
    {
        var witness = NewWitness();

        Assert.Equal(WitnessOutcome.InconsistentProof, witness.AddCheckpoint(Request(0, Tree(10), [Hash.Of("p"u8)])).Outcome);
        Assert.Equal(WitnessOutcome.InconsistentProof, witness.AddCheckpoint(Request(0, new Checkpoint(Origin, 0, Hash.Of("x"u8)))).Outcome);
        Assert.Equal(WitnessOutcome.Cosigned, witness.AddCheckpoint(Request(0, new Checkpoint(Origin, 0, Hash.Empty))).Outcome);
    }

    [Fact]
    public void UnknownLogsUnsignedCheckpointsAndMalformedRequestsAreRefused()
    {
        var witness = NewWitness();
        using var stranger = Ed25519NoteSigner.Generate(Origin);
        using var otherLog = Ed25519NoteSigner.Generate("other.example/log");
        var checkpoint = Tree(10);
        var badSignature = Sign(checkpoint).Replace(checkpoint.Root.ToBase64(), Hash.Of("other"u8).ToBase64(), StringComparison.Ordinal);

        Assert.Equal(WitnessOutcome.UnknownLog, witness.AddCheckpoint(new AddCheckpointRequest(0, [], SignedNote.Sign(new Checkpoint("other.example/log", 1, Hash.Empty).ToString(), otherLog))).Outcome);
        Assert.Equal(WitnessOutcome.NotSignedByLog, witness.AddCheckpoint(new AddCheckpointRequest(0, [], SignedNote.Sign(checkpoint.ToString(), stranger))).Outcome);
        Assert.Equal(WitnessOutcome.NotSignedByLog, witness.AddCheckpoint(new AddCheckpointRequest(0, [], badSignature)).Outcome);
        Assert.Equal(WitnessOutcome.BadRequest, witness.AddCheckpoint("old 01\n\n" + Sign(checkpoint)).Outcome);
        Assert.Equal(WitnessOutcome.BadRequest, witness.AddCheckpoint(new AddCheckpointRequest(0, [], "not a note\n")).Outcome);
        Assert.Null(witness.Latest(Origin));
    }

    [Fact]
    public void TheSpecExampleRequestIsRefusedWhenTheWitnessDoesNotTrustItsLogKey()
    {
        // c2sp/spec_examples.json: the example log key is not published, so a witness with another key must say 403.
        var body = Vectors.Json("c2sp/spec_examples.json").GetProperty("tlog_witness").Str("add_checkpoint_request_body_utf8");
        using var notTheLog = Ed25519NoteSigner.Generate("example.com/behind-the-sofa");
        var witness = new Witness(
            _cosigner,
            new Dictionary<string, IReadOnlyCollection<NoteVerifier>> { ["example.com/behind-the-sofa"] = [notTheLog.Verifier] },
            (_, _, _, _, _) => true,
            new FixedClock(Now));

        Assert.Equal(WitnessOutcome.NotSignedByLog, witness.AddCheckpoint(body).Outcome);
    }

    [Fact]
    public void RequestsRoundTripThroughTheirBodyText()
    {
        var request = Request(10, Tree(20), [Hash.Of("a"u8), Hash.Of("b"u8)]);

        Assert.Equal(request, AddCheckpointRequest.Parse(request.Format()));
        Assert.Throws<FormatException>(() => AddCheckpointRequest.Parse("old 10\n" + string.Concat(Enumerable.Repeat(Hash.Empty.ToBase64() + "\n", 64)) + "\n" + request.Checkpoint));
    }

    private Witness NewWitness() => new(
        _cosigner,
        new Dictionary<string, IReadOnlyCollection<NoteVerifier>> { [Origin] = [_log.Verifier] },
        (size1, size2, _, root1, root2) =>
        {
            _consistencyCalls.Add((size1, size2, root1, root2));
            return _consistent;
        },
        new FixedClock(Now));

    private static Checkpoint Tree(long size) =>
        new(Origin, size, size == 0 ? Hash.Empty : Hash.Of(Encoding.ASCII.GetBytes($"root {size}")));

    private string Sign(Checkpoint checkpoint) => SignedNote.Sign(checkpoint.ToString(), _log);

    private AddCheckpointRequest Request(long oldSize, Checkpoint checkpoint, Hash[]? proof = null) =>
        new(oldSize, proof ?? [], Sign(checkpoint));

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
