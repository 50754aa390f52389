using System.Numerics;

namespace Hotline.Ledger;

/// <summary>
/// An append-only RFC 9162 Merkle tree held in memory, keeping the hash of every complete subtree so that roots,
/// proofs and tiles for any earlier size are computed in O(log n) hashes.
/// </summary>
/// <remarks>
/// <para>
/// Storage: level k index i holds the hash of leaves [i·2^k, (i+1)·2^k). Each level is a list of fixed-size
/// chunks that are never copied or moved once written; growth allocates a new chunk and, rarely, a larger
/// directory of chunk references. A tree of n leaves holds about 2n hashes: about 64 bytes per leaf
/// (10,000,000 leaves ≈ 640 MB).
/// </para>
/// <para>
/// Concurrency: one appender, any number of readers, no locks. Calls to <see cref="Append(in Hash)"/> and
/// <see cref="Append(ReadOnlySpan{Hash})"/> must not overlap each other (the caller serializes them). Every
/// other member may be called from any thread at any time, also while an append runs: the appender writes all
/// hashes covered by a new size (and any chunk or directory holding them) before it publishes that size with a
/// volatile write, and readers read <see cref="Size"/> with a volatile read, so a reader working at any size
/// ≤ the <see cref="Size"/> it observed sees exactly the hashes of that tree.
/// </para>
/// </remarks>
public sealed class MerkleTree
{
    // A level-0 chunk holds 2^13 hashes (256 KiB); higher levels, which have fewer nodes, use smaller chunks
    // (never below 2^6) so that a small tree stays small.
    private const int TopChunkShift = 13;
    private const int MinChunkShift = 6;
    private const int MaxLevels = 63;

    private readonly Level?[] _levels = new Level?[MaxLevels + 1];
    private long _size;

    /// <summary>The number of leaves; read with acquire semantics, so all hashes it covers are visible.</summary>
    public long Size => Volatile.Read(ref _size);

    /// <summary>Appends one leaf hash (see <see cref="Rfc9162.LeafHash"/>) and publishes the new size. Single appender only.</summary>
    public void Append(in Hash leafHash)
    {
        var size = _size;
        Add(size, leafHash);
        Volatile.Write(ref _size, size + 1);
    }

    /// <summary>Appends leaf hashes in order and publishes the new size once, after all of them. Single appender only.</summary>
    public void Append(ReadOnlySpan<Hash> leafHashes)
    {
        var size = _size;
        foreach (ref readonly var leafHash in leafHashes)
        {
            Add(size, leafHash);
            size++;
        }

        Volatile.Write(ref _size, size);
    }

    /// <summary>The leaf hash at <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is not below <see cref="Size"/>.</exception>
    public Hash LeafHash(long index)
    {
        var size = Size;
        if (index < 0 || index >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"leaf index {index} is not in a tree of size {size}");
        }

