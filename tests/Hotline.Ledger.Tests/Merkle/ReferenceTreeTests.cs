using System.Text.Json;

namespace Hotline.Ledger.Tests.Merkle;

/// <summary>The RFC 6962 reference tree of transparency-dev/merkle: every hash, root and proof, generated and verified.</summary>
public sealed class ReferenceTreeTests
{
    private const string File = "transparency-dev-merkle/rfc6962_reference_tree.json";

    [Fact]
    public void HasherKnownAnswersMatch()
    {
        using var json = TestVectors.Json(File);
        var vectors = json.RootElement.GetProperty("hasher_vectors").EnumerateArray().ToList();
        Assert.Equal(4, vectors.Count);
        foreach (var v in vectors)
        {
            var want = Hash.FromHex(v.GetProperty("hash").GetString()!);
            var got = v.GetProperty("kind").GetString() switch
            {
                "empty_root" => new MerkleTree().Root(),
                "leaf" => Rfc9162.LeafHash(Hex(v, "leaf_hex")),
                "node" => Rfc9162.HashChildren(Hex(v, "left_hex"), Hex(v, "right_hex")),
                var kind => throw new InvalidDataException($"unknown hasher vector kind {kind}"),
            };
            Assert.Equal(want, got);
        }

        Assert.Equal(Hash.Empty, new MerkleTree().Root(0));
    }

    [Fact]
    public void TreeHoldsEveryReferenceNodeHash()
    {
        using var json = TestVectors.Json(File);
        var tree = Build(json.RootElement);
        var levels = json.RootElement.GetProperty("node_hashes_by_level").EnumerateArray().ToList();
        Assert.Equal(4, levels.Count);
        var checkedNodes = 0;
        for (var level = 0; level < levels.Count; level++)
        {
            var nodes = levels[level].EnumerateArray().ToList();
            Assert.Equal(8 >> level, nodes.Count);
            for (var i = 0; i < nodes.Count; i++)
            {
                Assert.Equal(Hash.FromHex(nodes[i].GetString()!), tree.SubtreeHash(level, i));
                checkedNodes++;
            }
        }

        Assert.Equal(15, checkedNodes);
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(Hash.FromHex(levels[0][i].GetString()!), tree.LeafHash(i));
        }
    }

    [Fact]
    public void RootsMatchAtEverySizeBothWhileGrowingAndAfterwards()
    {
        using var json = TestVectors.Json(File);
        var roots = json.RootElement.GetProperty("root_hash_by_tree_size");
        var leaves = json.RootElement.GetProperty("leaves_hex").EnumerateArray().Select(l => Convert.FromHexString(l.GetString()!)).ToList();
        var growing = new MerkleTree();
        Assert.Equal(Hash.FromHex(roots.GetProperty("0").GetString()!), growing.Root());
        foreach (var leaf in leaves)
        {
            growing.Append(Rfc9162.LeafHash(leaf));
            Assert.Equal(Hash.FromHex(roots.GetProperty($"{growing.Size}").GetString()!), growing.Root());
        }

        var count = 0;
        foreach (var root in roots.EnumerateObject())
        {
            Assert.Equal(Hash.FromHex(root.Value.GetString()!), growing.Root(long.Parse(root.Name, System.Globalization.CultureInfo.InvariantCulture)));
            count++;
        }

        Assert.Equal(9, count);
    }

    [Fact]
    public void InclusionProofsAreGeneratedExactlyAndVerify()
    {
        using var json = TestVectors.Json(File);
        var tree = Build(json.RootElement);
        var proofs = json.RootElement.GetProperty("inclusion_proofs").EnumerateArray().ToList();
        Assert.Equal(5, proofs.Count);
        foreach (var p in proofs)
        {
            var index = p.GetProperty("leaf_index").GetInt64();
            var size = p.GetProperty("tree_size").GetInt64();
            var leaf = Rfc9162.LeafHash(Hex(p, "leaf_hex"));
            var root = Hash.FromHex(p.GetProperty("root").GetString()!);
            var want = HexHashes(p.GetProperty("proof"));

            Assert.Equal(want, tree.InclusionProof(index, size));
            Assert.Equal(leaf, tree.LeafHash(index));
            Assert.Equal(root, tree.Root(size));
            MerkleProofs.VerifyInclusion(index, size, leaf, want, root);
        }
    }

    [Fact]
    public void ConsistencyProofsAreGeneratedExactlyAndVerify()
    {
        using var json = TestVectors.Json(File);
        var tree = Build(json.RootElement);
        var proofs = json.RootElement.GetProperty("consistency_proofs").EnumerateArray().ToList();
        Assert.Equal(5, proofs.Count);
        foreach (var p in proofs)
        {
            var size1 = p.GetProperty("size1").GetInt64();
            var size2 = p.GetProperty("size2").GetInt64();
            var root1 = Hash.FromHex(p.GetProperty("root1").GetString()!);
            var root2 = Hash.FromHex(p.GetProperty("root2").GetString()!);
            var want = HexHashes(p.GetProperty("proof"));

            Assert.Equal(want, tree.ConsistencyProof(size1, size2));
            Assert.Equal(root1, tree.Root(size1));
            Assert.Equal(root2, tree.Root(size2));
            MerkleProofs.VerifyConsistency(size1, size2, want, root1, root2);
        }
    }

    private static MerkleTree Build(JsonElement root)
    {
        var tree = new MerkleTree();
        foreach (var leaf in root.GetProperty("leaves_hex").EnumerateArray())
        {
            tree.Append(Rfc9162.LeafHash(Convert.FromHexString(leaf.GetString()!)));
        }

        Assert.Equal(8, tree.Size);
        return tree;
    }

    private static byte[] Hex(JsonElement e, string name) => Convert.FromHexString(e.GetProperty(name).GetString()!);

    private static Hash[] HexHashes(JsonElement array) => [.. array.EnumerateArray().Select(h => Hash.FromHex(h.GetString()!))];
}
