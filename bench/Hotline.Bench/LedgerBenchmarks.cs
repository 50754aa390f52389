using BenchmarkDotNet.Attributes;
using Hotline.Ledger;

namespace Hotline.Bench;

/// <summary>
/// The in-memory Merkle tree at 10,000,000 leaves (built once): inclusion proofs at random indices, consistency
/// proofs between random sizes, and appends. Budget: a proof in ≤ 20 µs.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class LedgerBenchmarks
{
    private const int Leaves = 10_000_000;
    private const int Batch = 1_000;

    private MerkleTree _tree = null!;
    private long[] _indices = null!;
    private (long, long)[] _sizes = null!;
    private Hash[] _appends = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _tree = new MerkleTree();
        var chunk = new Hash[65_536];
        Span<byte> entry = stackalloc byte[8];
        for (var i = 0; i < Leaves; i += chunk.Length)
        {
            var n = Math.Min(chunk.Length, Leaves - i);
            for (var j = 0; j < n; j++)
            {
                BitConverter.TryWriteBytes(entry, (long)(i + j));
                chunk[j] = Rfc9162.LeafHash(entry);
            }

            _tree.Append(chunk.AsSpan(0, n));
        }

        var random = new Random(1);
        _indices = [.. Enumerable.Range(0, 4_096).Select(_ => random.NextInt64(Leaves))];
        _sizes = [.. Enumerable.Range(0, 4_096).Select(_ =>
        {
            var size2 = 1 + random.NextInt64(Leaves);
            return (1 + random.NextInt64(size2), size2);
        })];
        _appends = [.. Enumerable.Range(0, Batch).Select(i => Rfc9162.LeafHash(BitConverter.GetBytes(-i)))];
    }

    /// <summary>One inclusion proof of a random leaf in the full tree.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int InclusionProof()
    {
        var total = 0;
        for (var i = 0; i < Batch; i++)
        {
            total += _tree.InclusionProof(_indices[_next++ & 4_095], Leaves).Length;
        }

        return total;
    }

    /// <summary>One consistency proof between two random sizes.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int ConsistencyProof()
    {
        var total = 0;
        for (var i = 0; i < Batch; i++)
        {
            var (size1, size2) = _sizes[_next++ & 4_095];
            total += _tree.ConsistencyProof(size1, size2).Length;
        }

        return total;
    }

    /// <summary>One root at a random earlier size.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int RootAtSize()
    {
        var total = 0;
        for (var i = 0; i < Batch; i++)
        {
            total += _tree.Root(_sizes[_next++ & 4_095].Item1).GetHashCode();
        }

        return total;
    }

    /// <summary>One leaf appended (a batch of 1,000 on a tree of 10,000,000 and growing), per leaf.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public long Append()
    {
        _tree.Append(_appends);
        return _tree.Size;
    }

    /// <summary>The floor for Append: one leaf-sized SHA-256 node hash.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public Hash NodeHash()
    {
        var hash = _appends[0];
        for (var i = 0; i < Batch; i++)
        {
            hash = Rfc9162.NodeHash(hash, _appends[i]);
        }

        return hash;
    }
}
