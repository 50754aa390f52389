using CsCheck;

namespace Hotline.Ledger.Tests.Merkle;

/// <summary>Every proof the tree generates verifies; every tampered one is refused; roots agree with the naive oracle.</summary>
public sealed class MerkleTreePropertyTests
{
    // (size, seed): leaves are distinct hashes derived from the seed, so no two subtrees collide by accident.
    private static readonly Gen<(int Size, int Seed)> SmallTrees = Gen.Select(Gen.Int[1, 300], Gen.Int[0, 1_000_000]);
    private static readonly Gen<(int Size, int Seed)> LargerTrees = Gen.Select(Gen.Int[301, 5_000], Gen.Int[0, 1_000_000]);

    [Fact]
    public void RootAtEverySizeMatchesTheNaiveRecursiveOracle() =>
        SmallTrees.Sample(t =>
        {
            var (tree, leaves) = Build(t);
            for (var size = 0; size <= t.Size; size++)
            {
                Assert.Equal(TreeOracle.Mth(leaves, 0, size), tree.Root(size));
            }

            Assert.Equal(tree.Root(t.Size), tree.Root());
        }, iter: 40);

    [Fact]
    public void RootOfLargerTreesMatchesTheNaiveRecursiveOracle() =>
        LargerTrees.Sample(t =>
        {
            var (tree, leaves) = Build(t);
            Assert.Equal(TreeOracle.Mth(leaves, 0, t.Size), tree.Root());
            Assert.Equal(TreeOracle.Mth(leaves, 0, t.Size / 3), tree.Root(t.Size / 3));
        }, iter: 10);

    [Fact]
    public void EveryInclusionProofVerifiesAtEverySize() =>
        SmallTrees.Sample(t =>
        {
            var (tree, leaves) = Build(t);
            for (var size = 1; size <= t.Size; size += 1 + (size / 16))
            {
                var root = TreeOracle.Mth(leaves, 0, size);
                for (var index = 0; index < size; index++)
                {
                    var proof = tree.InclusionProof(index, size);
                    MerkleProofs.VerifyInclusion(index, size, leaves[index], proof, root);
                }
            }
        }, iter: 40);

    [Fact]
    public void EveryConsistencyProofVerifiesBetweenAllSizePairsOfSmallTrees()
    {
        var (tree, leaves) = Build((100, 7));
        var roots = Enumerable.Range(0, 101).Select(s => TreeOracle.Mth(leaves, 0, s)).ToArray();
        for (var size2 = 1; size2 <= 100; size2++)
        {
            for (var size1 = 1; size1 <= size2; size1++)
            {
                var proof = tree.ConsistencyProof(size1, size2);
                MerkleProofs.VerifyConsistency(size1, size2, proof, roots[size1], roots[size2]);
            }
        }

        Assert.Empty(tree.ConsistencyProof(0, 50));
    }

    [Fact]
    public void ConsistencyProofsVerifyForRandomSizePairs() =>
        Gen.Select(Gen.OneOf(SmallTrees, LargerTrees), Gen.Double[0, 1], Gen.Double[0, 1]).Sample(x =>
        {
            var ((size, seed), a, b) = x;
            var (tree, leaves) = Build((size, seed));
            var size2 = Math.Max(1, (int)(b * size));
            var size1 = Math.Max(1, (int)(a * size2));
            var proof = tree.ConsistencyProof(size1, size2);
            MerkleProofs.VerifyConsistency(size1, size2, proof, TreeOracle.Mth(leaves, 0, size1), TreeOracle.Mth(leaves, 0, size2));
        }, iter: 60);

    [Fact]
    public void TamperedInclusionProofsAreRefused() =>
        Gen.Select(Gen.OneOf(SmallTrees, LargerTrees), Gen.Double[0, 1], Gen.Double[0, 1]).Sample(x =>
        {
            var ((treeSize, seed), a, b) = x;
            var (tree, leaves) = Build((treeSize, seed));
            var size = Math.Max(1, (int)(b * treeSize));
            var index = Math.Min(size - 1, (int)(a * size));
            var leaf = leaves[index];
            var root = tree.Root(size);
            var proof = tree.InclusionProof(index, size);
            MerkleProofs.VerifyInclusion(index, size, leaf, proof, root);

            for (var h = 0; h < proof.Length; h++)
            {
                for (var bit = 0; bit < 256; bit++)
                {
                    var tampered = (Hash[])proof.Clone();
                    tampered[h] = Flip(proof[h], bit);
                    Refused(() => MerkleProofs.VerifyInclusion(index, size, leaf, tampered, root));
                }
            }

            for (var bit = 0; bit < 256; bit++)
            {
                Refused(() => MerkleProofs.VerifyInclusion(index, size, leaf, proof, Flip(root, bit)));
                Refused(() => MerkleProofs.VerifyInclusion(index, size, Flip(leaf, bit), proof, root));
            }

            for (var other = -1; other <= size; other++)
            {
                if (other != index)
                {
                    Refused(() => MerkleProofs.VerifyInclusion(other, size, leaf, proof, root));
                }
            }

            if (proof.Length > 0)
            {
                Refused(() => MerkleProofs.VerifyInclusion(index, size, leaf, proof[1..], root));
                Refused(() => MerkleProofs.VerifyInclusion(index, size, leaf, proof[..^1], root));
            }

            Refused(() => MerkleProofs.VerifyInclusion(index, size, leaf, [.. proof, leaf], root));
            Refused(() => MerkleProofs.VerifyInclusion(index, size, leaf, [root, .. proof], root));

            foreach (var otherSize in new long[] { 0, index, size - 1, size + 1, size * 2L, size + 256, long.MaxValue })
            {
                if (otherSize == size)
                {
                    continue;
                }

                // RFC 9162 inclusion verification sees a size only through the proof's shape: another size with the
                // same shape computes the same root (the signed checkpoint binds the size). Any other size is refused.
                if (index < otherSize && MerkleProofs.Decompose(index, otherSize) == MerkleProofs.Decompose(index, size))
                {
                    Assert.Equal(root, MerkleProofs.RootFromInclusionProof(index, otherSize, leaf, proof));
                }
                else
                {
                    Refused(() => MerkleProofs.VerifyInclusion(index, otherSize, leaf, proof, root));
                }
            }
        }, iter: 40);

