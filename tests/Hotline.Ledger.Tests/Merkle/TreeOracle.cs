namespace Hotline.Ledger.Tests.Merkle;

/// <summary>Independent, deliberately naive RFC 9162 §2.1.1 MTH, straight from the recursive definition.</summary>
internal static class TreeOracle
{
    public static Hash Mth(IReadOnlyList<Hash> leaves, int start, int end)
    {
        var n = end - start;
        if (n == 0)
        {
            return Hash.Of([]);
        }

        if (n == 1)
        {
            return leaves[start];
        }

        var k = 1;
        while (k * 2 < n)
        {
            k *= 2;
        }

        var buffer = new byte[65];
        buffer[0] = 1;
        Mth(leaves, start, start + k).CopyTo(buffer.AsSpan(1));
        Mth(leaves, start + k, end).CopyTo(buffer.AsSpan(33));
        return Hash.Of(buffer);
    }

    public static Hash LeafOf(int i) => Hash.Of([0, .. BitConverter.GetBytes(i)]);

    public static MerkleTree Build(int size, out Hash[] leaves)
    {
        leaves = new Hash[size];
        for (var i = 0; i < size; i++)
        {
            leaves[i] = LeafOf(i);
        }

        var tree = new MerkleTree();
        tree.Append(leaves);
        return tree;
    }
}
