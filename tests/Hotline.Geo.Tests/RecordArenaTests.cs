namespace Hotline.Geo.Tests;

public sealed unsafe class RecordArenaTests
{
    [Fact]
    public void RunsAreAlignedToCacheLinesAndNeverOverlap()
    {
        var arena = new RecordArena<long>();
        var random = new Random(7);
        var live = new List<(Slice<long> Slice, long Stamp)>();
        for (var step = 0; step < 4_000; step++)
        {
            if (live.Count > 0 && random.Next(3) == 0)
            {
                // Give one back after checking nobody wrote over it.
                var at = random.Next(live.Count);
                AssertIntact(live[at].Slice, live[at].Stamp);
                arena.Return(live[at].Slice);
                live.RemoveAt(at);
                continue;
            }

            // Mostly small runs, now and then one larger than the first chunks.
            var capacity = 1 << (random.Next(10) == 0 ? random.Next(12, 18) : random.Next(0, 9));
            var slice = arena.Rent(capacity);
            Assert.Equal(capacity, slice.Capacity);
            Assert.Equal(0, (long)slice.Items % 64);
            var stamp = ((long)step << 32) + 1;
            slice.AsSpan().Fill(stamp);
            live.Add((slice, stamp));
        }

        foreach (var (slice, stamp) in live)
        {
            AssertIntact(slice, stamp);
        }

        // No two live runs share a byte.
        var ranges = live.Select(l => ((long)l.Slice.Items, (long)(l.Slice.Items + l.Slice.Capacity))).Order().ToList();
        for (var i = 1; i < ranges.Count; i++)
        {
            Assert.True(ranges[i].Item1 >= ranges[i - 1].Item2, "two live runs overlap");
        }
    }

    [Fact]
    public void AReturnedRunIsReusedForTheSameCapacity()
    {
        var arena = new RecordArena<int>();
        var first = arena.Rent(64);
        var other = arena.Rent(64);
        arena.Return(first);
        var reserved = arena.ReservedBytes;

        var again = arena.Rent(64);

        Assert.True(again.Items == first.Items, "the returned run was not reused");
        Assert.True(other.Items != first.Items);
        Assert.Equal(reserved, arena.ReservedBytes);
    }

    [Fact]
    public void ARunLargerThanAnyChunkGetsAChunkOfItsOwn()
    {
        var arena = new RecordArena<long>();
        var huge = arena.Rent(1 << 23); // 64 MiB, twice the largest regular chunk
        huge[(1 << 23) - 1] = 42;
        Assert.Equal(42, huge[(1 << 23) - 1]);
        Assert.True(arena.ReservedBytes >= (8L << 23));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-4)]
    [InlineData(3)]
    [InlineData(96)]
    public void ACapacityThatIsNotAPowerOfTwoIsRefused(int capacity)
    {
        var arena = new RecordArena<long>();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => arena.Rent(capacity));
        Assert.Contains("power of two", error.Message, StringComparison.Ordinal);
    }

    private static void AssertIntact(Slice<long> slice, long stamp)
    {
        foreach (var value in slice.AsSpan())
        {
            Assert.Equal(stamp, value);
        }
    }
}
