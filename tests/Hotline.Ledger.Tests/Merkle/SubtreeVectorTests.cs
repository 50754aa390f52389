using System.Text.Json;
using CsCheck;
using static Hotline.Ledger.Tests.Merkle.ProbeJson;

namespace Hotline.Ledger.Tests.Merkle;

/// <summary>
/// Subtrees of the Merkle Tree Certificates draft: every subtreeinclusion/ and subtreeconsistency/ probe of
/// transparency-dev/merkle decided as that library decides it, the draft's worked examples, and properties against
/// proofs generated straight from the draft's recursive definitions over a <see cref="MerkleTree"/>-built log.
/// </summary>
public sealed class SubtreeVectorTests
{
    private const string InclusionFolder = "transparency-dev-merkle/testdata/subtreeinclusion";
    private const string ConsistencyFolder = "transparency-dev-merkle/testdata/subtreeconsistency";

    // (size, seed): leaves are distinct hashes derived from the seed, so no two subtrees collide by accident.
    private static readonly Gen<(int Size, int Seed)> Trees = Gen.Select(Gen.Int[1, 200], Gen.Int[0, 1_000_000]);

    public static TheoryData<string> InclusionProbes() => [.. TestVectors.Files(InclusionFolder, "*.json")];

    public static TheoryData<string> ConsistencyProbes() => [.. TestVectors.Files(ConsistencyFolder, "*.json")];

    [Fact]
    public void EveryFileInBothSubtreeFoldersIsAProbeThatRuns()
    {
        Assert.Equal(204, InclusionProbes().Count);
        Assert.Equal(118, ConsistencyProbes().Count);
        Assert.Equal(InclusionProbes().Count, TestVectors.Files(InclusionFolder, "*").Count());
        Assert.Equal(ConsistencyProbes().Count, TestVectors.Files(ConsistencyFolder, "*").Count());
    }

    [Theory]
    [MemberData(nameof(InclusionProbes))]
    public void SubtreeInclusionProbeIsAcceptedOrRefusedAsTransparencyDevDoes(string file)
    {
        using var json = TestVectors.Json(file);
        var probe = json.RootElement;
        var wantErr = probe.GetProperty("wantErr").GetBoolean();
        var index = Number(probe, "leafIdx", wantErr);
        var start = Number(probe, "start", wantErr);
        var end = Number(probe, "end", wantErr);
        var leafBytes = Bytes(probe.GetProperty("leafHash"));
        if (leafBytes.Length != Hash.Size)
        {
            // transparency-dev/merkle refuses a leaf hash that is not 32 bytes; here the Hash type cannot hold one.
            Assert.True(wantErr);
            Assert.Throws<ArgumentException>(() => new Hash(leafBytes));
            return;
        }

        var leaf = new Hash(leafBytes);
        var subtreeHash = Lenient(probe.GetProperty("root"));
        var proof = Proof(probe);
        if (wantErr)
        {
            Assert.Throws<ProofException>(() => Subtrees.VerifySubtreeInclusion(index, start, end, leaf, proof, subtreeHash));
        }
        else
        {
            Subtrees.VerifySubtreeInclusion(index, start, end, leaf, proof, subtreeHash);
            Assert.Equal(subtreeHash, Subtrees.RootFromSubtreeInclusionProof(index, start, end, leaf, proof));
        }
    }

    [Theory]
    [MemberData(nameof(ConsistencyProbes))]
    public void SubtreeConsistencyProbeIsAcceptedOrRefusedAsTransparencyDevDoes(string file)
    {
        using var json = TestVectors.Json(file);
        var probe = json.RootElement;
        var wantErr = probe.GetProperty("wantErr").GetBoolean();
        var start = Number(probe, "start", wantErr);
        var end = Number(probe, "end", wantErr);
        var size = Number(probe, "size", wantErr);
        var subtreeHash = Lenient(probe.GetProperty("root1"));
        var root = Lenient(probe.GetProperty("root2"));
        var proof = Proof(probe);
        if (wantErr)
        {
            Assert.Throws<ProofException>(() => Subtrees.VerifySubtreeConsistency(start, end, size, proof, subtreeHash, root));
        }
        else
        {
            var error = Record.Exception(() => Subtrees.VerifySubtreeConsistency(start, end, size, proof, subtreeHash, root));
            Assert.Null(error);
        }
    }

