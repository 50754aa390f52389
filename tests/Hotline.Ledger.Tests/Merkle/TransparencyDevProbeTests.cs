using System.Text.Json;
using static Hotline.Ledger.Tests.Merkle.ProbeJson;

namespace Hotline.Ledger.Tests.Merkle;

/// <summary>
/// Every inclusion and consistency probe of transparency-dev/merkle's testdata, decided as that library decides it.
/// The subtreeinclusion/ and subtreeconsistency/ probes (draft Merkle-tree-certificate subtrees) are run by
/// SubtreeVectorTests.
/// </summary>
public sealed class TransparencyDevProbeTests
{
    public static TheoryData<string> InclusionProbes() =>
        [.. TestVectors.Files("transparency-dev-merkle/testdata/inclusion", "*.json")];

    public static TheoryData<string> ConsistencyProbes() =>
        [.. TestVectors.Files("transparency-dev-merkle/testdata/consistency", "*.json")];

    [Fact]
    public void AllProbeFilesAreFound()
    {
        Assert.Equal(98, InclusionProbes().Count);
        Assert.Equal(98, ConsistencyProbes().Count);
    }

    [Theory]
    [MemberData(nameof(InclusionProbes))]
    public void InclusionProbeIsAcceptedOrRefusedAsTransparencyDevDoes(string file)
    {
        using var json = TestVectors.Json(file);
        var probe = json.RootElement;
        var wantErr = probe.GetProperty("wantErr").GetBoolean();
        var index = Size(probe, "leafIdx");
        var size = Size(probe, "treeSize");
        var leafBytes = Bytes(probe.GetProperty("leafHash"));
        if (leafBytes.Length != Hash.Size)
        {
            // transparency-dev/merkle refuses a leaf hash that is not 32 bytes; here the Hash type cannot hold one.
            Assert.True(wantErr);
            Assert.Throws<ArgumentException>(() => new Hash(leafBytes));
            return;
        }

        var leaf = new Hash(leafBytes);
        var root = Lenient(probe.GetProperty("root"));
        var proof = Proof(probe);
        if (wantErr)
        {
            Assert.Throws<ProofException>(() => MerkleProofs.VerifyInclusion(index, size, leaf, proof, root));
        }
        else
        {
            MerkleProofs.VerifyInclusion(index, size, leaf, proof, root);
            Assert.Equal(root, MerkleProofs.RootFromInclusionProof(index, size, leaf, proof));
        }
    }

    [Theory]
    [MemberData(nameof(ConsistencyProbes))]
    public void ConsistencyProbeIsAcceptedOrRefusedAsTransparencyDevDoes(string file)
    {
        using var json = TestVectors.Json(file);
        var probe = json.RootElement;
        var wantErr = probe.GetProperty("wantErr").GetBoolean();
        var size1 = Size(probe, "size1");
        var size2 = Size(probe, "size2");
        var root1 = Lenient(probe.GetProperty("root1"));
        var root2 = Lenient(probe.GetProperty("root2"));
        var proof = Proof(probe);
        if (wantErr)
        {
            Assert.Throws<ProofException>(() => MerkleProofs.VerifyConsistency(size1, size2, proof, root1, root2));
        }
        else
        {
            var error = Record.Exception(() => MerkleProofs.VerifyConsistency(size1, size2, proof, root1, root2));
            Assert.Null(error);
        }
    }

    // Sizes are uint64 in the probes; the one beyond long.MaxValue becomes negative here, which is refused as Go refuses it.
    private static long Size(JsonElement probe, string name) => unchecked((long)probe.GetProperty(name).GetUInt64());
}
