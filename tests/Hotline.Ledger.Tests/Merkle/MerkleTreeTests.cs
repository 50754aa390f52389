namespace Hotline.Ledger.Tests.Merkle;

public sealed class MerkleTreeTests
{
    [Fact]
    public void AnEmptyTreeHasTheEmptyRootAndNoLeaves()
    {
        var tree = new MerkleTree();
        Assert.Equal(0, tree.Size);
        Assert.Equal(Hash.Empty, tree.Root());
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.LeafHash(0));
        Assert.Empty(tree.ConsistencyProof(0, 0));
    }

    [Fact]
    public void SizesAndIndicesOutsideTheTreeAreRefusedWithTheNumbersInTheMessage()
    {
        var tree = TreeOracle.Build(10, out var leaves);
        Assert.Contains("size 11 is not between 0 and the tree size 10", Assert.Throws<ArgumentOutOfRangeException>(() => tree.Root(11)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.Root(-1));
        Assert.Contains("leaf index 5 is not in a tree of size 5", Assert.Throws<ArgumentOutOfRangeException>(() => tree.InclusionProof(5, 5)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.InclusionProof(-1, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.InclusionProof(0, 11));
        Assert.Contains("size1 6 is not between 0 and size2 5", Assert.Throws<ArgumentOutOfRangeException>(() => tree.ConsistencyProof(6, 5)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.ConsistencyProof(1, 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.LeafHash(10));
        Assert.Equal(leaves[9], tree.LeafHash(9));
    }

    [Fact]
    public void ProofFailuresSayExactlyWhy()
    {
        var tree = TreeOracle.Build(8, out var leaves);
        var proof = tree.InclusionProof(5, 8);
        var root = tree.Root();
        Assert.Equal(
            "proof has 4 hashes; a proof of leaf 5 in a tree of 8 has 3",
            Assert.Throws<ProofException>(() => MerkleProofs.VerifyInclusion(5, 8, leaves[5], [.. proof, root], root)).Message);
        Assert.Equal(
            "index 9 is not below size 8",
            Assert.Throws<ProofException>(() => MerkleProofs.VerifyInclusion(9, 8, leaves[5], proof, root)).Message);
        Assert.Equal(
            "computed root differs from the expected root",
            Assert.Throws<ProofException>(() => MerkleProofs.VerifyInclusion(5, 8, leaves[4], proof, root)).Message);
        Assert.Equal(
            "a consistency proof from the empty tree proves nothing (size1 is 0)",
            Assert.Throws<ProofException>(() => MerkleProofs.VerifyConsistency(0, 8, [], Hash.Empty, root)).Message);
        Assert.Equal(
            "size2 3 is below size1 4",
            Assert.Throws<ProofException>(() => MerkleProofs.VerifyConsistency(4, 3, [], root, root)).Message);
    }

    [Fact]
    public void HashTilesHoldTheHashesOfTreeLevelEightTimesTheTileLevel()
    {
        var tree = TreeOracle.Build(70_000, out var leaves);
        var buffer = new byte[TilePath.FullWidth * Hash.Size];

        Assert.Equal(112 * Hash.Size, tree.ReadTile(0, 273, 112, buffer));
        Assert.Equal(leaves[(273 * 256) + 111], new Hash(buffer.AsSpan(111 * Hash.Size, Hash.Size)));

        // Level 1 hash i covers leaves [256·i, 256·(i+1)); level 2 has one hash, over the first 65,536 leaves.
        Assert.Equal(17 * Hash.Size, tree.ReadTile(1, 1, 17, buffer));
        Assert.Equal(TreeOracle.Mth(leaves, (256 + 16) * 256, (256 + 17) * 256), new Hash(buffer.AsSpan(16 * Hash.Size, Hash.Size)));
        Assert.Equal(Hash.Size, tree.ReadTile(2, 0, 1, buffer));
        Assert.Equal(tree.Root(65_536), new Hash(buffer.AsSpan(0, Hash.Size)));

        Assert.Throws<ArgumentOutOfRangeException>(() => tree.ReadTile(0, 273, 113, buffer));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.ReadTile(1, 1, 18, buffer));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.ReadTile(2, 0, 2, buffer));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.ReadTile(3, 0, 1, buffer));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.ReadTile(63, 0, 1, buffer));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.ReadTile(0, long.MaxValue, 1, buffer));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.ReadTile(0, 0, 0, buffer));
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.ReadTile(0, 0, 257, buffer));
        Assert.Throws<ArgumentException>(() => tree.ReadTile(0, 0, 256, new byte[100]));
    }

    [Fact]
    public void LeafHashesOfLargeEntriesAreComputedWithoutAStackBuffer()
    {
        var entry = new byte[100_000];
        entry.AsSpan().Fill(7);
        Assert.Equal(Hash.Of([0, .. entry]), Rfc9162.LeafHash(entry));
        Assert.Equal(Hash.Of([0, 1, 2]), Rfc9162.LeafHash([1, 2]));
    }

    [Fact]
    public void RecordHashOfGoSumdbMatches()
    {
        using var json = TestVectors.Json("go-sumdb/tlog_vectors.json");
        var record = json.RootElement.GetProperty("record_hash");
        Assert.Equal(
            Hash.FromBase64(record.GetProperty("leaf_hash_b64").GetString()!),
            Rfc9162.LeafHash(System.Text.Encoding.UTF8.GetBytes(record.GetProperty("data_utf8").GetString()!)));
        Assert.Equal(Hash.FromHex(json.RootElement.GetProperty("empty_tree_hash_hex").GetString()!), new MerkleTree().Root());
    }

    [Theory]
    [InlineData("sigstore/rekor_v1_production_inclusion.json")]
    [InlineData("sigstore/rekor_v2_conformance_checkpoints.json")]
    public void RealSigstoreInclusionProofsVerify(string file)
    {
        using var json = TestVectors.Json(file);
        var entry = json.RootElement.TryGetProperty("cases", out var cases) ? cases[0] : json.RootElement;
        var p = entry.GetProperty("inclusion_proof");
        var index = long.Parse(p.GetProperty("logIndex").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var size = long.Parse(p.GetProperty("treeSize").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var root = Hash.FromBase64(p.GetProperty("rootHash").GetString()!);
        Hash[] proof = [.. p.GetProperty("hashes").EnumerateArray().Select(h => Hash.FromBase64(h.GetString()!))];
        var leaf = Rfc9162.LeafHash(Convert.FromBase64String(entry.GetProperty("canonicalized_body_b64").GetString()!));

        MerkleProofs.VerifyInclusion(index, size, leaf, proof, root);
        Assert.Throws<ProofException>(() => MerkleProofs.VerifyInclusion(index - 1, size, leaf, proof, root));

        // The checkpoint the proof came with commits to the same size and root (its signature is not checked here).
        var lines = p.GetProperty("checkpoint").GetProperty("envelope").GetString()!.Split('\n');
        Assert.Equal(size.ToString(System.Globalization.CultureInfo.InvariantCulture), lines[1]);
        Assert.Equal(root, Hash.FromBase64(lines[2]));
    }
}