    [Fact]
    public void ValidSubtreesAreExactlyTheAlignedIntervalsOfTheDraft()
    {
        for (long start = 0; start <= 70; start++)
        {
            for (var end = start; end <= 140; end++)
            {
                long bitCeil = 1;
                while (bitCeil < end - start)
                {
                    bitCeil *= 2;
                }

                Assert.Equal(start % bitCeil == 0, Subtrees.IsValid(start, end));
            }
        }

        Assert.False(Subtrees.IsValid(-1, 0));
        Assert.False(Subtrees.IsValid(2, 1));
        Assert.True(Subtrees.IsValid(0, long.MaxValue));
        Assert.True(Subtrees.IsValid(long.MaxValue, long.MaxValue));
        Assert.True(Subtrees.IsValid(1L << 62, long.MaxValue));
        Assert.False(Subtrees.IsValid(1, long.MaxValue));
        Assert.False(Subtrees.IsValid(1L << 61, (1L << 61) + (1L << 62)));
    }

    [Fact]
    public void TheDraftsWorkedExamplesHaveTheDraftsProofsAndVerify()
    {
        var (tree, leaves) = Build(14, 3);
        var root = tree.Root(14);
        Hash Mth(int start, int end) => TreeOracle.Mth(leaves, start, end);

        // "The inclusion proof for entry 10 of subtree [8, 13) contains MTH({d[11]}), MTH(D[8:10]), and MTH({d[12]})."
        var inclusion = InclusionOracle(leaves, 10, 8, 13);
        Assert.Equal(new[] { Mth(11, 12), Mth(8, 10), Mth(12, 13) }, inclusion);
        Subtrees.VerifySubtreeInclusion(10, 8, 13, leaves[10], inclusion, Mth(8, 13));

        // "[4, 8) and a tree of size 14 contains MTH(D[0:4]) and MTH(D[8:14])."
        var aligned = ConsistencyOracle(leaves, 4, 8, 14);
        Assert.Equal(new[] { Mth(0, 4), Mth(8, 14) }, aligned);
        Subtrees.VerifySubtreeConsistency(4, 8, 14, aligned, Mth(4, 8), root);

        // "[8, 13) and a tree of size 14 contains MTH({d[12]}), MTH({d[13]}), MTH(D[8:12]), and MTH(D[0:8])."
        var cut = ConsistencyOracle(leaves, 8, 13, 14);
        Assert.Equal(new[] { Mth(12, 13), Mth(13, 14), Mth(8, 12), Mth(0, 8) }, cut);
        Subtrees.VerifySubtreeConsistency(8, 13, 14, cut, Mth(8, 13), root);
    }

    [Fact]
    public void RefusalsSayWhichCheckFailed()
    {
        var (tree, leaves) = Build(14, 5);
        var root = tree.Root(14);
        var proof = ConsistencyOracle(leaves, 8, 13, 14);
        var subtreeHash = TreeOracle.Mth(leaves, 8, 13);

        Assert.Equal(
            "the subtree [2, 5) is not aligned: start is not a multiple of BIT_CEIL(end - start) = 2^2",
            Refusal(() => Subtrees.VerifySubtreeConsistency(2, 5, 14, [], subtreeHash, root)));
        Assert.Equal(
            "the subtree [8, 13) ends beyond size 12",
            Refusal(() => Subtrees.VerifySubtreeConsistency(8, 13, 12, proof, subtreeHash, root)));
        Assert.Equal(
            "proof has 3 hashes; a consistency proof of the subtree [8, 13) in a tree of size 14 has 4",
            Refusal(() => Subtrees.VerifySubtreeConsistency(8, 13, 14, proof[..3], subtreeHash, root)));
        Assert.Equal(
            "computed hash of the subtree [8, 13) differs from the expected subtree hash",
            Refusal(() => Subtrees.VerifySubtreeConsistency(8, 13, 14, proof, root, root)));
        Assert.Equal(
            "computed root for size 14 differs from the expected root",
            Refusal(() => Subtrees.VerifySubtreeConsistency(8, 13, 14, proof, subtreeHash, subtreeHash)));
        Assert.Equal(
            "the subtree [3, 3) is empty but its hash is not the empty-tree hash",
            Refusal(() => Subtrees.VerifySubtreeConsistency(3, 3, 14, [], subtreeHash, root)));
        Assert.Equal(
            "index 13 is not in the subtree [8, 13)",
            Refusal(() => Subtrees.VerifySubtreeInclusion(13, 8, 13, leaves[13], [], subtreeHash)));
        Assert.Equal(
            "proof has 0 hashes; a proof of leaf 12 in the subtree [8, 13) has 1",
            Refusal(() => Subtrees.VerifySubtreeInclusion(12, 8, 13, leaves[12], [], subtreeHash)));
    }

    [Fact]
    public void TheDraftsIdentitiesHoldBetweenSubtreeProofsAndTheTreesOwnProofs()
    {
        var (tree, leaves) = Build(40, 11);
        for (var size = 0; size <= 40; size++)
        {
            for (var end = 0; end <= size; end++)
            {
                // SUBTREE_PROOF(0, end, D_n) = PROOF(end, D_n), as the tree generates it.
                Assert.Equal(tree.ConsistencyProof(end, size), ConsistencyOracle(leaves, 0, end, size));
            }

            for (var start = 0; start < size; start++)
            {
                // SUBTREE_PROOF(start, start + 1, D_n) = PATH(start, D_n).
                Assert.Equal(tree.InclusionProof(start, size), ConsistencyOracle(leaves, start, start + 1, size));
            }
        }
    }

