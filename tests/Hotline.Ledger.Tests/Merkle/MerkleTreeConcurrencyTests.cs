namespace Hotline.Ledger.Tests.Merkle;

public sealed class MerkleTreeConcurrencyTests
{
    [Fact]
    public async Task ReadersComputingProofsWhileOneAppenderGrowsTheTreeAlwaysGetProofsThatVerify()
    {
        const int Total = 60_000;
        var tree = new MerkleTree();
        var leaves = new Hash[Total];
        for (var i = 0; i < Total; i++)
        {
            leaves[i] = TreeOracle.LeafOf(i);
        }

        using var done = new CancellationTokenSource();
        var appender = Task.Run(() =>
        {
            // Mixed single and batch appends, so both publication paths race with the readers; the batches cross
            // chunk and directory boundaries while readers are reading.
            var next = 0;
            while (next < Total)
            {
                var batch = Math.Min(next % 3 == 0 ? 1 : 97, Total - next);
                if (batch == 1)
                {
                    tree.Append(leaves[next]);
                }
                else
                {
                    tree.Append(leaves.AsSpan(next, batch));
                }

                next += batch;
            }
        });

        var readers = Enumerable.Range(0, 3).Select(r => Task.Run(() =>
        {
            var random = new Random(r);
            var checks = 0;
            while (!appender.IsCompleted || checks < 200)
            {
                var size = tree.Size;
                if (size < 2)
                {
                    continue;
                }

                var index = random.NextInt64(size);
                var older = 1 + random.NextInt64(size);
                var root = tree.Root(size);
                MerkleProofs.VerifyInclusion(index, size, leaves[index], tree.InclusionProof(index, size), root);
                MerkleProofs.VerifyConsistency(older, size, tree.ConsistencyProof(older, size), tree.Root(older), root);
                Assert.Equal(leaves[index], tree.LeafHash(index));
                checks++;
            }

            return checks;
        })).ToArray();

        await appender;
        var counts = await Task.WhenAll(readers);
        Assert.Equal(Total, tree.Size);
        Assert.All(counts, c => Assert.True(c >= 200));
        Assert.Equal(TreeOracle.Mth(leaves, 0, Total), tree.Root());
    }
}