    [Fact]
    public void TamperedConsistencyProofsAreRefused() =>
        Gen.Select(Gen.OneOf(SmallTrees, LargerTrees), Gen.Double[0, 1], Gen.Double[0, 1]).Sample(x =>
        {
            var ((treeSize, seed), a, b) = x;

            // The tree holds twice the sizes under test, so that every changed size below has a proof to compare with.
            var (tree, _) = Build(((2 * treeSize) + 2, seed));
            var size2 = Math.Max(1, (int)(b * treeSize));
            var size1 = Math.Max(1, (int)(a * size2));
            var root1 = tree.Root(size1);
            var root2 = tree.Root(size2);
            var proof = tree.ConsistencyProof(size1, size2);
            MerkleProofs.VerifyConsistency(size1, size2, proof, root1, root2);

            for (var h = 0; h < proof.Length; h++)
            {
                for (var bit = 0; bit < 256; bit++)
                {
                    var tampered = (Hash[])proof.Clone();
                    tampered[h] = Flip(proof[h], bit);
                    Refused(() => MerkleProofs.VerifyConsistency(size1, size2, tampered, root1, root2));
                }
            }

            for (var bit = 0; bit < 256; bit++)
            {
                Refused(() => MerkleProofs.VerifyConsistency(size1, size2, proof, Flip(root1, bit), root2));
                Refused(() => MerkleProofs.VerifyConsistency(size1, size2, proof, root1, Flip(root2, bit)));
            }

            Refused(() => MerkleProofs.VerifyConsistency(size1, size2, [.. proof, root1], root1, root2));
            Refused(() => MerkleProofs.VerifyConsistency(size1, size2, [root2, .. proof], root1, root2));
            if (proof.Length > 0)
            {
                Refused(() => MerkleProofs.VerifyConsistency(size1, size2, proof[1..], root1, root2));
                Refused(() => MerkleProofs.VerifyConsistency(size1, size2, proof[..^1], root1, root2));
            }

            foreach (var (other1, other2) in new (long, long)[]
            {
                (size1 - 1, size2), (size1 + 1, size2), (size1, size2 - 1), (size1, size2 + 1), (0, size2),
                (size1, size2 * 2L), (size2, size1), (size1 * 2L, size2), (size1, size1),
            })
            {
                if ((other1, other2) == (size1, size2))
                {
                    continue;
                }

                // As for inclusion, sizes matter to the algorithm only through the proof's shape: if the changed
                // sizes are accepted, the tree must produce a proof of exactly the same length for them.
                var error = Record.Exception(() => MerkleProofs.VerifyConsistency(other1, other2, proof, root1, root2));
                if (error is null)
                {
                    Assert.True(other1 > 0 && other1 < other2, $"accepted sizes {other1}, {other2}");
                    Assert.Equal(proof.Length, tree.ConsistencyProof(other1, other2).Length);
                }
                else
                {
                    Assert.IsType<ProofException>(error);
                }
            }
        }, iter: 40);

    private static (MerkleTree Tree, Hash[] Leaves) Build((int Size, int Seed) t)
    {
        var leaves = new Hash[t.Size];
        for (var i = 0; i < t.Size; i++)
        {
            leaves[i] = TreeOracle.LeafOf(t.Seed + i);
        }

        var tree = new MerkleTree();

        // Half the trees grow one leaf at a time, half in one batch: both paths must build the same tree.
        if (t.Seed % 2 == 0)
        {
            tree.Append(leaves);
        }
        else
        {
            foreach (var leaf in leaves)
            {
                tree.Append(leaf);
            }
        }

        Assert.Equal(t.Size, tree.Size);
        return (tree, leaves);
    }

    private static Hash Flip(in Hash hash, int bit)
    {
        var bytes = hash.ToArray();
        bytes[bit / 8] ^= (byte)(1 << (bit % 8));
        return new Hash(bytes);
    }

    private static void Refused(Action verify) => Assert.Throws<ProofException>(verify);
}
