namespace Hotline.Ledger.Tests.Notes;

/// <summary>Opening a tlog-proof bundle and handing its parts to the inclusion verifier (no vector file).</summary>
public sealed class TlogProofTests
{
    [Fact]
    public void VerifyOpensTheCheckpointAndPassesTheProofPartsToTheInclusionVerifier()
    {
        using var log = Ed25519NoteSigner.Generate("example.com/log");
        var leaf = Hash.Of([0x00, .. "entry"u8]);
        var sibling = Hash.Of("sibling"u8);
        var checkpoint = new Checkpoint("example.com/log", 2, Hash.Of("root"u8));
        var bundle = new TlogProof(null, 1, [sibling], SignedNote.Sign(checkpoint.ToString(), log));
        (long Index, long Size, Hash Leaf, Hash Root, int ProofCount)? seen = null;

        var (opened, note) = TlogProof.Parse(bundle.Format()).Verify(leaf, [log.Verifier], (long index, long size, in Hash leafHash, IReadOnlyList<Hash> proof, in Hash root) =>
            seen = (index, size, leafHash, root, proof.Count));

        Assert.Equal(checkpoint, opened);
        Assert.Single(note.Signatures);
        Assert.Equal((1L, 2L, leaf, checkpoint.Root, 1), seen);
    }

    [Fact]
    public void AnIndexOutsideTheTreeOrAnUnsignedCheckpointIsRefusedBeforeTheMerkleCheck()
    {
        using var log = Ed25519NoteSigner.Generate("example.com/log");
        using var stranger = Ed25519NoteSigner.Generate("example.com/log");
        var body = new Checkpoint("example.com/log", 2, Hash.Of("root"u8)).ToString();
        var called = false;
        void Inclusion(long index, long size, in Hash leafHash, IReadOnlyList<Hash> proof, in Hash root) => called = true;

        Assert.Throws<FormatException>(() => new TlogProof(null, 2, [], SignedNote.Sign(body, log)).Verify(Hash.Empty, [log.Verifier], Inclusion));
        Assert.Throws<NoteException>(() => new TlogProof(null, 0, [], SignedNote.Sign(body, stranger)).Verify(Hash.Empty, [log.Verifier], Inclusion));
        Assert.False(called);
    }
}