        return Node(0, index);
    }

    /// <summary>The root (RFC 9162 MTH) of the tree at its current size.</summary>
    public Hash Root() => RangeRoot(0, Size);

    /// <summary>The root of the tree as it was at <paramref name="size"/> leaves; SHA-256("") for 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is negative or beyond <see cref="Size"/>.</exception>
    public Hash Root(long size)
    {
        CheckSize(size, nameof(size));
        return RangeRoot(0, size);
    }

    /// <summary>The RFC 9162 §2.1.3.1 inclusion proof of leaf <paramref name="index"/> in the tree of <paramref name="size"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is beyond <see cref="Size"/>, or the index is not below it.</exception>
    public Hash[] InclusionProof(long index, long size)
    {
        CheckSize(size, nameof(size));
        if (index < 0 || index >= size)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"leaf index {index} is not in a tree of size {size}");
        }

        var (inner, border) = MerkleProofs.Decompose(index, size);
        var proof = new Hash[inner + border];
        var next = AddInner(proof, 0, index, 0, inner, size);
        AddBorder(proof, next, index, inner);
        return proof;
    }

    /// <summary>
    /// The RFC 9162 §2.1.4.1 consistency proof from the tree of <paramref name="size1"/> to the tree of
    /// <paramref name="size2"/>; empty when the sizes are equal or <paramref name="size1"/> is 0 (which
    /// <see cref="MerkleProofs.VerifyConsistency"/> refuses, as it proves nothing).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, size1 exceeds size2, or size2 exceeds <see cref="Size"/>.</exception>
    public Hash[] ConsistencyProof(long size1, long size2)
    {
        CheckSize(size2, nameof(size2));
        if (size1 < 0 || size1 > size2)
        {
            throw new ArgumentOutOfRangeException(nameof(size1), size1, $"size1 {size1} is not between 0 and size2 {size2}");
        }

        if (size1 == 0 || size1 == size2)
        {
            return [];
        }

        // The inclusion proof of leaf size1-1 in size2, from the level where size1's last perfect subtree sits.
        var last = size1 - 1;
        var (inner, border) = MerkleProofs.Decompose(last, size2);
        var shift = BitOperations.TrailingZeroCount(size1);
        var seedIsRoot1 = size1 == 1L << shift;
        var proof = new Hash[(seedIsRoot1 ? 0 : 1) + (inner - shift) + border];
        var next = 0;
        if (!seedIsRoot1)
        {
            proof[next++] = Node(shift, last >> shift);
        }

        next = AddInner(proof, next, last, shift, inner, size2);
        AddBorder(proof, next, last, inner);
        return proof;
    }

    /// <summary>
    /// Writes the C2SP tlog-tiles hash tile at <paramref name="tileLevel"/>, <paramref name="tileIndex"/>:
    /// <paramref name="width"/> hashes of tree level 8·<paramref name="tileLevel"/>, from index 256·<paramref name="tileIndex"/>.
    /// </summary>
    /// <returns>The number of bytes written: 32·<paramref name="width"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The tile, or that width of it, is not (yet) complete in the tree, or a value is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public int ReadTile(int tileLevel, long tileIndex, int width, Span<byte> destination)
    {
        if (tileLevel is < 0 or > TilePath.MaxLevel)
        {
            throw new ArgumentOutOfRangeException(nameof(tileLevel), tileLevel, $"tile level {tileLevel} is not between 0 and {TilePath.MaxLevel}");
        }

        if (width is < 1 or > TilePath.FullWidth)
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, $"tile width {width} is not between 1 and {TilePath.FullWidth}");
        }

        var level = TilePath.Height * tileLevel;
        var available = level >= 64 ? 0 : Size >> level;
        if (tileIndex < 0 || tileIndex > available / TilePath.FullWidth || (tileIndex * TilePath.FullWidth) + width > available)
        {
            throw new ArgumentOutOfRangeException(
                nameof(width),
                width,
                $"tile {tileLevel}/{tileIndex} of width {width} is not complete: the tree has {available} hashes at level {level}");
        }

        var first = tileIndex * TilePath.FullWidth;
        var bytes = width * Hash.Size;
        if (destination.Length < bytes)
        {
            throw new ArgumentException($"a tile of width {width} needs {bytes} bytes, not {destination.Length}", nameof(destination));
        }

        for (var i = 0; i < width; i++)
        {
            Node(level, first + i).CopyTo(destination.Slice(i * Hash.Size, Hash.Size));
        }

        return bytes;
    }

    /// <summary>The hash of leaves [index·2^level, (index+1)·2^level); for known-answer tests of every stored node.</summary>
    internal Hash SubtreeHash(int level, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, MaxLevels);
        if (index < 0 || index >= Size >> level)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"subtree {index} at level {level} is not complete");
        }

        return Node(level, index);
    }

    private void CheckSize(long size, string name)
    {
        var current = Size;
        if (size < 0 || size > current)
        {
            throw new ArgumentOutOfRangeException(name, size, $"size {size} is not between 0 and the tree size {current}");
        }
    }

    /// <summary>Writes leaf <paramref name="index"/> and every subtree hash it completes.</summary>
    private void Add(long index, in Hash leafHash)
    {
        var hash = leafHash;
        var level = 0;
        var i = index;
        LevelAt(0).Set(i, hash);
        while ((i & 1) == 1)
        {
            hash = Rfc9162.NodeHash(LevelAt(level)[i - 1], hash);
            i >>= 1;
            level++;
            LevelAt(level).Set(i, hash);
        }
    }

    private Level LevelAt(int level) =>
        _levels[level] ??= new Level(Math.Max(TopChunkShift - level, MinChunkShift));

    private ref readonly Hash Node(int level, long index) => ref _levels[level]![index];

    /// <summary>The MTH of leaves [start, end), where start is a multiple of a power of two ≥ end − start.</summary>
    private Hash RangeRoot(long start, long end)
    {
        if (end == start)
        {
            return Hash.Empty;
        }

        // The range is a run of perfect subtrees, one per set bit of its length, largest first; fold them from the right.
        var remaining = (ulong)(end - start);
        var level = BitOperations.TrailingZeroCount(remaining);
        var hash = Node(level, (end >> level) - 1);
        end -= 1L << level;
        remaining &= remaining - 1;
        while (remaining != 0)
        {
            level = BitOperations.TrailingZeroCount(remaining);
            hash = Rfc9162.NodeHash(Node(level, (end >> level) - 1), hash);
            end -= 1L << level;
            remaining &= remaining - 1;
        }

        return hash;
    }

    /// <summary>The siblings of the path from leaf <paramref name="index"/> at levels [from, to), in a tree of <paramref name="size"/>.</summary>
    private int AddInner(Hash[] proof, int next, long index, int from, int to, long size)
    {
        for (var level = from; level < to; level++)
        {
            var sibling = (index >> level) ^ 1;
            var siblingStart = sibling << level;
            var siblingEnd = siblingStart + (1L << level);
            proof[next++] = siblingEnd <= size ? Node(level, sibling) : RangeRoot(siblingStart, size);
        }

        return next;
    }

    /// <summary>The left siblings of the path from leaf <paramref name="index"/> above level <paramref name="from"/>.</summary>
    private void AddBorder(Hash[] proof, int next, long index, int from)
    {
        for (var rest = (ulong)index >> from; rest != 0; rest &= rest - 1)
        {
            var level = from + BitOperations.TrailingZeroCount(rest);
            proof[next++] = Node(level, (index >> level) - 1);
        }
    }

    /// <summary>One level's hashes in chunks of 2^shift; chunks never move, the directory of them is replaced when full.</summary>
    private sealed class Level(int shift)
    {
        private readonly int _shift = shift;
        private readonly long _mask = (1L << shift) - 1;
        private Hash[]?[] _chunks = new Hash[]?[4];

        public ref readonly Hash this[long index] => ref _chunks[index >> _shift]![index & _mask];

        /// <summary>Appender only; the caller publishes the size after this returns.</summary>
        public void Set(long index, in Hash hash)
        {
            var chunks = _chunks;
            var c = index >> _shift;
            if (c >= chunks.Length)
            {
                // Readers holding the old directory only reach chunks it already lists, which stay in place.
                var larger = new Hash[]?[chunks.Length * 2];
                Array.Copy(chunks, larger, chunks.Length);
                Volatile.Write(ref _chunks, larger);
                chunks = larger;
            }

            var chunk = chunks[c] ??= new Hash[1 << _shift];
            chunk[index & _mask] = hash;
        }
    }
}
