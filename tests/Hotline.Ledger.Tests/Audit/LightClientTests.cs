namespace Hotline.Ledger.Tests.Audit;

/// <summary>A client without a copy of the log: checkpoints, their consistency, and proof bundles.</summary>
public sealed class LightClientTests
{
    private static readonly List<byte[]> Entries = [.. Enumerable.Range(0, 20).Select(i => System.Text.Encoding.ASCII.GetBytes($"entry {i}"))];

    [Fact]
    public void ALogThatGrewVerifiesAgainstTheCheckpointSeenBefore()
    {
        var (tree, old, current) = Grown(8, 20);

        var seen = LightClient.VerifyCheckpoint(old, [TestLog.Signer.Verifier]).Checkpoint;
        var now = LightClient.VerifyCheckpoint(current, [TestLog.Signer.Verifier]).Checkpoint;
        Assert.True(LightClient.NeedsConsistencyProof(seen, now));
        LightClient.VerifyExtends(seen, now, tree.ConsistencyProof(8, 20));

        Assert.Equal(20, now.Size);
    }

    [Fact]
    public void ASmallerLogIsARollback()
    {
        var (_, old, current) = Grown(8, 20);

        var e = Assert.Throws<VerificationException>(() => LightClient.VerifyExtends(Open(current), Open(old), []));

        Assert.Equal(VerificationFailure.Rollback, e.Failure);
        Assert.Equal("the log has size 8, smaller than the 20 seen before", e.Message);
    }

    [Fact]
    public void ALogThatDoesNotExtendTheCheckpointSeenBeforeIsAFork()
    {
        var (tree, old, _) = Grown(8, 20);
        var other = TestLog.Build([.. Entries.Take(7), [0x42], .. Entries.Skip(8)]);

        var e = Assert.Throws<VerificationException>(() => LightClient.VerifyExtends(Open(old), other.Checkpoint, tree.ConsistencyProof(8, 20)));

        Assert.Equal(VerificationFailure.Fork, e.Failure);
        Assert.StartsWith("size 20 does not extend size 8 seen before: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSameSizeWithAnotherRootIsAFork()
    {
        var a = TestLog.Build(Entries);
        var b = TestLog.Build([.. Entries[..^1], [0x42]]);

        var e = Assert.Throws<VerificationException>(() => LightClient.VerifyExtends(a.Checkpoint, b.Checkpoint, []));

        Assert.Equal(VerificationFailure.Fork, e.Failure);
    }

    [Fact]
    public void ACheckpointSignedByAnotherKeyDoesNotVerify()
    {
        using var impostor = Ed25519NoteSigner.Generate(TestLog.Origin);

        var e = Assert.Throws<VerificationException>(() => LightClient.VerifyCheckpoint(TestLog.Build(Entries, impostor).Note, [TestLog.Signer.Verifier]));

        Assert.Equal(VerificationFailure.Checkpoint, e.Failure);
        Assert.Equal("checkpoint: note has no verifiable signatures", e.Message);
    }

    [Fact]
    public void AProofBundleVerifiesForItsEntryAndNotForAnother()
    {
        var log = TestLog.Build(Entries);
        var tree = Tree(20);
        var bundle = new TlogProof(null, 5, tree.InclusionProof(5, 20), log.Note).Format();

        var (proof, checkpoint) = LightClient.VerifyEntryProof(bundle, Entries[5], [TestLog.Signer.Verifier]);
        Assert.Equal(5, proof.Index);
        Assert.Equal(20, checkpoint.Checkpoint.Size);
        LightClient.VerifyLeafProof(bundle, Rfc9162.LeafHash(Entries[5]), [TestLog.Signer.Verifier]);

        var e = Assert.Throws<VerificationException>(() => LightClient.VerifyEntryProof(bundle, Entries[6], [TestLog.Signer.Verifier]));
        Assert.Equal(VerificationFailure.Inclusion, e.Failure);
        Assert.Equal("entry 5 is not proven in the tree of size 20: computed root differs from the expected root", e.Message);
    }

    private static Checkpoint Open(string note) => LightClient.VerifyCheckpoint(note, [TestLog.Signer.Verifier]).Checkpoint;

    private static (MerkleTree Tree, string Old, string Current) Grown(int oldSize, int newSize) =>
        (Tree(newSize), TestLog.Build(Entries[..oldSize]).Note, TestLog.Build(Entries[..newSize]).Note);

    private static MerkleTree Tree(int size)
    {
        var tree = new MerkleTree();
        foreach (var entry in Entries.Take(size))
        {
            tree.Append(Rfc9162.LeafHash(entry));
        }

        return tree;
    }
}
