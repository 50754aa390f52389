namespace Hotline.Geo;

/// <summary>A half-open time window [<see cref="Start"/>, <see cref="End"/>) in UTC, to the tick (100 ns).</summary>
public readonly record struct TimeWindow
{
    /// <summary>Creates a window; throws <see cref="GeometryException"/> when end is not after start.</summary>
    public TimeWindow(DateTimeOffset start, DateTimeOffset end)
        : this(start.UtcTicks, end.UtcTicks)
    {
    }

    /// <summary>Creates a window from UTC ticks; throws <see cref="GeometryException"/> when end ≤ start.</summary>
    public TimeWindow(long startUtcTicks, long endUtcTicks)
    {
        if (startUtcTicks < DateTimeOffset.MinValue.UtcTicks || startUtcTicks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw new GeometryException("time.start", "is out of range");
        }

        if (endUtcTicks < DateTimeOffset.MinValue.UtcTicks || endUtcTicks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw new GeometryException("time.end", "is out of range");
        }

        if (endUtcTicks <= startUtcTicks)
        {
            throw new GeometryException("time", $"end ({Format(endUtcTicks)}) must be after start ({Format(startUtcTicks)})");
        }

        StartTicks = startUtcTicks;
        EndTicks = endUtcTicks;
    }

    /// <summary>Start, UTC ticks (inclusive).</summary>
    public long StartTicks { get; }

    /// <summary>End, UTC ticks (exclusive).</summary>
    public long EndTicks { get; }

    /// <summary>Start (inclusive).</summary>
    public DateTimeOffset Start => new(StartTicks, TimeSpan.Zero);

    /// <summary>End (exclusive).</summary>
    public DateTimeOffset End => new(EndTicks, TimeSpan.Zero);

    /// <summary>The gap to another window in ticks; zero when they abut, negative when they overlap.</summary>
    public long GapTo(TimeWindow other) => Math.Max(StartTicks, other.StartTicks) - Math.Min(EndTicks, other.EndTicks);

    /// <summary>Creates a window from Unix seconds.</summary>
    public static TimeWindow FromUnixSeconds(long start, long end) => new(UnixTicks(start, "time.start"), UnixTicks(end, "time.end"));

    private static long UnixTicks(long seconds, string field)
    {
        const long MinSeconds = -62_135_596_800; // 0001-01-01
        const long MaxSeconds = 253_402_300_799; // 9999-12-31T23:59:59
        return seconds is < MinSeconds or > MaxSeconds
            ? throw new GeometryException(field, "is out of range")
            : DateTimeOffset.UnixEpoch.UtcTicks + (seconds * TimeSpan.TicksPerSecond);
    }

    private static string Format(long ticks) => new DateTimeOffset(ticks, TimeSpan.Zero).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
}