    [Fact]
    public void EverySubtreeProofOfSmallTreesVerifies()
    {
        var (tree, leaves) = Build(40, 13);
        for (var size = 0; size <= 40; size++)
        {
            var root = tree.Root(size);
            for (var start = 0; start <= size; start++)
            {
                for (var end = start; end <= size; end++)
                {
                    if (!Subtrees.IsValid(start, end))
                    {
                        continue;
                    }

                    var subtreeHash = TreeOracle.Mth(leaves, start, end);
                    Subtrees.VerifySubtreeConsistency(start, end, size, ConsistencyOracle(leaves, start, end, size), subtreeHash, root);
                    if (end == size)
                    {
                        for (var index = start; index < end; index++)
                        {
                            Subtrees.VerifySubtreeInclusion(index, start, end, leaves[index], InclusionOracle(leaves, index, start, end), subtreeHash);
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void SubtreeProofsOfRandomTreesVerify() =>
        Gen.Select(Trees, Gen.Double[0, 1], Gen.Double[0, 1], Gen.Double[0, 1]).Sample(x =>
        {
            var ((size, seed), a, b, c) = x;
            var (tree, leaves) = Build(size, seed);
            var (start, end) = SubtreeWithin(size, a, b);
            var subtreeHash = TreeOracle.Mth(leaves, start, end);
            var proof = ConsistencyOracle(leaves, start, end, size);
            Subtrees.VerifySubtreeConsistency(start, end, size, proof, subtreeHash, tree.Root());
            if (end > start)
            {
                var index = start + (int)(c * (end - start - 1));
                var inclusion = InclusionOracle(leaves, index, start, end);

                // A subtree is a node of the tree of size end, so its inclusion proof is the lower part of the tree's.
                Assert.Equal(tree.InclusionProof(index, end)[..inclusion.Length], inclusion);
                Assert.Equal(subtreeHash, Subtrees.RootFromSubtreeInclusionProof(index, start, end, leaves[index], inclusion));
            }
        }, iter: 100);

    [Fact]
    public void EverySingleBitFlipOfAProofOrItsHashesIsRefused() =>
        Gen.Select(Trees, Gen.Double[0, 1], Gen.Double[0, 1], Gen.Double[0, 1]).Sample(x =>
        {
            var ((size, seed), a, b, c) = x;
            var (tree, leaves) = Build(size, seed);
            var (start, end) = SubtreeWithin(size, a, b);
            if (start == end)
            {
                // The empty subtree has no proof and ignores the root; its one hash is covered by the vectors.
                return;
            }

            var root = tree.Root();
            var subtreeHash = TreeOracle.Mth(leaves, start, end);
            var consistency = ConsistencyOracle(leaves, start, end, size);
            void Consistency(Hash[] p, Hash s, Hash r) => Subtrees.VerifySubtreeConsistency(start, end, size, p, s, r);
            Consistency(consistency, subtreeHash, root);
            ForEachFlip(consistency, subtreeHash, root, Consistency);

            var index = start + (int)(c * (end - start - 1));
            var inclusion = InclusionOracle(leaves, index, start, end);
            void Inclusion(Hash[] p, Hash l, Hash s) => Subtrees.VerifySubtreeInclusion(index, start, end, l, p, s);
            Inclusion(inclusion, leaves[index], subtreeHash);
            ForEachFlip(inclusion, leaves[index], subtreeHash, Inclusion);
        }, iter: 40);

    [Fact]
    public void ProofsOfTheWrongLengthAreRefused() =>
        Gen.Select(Trees, Gen.Double[0, 1], Gen.Double[0, 1]).Sample(x =>
        {
            var ((size, seed), a, b) = x;
            var (tree, leaves) = Build(size, seed);
            var (start, end) = SubtreeWithin(size, a, b);
            var subtreeHash = TreeOracle.Mth(leaves, start, end);
            var proof = ConsistencyOracle(leaves, start, end, size);
            Assert.Throws<ProofException>(() => Subtrees.VerifySubtreeConsistency(start, end, size, [.. proof, subtreeHash], subtreeHash, tree.Root()));
            Assert.Throws<ProofException>(() => Subtrees.VerifySubtreeConsistency(start, end, size, [subtreeHash, .. proof], subtreeHash, tree.Root()));
            if (proof.Length > 0)
            {
                Assert.Throws<ProofException>(() => Subtrees.VerifySubtreeConsistency(start, end, size, proof[1..], subtreeHash, tree.Root()));
                Assert.Throws<ProofException>(() => Subtrees.VerifySubtreeConsistency(start, end, size, proof[..^1], subtreeHash, tree.Root()));
            }
        }, iter: 100);

    /// <summary>Calls <paramref name="verify"/> with each single bit of the proof and of both hashes flipped, expecting a refusal every time.</summary>
    private static void ForEachFlip(Hash[] proof, Hash first, Hash second, Action<Hash[], Hash, Hash> verify)
    {
        for (var bit = 0; bit < Hash.Size * 8; bit++)
        {
            Assert.Throws<ProofException>(() => verify(proof, Flip(first, bit), second));
            Assert.Throws<ProofException>(() => verify(proof, first, Flip(second, bit)));
            for (var i = 0; i < proof.Length; i++)
            {
                var tampered = (Hash[])proof.Clone();
                tampered[i] = Flip(proof[i], bit);
                Assert.Throws<ProofException>(() => verify(tampered, first, second));
            }
        }
    }

    private static Hash Flip(Hash hash, int bit)
    {
        var bytes = hash.ToArray();
        bytes[bit / 8] ^= (byte)(1 << (bit % 8));
        return new Hash(bytes);
    }

    private static (MerkleTree Tree, Hash[] Leaves) Build(int size, int seed)
    {
        var leaves = new Hash[size];
        for (var i = 0; i < size; i++)
        {
            leaves[i] = TreeOracle.LeafOf(i ^ (seed << 12));
        }

        var tree = new MerkleTree();
        tree.Append(leaves);
        return (tree, leaves);
    }

    /// <summary>A valid subtree of a tree of <paramref name="size"/>: the aligned run of length ≈ a·size that holds leaf ≈ b·size.</summary>
    private static (int Start, int End) SubtreeWithin(int size, double a, double b)
    {
        var length = (int)(a * size);
        var bitCeil = 1;
        while (bitCeil < length)
        {
            bitCeil *= 2;
        }

        var start = Math.Min((int)(b * size), size - length) / bitCeil * bitCeil;
        return (start, start + length);
    }

    /// <summary>The draft's subtree inclusion proof: RFC 9162 PATH(index − start, D[start:end]), from the recursive definition.</summary>
    private static Hash[] InclusionOracle(Hash[] leaves, int index, int start, int end)
    {
        if (end - start == 1)
        {
            return [];
        }

        var k = LargestPowerOfTwoBelow(end - start);
        return index < start + k
            ? [.. InclusionOracle(leaves, index, start, start + k), TreeOracle.Mth(leaves, start + k, end)]
            : [.. InclusionOracle(leaves, index, start + k, end), TreeOracle.Mth(leaves, start, start + k)];
    }

    /// <summary>The draft's SUBTREE_PROOF(start, end, D[0:size]), from its recursive definition.</summary>
    private static Hash[] ConsistencyOracle(Hash[] leaves, int start, int end, int size) =>
        start == end ? [] : SubProof(leaves, start, end, 0, size, omitFirst: true);

    /// <summary>SUBTREE_SUBPROOF over the tree D[lo:hi], with start and end as absolute indices.</summary>
    private static Hash[] SubProof(Hash[] leaves, int start, int end, int lo, int hi, bool omitFirst)
    {
        if (start == lo && end == hi)
        {
            return omitFirst ? [] : [TreeOracle.Mth(leaves, lo, hi)];
        }

        var mid = lo + LargestPowerOfTwoBelow(hi - lo);
        if (end <= mid)
        {
            return [.. SubProof(leaves, start, end, lo, mid, omitFirst), TreeOracle.Mth(leaves, mid, hi)];
        }

        return mid <= start
            ? [.. SubProof(leaves, start, end, mid, hi, omitFirst), TreeOracle.Mth(leaves, lo, mid)]
            : [.. SubProof(leaves, mid, end, mid, hi, omitFirst: false), TreeOracle.Mth(leaves, lo, mid)];
    }

    private static int LargestPowerOfTwoBelow(int n)
    {
        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        return k;
    }

    private static string Refusal(Action verify) => Assert.Throws<ProofException>(verify).Message;

    /// <summary>
    /// Numbers are uint64 in the probes. One beyond long.MaxValue cannot be a position in Hotline's log, so such a
    /// probe must expect an error; it is passed on wrapped to a negative value, which the verifier refuses too.
    /// </summary>
    private static long Number(JsonElement probe, string name, bool wantErr)
    {
        var value = probe.GetProperty(name).GetUInt64();
        if (value > long.MaxValue)
        {
            Assert.True(wantErr, $"{name} {value} does not fit a long but the probe expects success");
        }

        return unchecked((long)value);
    }
}
