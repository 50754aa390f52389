using System.Numerics;

namespace Hotline.Ledger;

/// <summary>
/// Subtrees of a Merkle tree as the IETF draft "Merkle Tree Certificates" (draft-ietf-plants-merkle-tree-certs,
/// "Subtrees") defines them: the RFC 9162 tree hash MTH(D[start:end]) of an aligned interval [start, end) of the log,
/// with verification of subtree inclusion and subtree consistency proofs.
/// </summary>
/// <remarks>
/// <para>
/// A subtree is valid when 0 ≤ start ≤ end and start is a multiple of BIT_CEIL(end − start). Alignment makes a
/// non-empty subtree of a tree of size ≥ end a node of the tree of size end: the node at height
/// h = bit length of (end − start − 1) whose leftmost leaf is start. In a larger tree that node may be cut by the
/// tree's right edge, which is why a consistency proof must rebuild the subtree hash as well as the root.
/// </para>
/// <para>
/// Conventions, as in transparency-dev/merkle and the draft: a proof must have exactly the expected number of
/// hashes; the empty subtree [s, s) is consistent with every tree of size ≥ s, with an empty proof and the
/// empty-tree hash as its hash (the root plays no part: the empty subtree says nothing about the tree).
/// </para>
/// </remarks>
public static class Subtrees
{
    /// <summary>Whether [<paramref name="start"/>, <paramref name="end"/>) is a valid subtree (in any tree of size ≥ <paramref name="end"/>).</summary>
    public static bool IsValid(long start, long end) => Invalidity(start, end) is null;

    /// <summary>
    /// The subtree hash that <paramref name="proof"/> gives for <paramref name="leafHash"/> at log index
    /// <paramref name="index"/> of the subtree [<paramref name="start"/>, <paramref name="end"/>): an RFC 9162
    /// inclusion proof of leaf index − start in the tree over the end − start entries of the subtree.
    /// </summary>
    /// <exception cref="ProofException">The subtree is not valid, the index is not in it, or the proof has the wrong length.</exception>
    public static Hash RootFromSubtreeInclusionProof(long index, long start, long end, in Hash leafHash, IReadOnlyList<Hash> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ThrowIfInvalid(start, end);
        if (index < start || index >= end)
        {
            throw new ProofException($"index {index} is not in the subtree [{start}, {end})");
        }

        var (inner, border) = MerkleProofs.Decompose(index - start, end - start);
        if (proof.Count != inner + border)
        {
            throw new ProofException(
                $"proof has {proof.Count} hashes; a proof of leaf {index} in the subtree [{start}, {end}) has {inner + border}");
        }

        return MerkleProofs.RootFromInclusionProof(index - start, end - start, leafHash, proof);
    }

    /// <summary>
    /// Checks that <paramref name="leafHash"/> is log entry <paramref name="index"/> of the subtree
    /// [<paramref name="start"/>, <paramref name="end"/>) whose hash is <paramref name="subtreeHash"/>.
    /// </summary>
    /// <exception cref="ProofException">The proof does not verify; the message says why.</exception>
    public static void VerifySubtreeInclusion(
        long index, long start, long end, in Hash leafHash, IReadOnlyList<Hash> proof, in Hash subtreeHash)
    {
        var computed = RootFromSubtreeInclusionProof(index, start, end, leafHash, proof);
        if (computed != subtreeHash)
        {
            throw new ProofException($"computed hash of the subtree [{start}, {end}) differs from the expected subtree hash");
        }
    }

    /// <summary>
    /// Checks that the subtree [<paramref name="start"/>, <paramref name="end"/>) with <paramref name="subtreeHash"/>
    /// is part of the tree of <paramref name="size"/> with <paramref name="root"/>: every entry hashed into the
    /// subtree hash is the same entry of the tree.
    /// </summary>
    /// <exception cref="ProofException">The proof does not verify; the message says why.</exception>
    public static void VerifySubtreeConsistency(
        long start, long end, long size, IReadOnlyList<Hash> proof, in Hash subtreeHash, in Hash root)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ThrowIfInvalid(start, end);
        if (end > size)
        {
            throw new ProofException($"the subtree [{start}, {end}) ends beyond size {size}");
        }

