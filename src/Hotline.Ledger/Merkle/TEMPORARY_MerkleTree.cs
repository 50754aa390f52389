// TEMPORARY: naive stand-in so main compiles until branch `merkle` lands; deleted at that merge.
#pragma warning disable CS1591
namespace Hotline.Ledger;

public static class Rfc9162
{
    public static Hash LeafHash(ReadOnlySpan<byte> entry)
    {
        var buffer = new byte[entry.Length + 1];
        entry.CopyTo(buffer.AsSpan(1));
        return Hash.Of(buffer);
    }

    public static Hash NodeHash(in Hash left, in Hash right)
    {
        Span<byte> buffer = stackalloc byte[65];
        buffer[0] = 1;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[33..]);
        return Hash.Of(buffer);
    }
}

public sealed class MerkleTree
{
    private readonly List<Hash> _leaves = [];

    public long Size { get; private set; }

    public void Append(in Hash leafHash)
    {
        lock (_leaves)
        {
            _leaves.Add(leafHash);
            Size = _leaves.Count;
        }
    }

    public Hash LeafHash(long index)
    {
        lock (_leaves)
        {
            return _leaves[(int)index];
        }
    }

    public Hash Root() => Root(Size);

    public Hash Root(long size)
    {
        lock (_leaves)
        {
            return size == 0 ? Hash.Empty : Mth(0, (int)size);
        }
    }

    public Hash[] InclusionProof(long index, long size)
    {
        lock (_leaves)
        {
            var proof = new List<Hash>();
            Path((int)index, 0, (int)size, proof);
            return [.. proof];
        }
    }

    private Hash Mth(int start, int end)
    {
        if (end - start == 1)
        {
            return _leaves[start];
        }

        var k = 1;
        while (k * 2 < end - start)
        {
            k *= 2;
        }

        return Rfc9162.NodeHash(Mth(start, start + k), Mth(start + k, end));
    }

    private void Path(int m, int start, int end, List<Hash> proof)
    {
        if (end - start <= 1)
        {
            return;
        }

        var k = 1;
        while (k * 2 < end - start)
        {
            k *= 2;
        }

        if (m < k)
        {
            Path(m, start, start + k, proof);
            proof.Add(Mth(start + k, end));
        }
        else
        {
            Path(m - k, start + k, end, proof);
            proof.Add(Mth(start, start + k));
        }
    }
}
