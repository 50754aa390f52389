using System.Numerics;

namespace Hotline.Ledger;

/// <summary>
/// Verification of RFC 9162 inclusion (§2.1.3.2) and consistency (§2.1.4.2) proofs, with the conventions of
/// transparency-dev/merkle: a proof must have exactly the expected number of hashes, a consistency proof from the
/// empty tree is refused (it proves nothing), and equal sizes need an empty proof and equal roots.
/// </summary>
/// <remarks>
/// A proof is decomposed as in transparency-dev/merkle: "inner" hashes are siblings below the level where the
/// paths to the leaf and to the tree's last leaf meet; "border" hashes are left siblings above it.
/// </remarks>
public static class MerkleProofs
{
    /// <summary>The root that <paramref name="proof"/> gives for <paramref name="leafHash"/> at <paramref name="index"/>.</summary>
    /// <exception cref="ProofException">The index is not in the tree or the proof has the wrong length.</exception>
    public static Hash RootFromInclusionProof(long index, long size, in Hash leafHash, IReadOnlyList<Hash> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (index < 0)
        {
            throw new ProofException($"index {index} is negative");
        }

        if (index >= size)
        {
            throw new ProofException($"index {index} is not below size {size}");
        }

        var (inner, border) = Decompose(index, size);
        if (proof.Count != inner + border)
        {
            throw new ProofException(
                $"proof has {proof.Count} hashes; a proof of leaf {index} in a tree of {size} has {inner + border}");
        }

        var hash = ChainInner(leafHash, proof, 0, inner, index);
        return ChainBorderRight(hash, proof, inner, border);
    }

    /// <summary>Checks that <paramref name="leafHash"/> is leaf <paramref name="index"/> of the tree of <paramref name="size"/> with <paramref name="root"/>.</summary>
    /// <exception cref="ProofException">The proof does not verify; the message says why.</exception>
    public static void VerifyInclusion(long index, long size, in Hash leafHash, IReadOnlyList<Hash> proof, in Hash root)
    {
        var computed = RootFromInclusionProof(index, size, leafHash, proof);
        if (computed != root)
        {
            throw new ProofException("computed root differs from the expected root");
        }
    }

    /// <summary>Checks that the tree of <paramref name="size2"/> with <paramref name="root2"/> extends the tree of <paramref name="size1"/> with <paramref name="root1"/>.</summary>
    /// <exception cref="ProofException">The proof does not verify; the message says why.</exception>
    public static void VerifyConsistency(long size1, long size2, IReadOnlyList<Hash> proof, in Hash root1, in Hash root2)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (size1 < 0)
        {
            throw new ProofException($"size1 {size1} is negative");
        }

        if (size2 < size1)
        {
            throw new ProofException($"size2 {size2} is below size1 {size1}");
        }

        if (size1 == 0)
        {
            // Every tree extends the empty tree, so such a "proof" would accept anything: refuse it outright.
            throw new ProofException("a consistency proof from the empty tree proves nothing (size1 is 0)");
        }

        if (size1 == size2)
        {
            if (proof.Count != 0)
            {
                throw new ProofException($"proof has {proof.Count} hashes; sizes are equal ({size1}) so it must be empty");
            }

            if (root1 != root2)
            {
                throw new ProofException($"sizes are equal ({size1}) but the roots differ");
            }

            return;
        }

        var (inner, border) = Decompose(size1 - 1, size2);
        var shift = BitOperations.TrailingZeroCount(size1);
        inner -= shift;

        // The proof starts with the hash of size1's last perfect subtree, unless size1 is a power of two and that
        // subtree is the whole first tree, whose root the verifier already has.
        var seedIsRoot1 = size1 == 1L << shift;
        var start = seedIsRoot1 ? 0 : 1;
        if (proof.Count != start + inner + border)
        {
            throw new ProofException(
                $"proof has {proof.Count} hashes; a consistency proof from size {size1} to size {size2} has {start + inner + border}");
        }

        var seed = seedIsRoot1 ? root1 : proof[0];
        var mask = (size1 - 1) >> shift;

        var hash1 = ChainInnerRight(seed, proof, start, inner, mask);
        hash1 = ChainBorderRight(hash1, proof, start + inner, border);
        if (hash1 != root1)
        {
            throw new ProofException($"computed root for size {size1} differs from the expected first root");
        }

        var hash2 = ChainInner(seed, proof, start, inner, mask);
        hash2 = ChainBorderRight(hash2, proof, start + inner, border);
        if (hash2 != root2)
        {
            throw new ProofException($"computed root for size {size2} differs from the expected second root");
        }
    }

    /// <summary>The number of inner and border hashes in the inclusion proof of <paramref name="index"/> in a tree of <paramref name="size"/>.</summary>
    internal static (int Inner, int Border) Decompose(long index, long size)
    {
        var inner = 64 - BitOperations.LeadingZeroCount(unchecked((ulong)(index ^ (size - 1))));
        var border = BitOperations.PopCount(unchecked((ulong)index) >> inner);
        return (inner, border);
    }

    private static Hash ChainInner(Hash seed, IReadOnlyList<Hash> proof, int from, int count, long index)
    {
        for (var i = 0; i < count; i++)
        {
            seed = ((index >> i) & 1) == 0 ? Rfc9162.NodeHash(seed, proof[from + i]) : Rfc9162.NodeHash(proof[from + i], seed);
        }

        return seed;
    }

    private static Hash ChainInnerRight(Hash seed, IReadOnlyList<Hash> proof, int from, int count, long index)
    {
        for (var i = 0; i < count; i++)
        {
            if (((index >> i) & 1) == 1)
            {
                seed = Rfc9162.NodeHash(proof[from + i], seed);
            }
        }

        return seed;
    }

    private static Hash ChainBorderRight(Hash seed, IReadOnlyList<Hash> proof, int from, int count)
    {
        for (var i = 0; i < count; i++)
        {
            seed = Rfc9162.NodeHash(proof[from + i], seed);
        }

        return seed;
    }
}