        if (start == end)
        {
            if (proof.Count != 0)
            {
                throw new ProofException($"proof has {proof.Count} hashes; the subtree [{start}, {end}) is empty so it must be empty");
            }

            if (subtreeHash != Hash.Empty)
            {
                throw new ProofException($"the subtree [{start}, {end}) is empty but its hash is not the empty-tree hash");
            }

            return;
        }

        // Levels count up from the leaves. The subtree is the node at `height` above `start` in the tree of size
        // `end`; `last` and `final` are the paths of the subtree's last leaf and of the tree's last leaf, which meet
        // at `fork`. Below `fork` the path of `last` has a sibling at every level (a left one inside or before the
        // subtree, or a right one after it); from `fork` up it runs along the tree's right edge, where only left
        // siblings exist.
        var last = end - 1;
        var final = size - 1;
        var height = BitLength(last ^ start);
        var fork = BitLength(last ^ final);

        // The proof starts at the lowest node of the path of `last` that is also a node of the tree of `size`: the
        // subtree itself when it ends with the tree, else the largest perfect subtree ending at `last`. When that
        // node is the whole subtree, the verifier already has its hash, so the proof leaves it out.
        var seedLevel = end == size ? height : BitOperations.TrailingZeroCount(end - start);
        var seedInProof = seedLevel < height;
        var borderFrom = Math.Max(seedLevel, fork);
        var below = Math.Max(0, fork - seedLevel);
        var border = BitOperations.PopCount((ulong)(last >> borderFrom));
        var expected = (seedInProof ? 1 : 0) + below + border;
        if (proof.Count != expected)
        {
            throw new ProofException(
                $"proof has {proof.Count} hashes; a consistency proof of the subtree [{start}, {end}) in a tree of size {size} has {expected}");
        }

        // Two hashes climb together: `subtree` takes only the left siblings inside the subtree and must end as the
        // subtree hash; `tree` takes every sibling and must end as the root. Every proof hash reaches `tree`.
        var next = 0;
        var seed = seedInProof ? proof[next++] : subtreeHash;
        var subtree = seed;
        var tree = seed;
        for (var level = seedLevel; level < fork; level++)
        {
            var sibling = proof[next++];
            if (((last >> level) & 1) == 1)
            {
                if (level < height)
                {
                    subtree = Rfc9162.NodeHash(sibling, subtree);
                }

                tree = Rfc9162.NodeHash(sibling, tree);
            }
            else
            {
                tree = Rfc9162.NodeHash(tree, sibling);
            }
        }

        for (var rest = (ulong)(last >> borderFrom); rest != 0; rest &= rest - 1)
        {
            var level = borderFrom + BitOperations.TrailingZeroCount(rest);
            var sibling = proof[next++];
            if (level < height)
            {
                subtree = Rfc9162.NodeHash(sibling, subtree);
            }

            tree = Rfc9162.NodeHash(sibling, tree);
        }

        if (subtree != subtreeHash)
        {
            throw new ProofException($"computed hash of the subtree [{start}, {end}) differs from the expected subtree hash");
        }

        if (tree != root)
        {
            throw new ProofException($"computed root for size {size} differs from the expected root");
        }
    }

    private static void ThrowIfInvalid(long start, long end)
    {
        if (Invalidity(start, end) is { } reason)
        {
            throw new ProofException(reason);
        }
    }

    /// <summary>Why [start, end) is not a valid subtree, or null when it is.</summary>
    private static string? Invalidity(long start, long end)
    {
        if (start < 0)
        {
            return $"the subtree [{start}, {end}) starts at a negative index";
        }

        if (end < start)
        {
            return $"the subtree [{start}, {end}) ends before it starts";
        }

        // BIT_CEIL(end - start) = 2^BitLength(end - start - 1), and BIT_CEIL(0) = 1. Lengths above 2^62 have
        // BIT_CEIL 2^63, of which only start 0 is a multiple among longs; the mask below gives exactly that.
        var length = end - start;
        var alignment = length == 0 ? 0 : BitLength(length - 1);
        var mask = (1UL << alignment) - 1;
        return ((ulong)start & mask) == 0
            ? null
            : $"the subtree [{start}, {end}) is not aligned: start is not a multiple of BIT_CEIL(end - start) = 2^{alignment}";
    }

    private static int BitLength(long value) => 64 - BitOperations.LeadingZeroCount((ulong)value);
}
