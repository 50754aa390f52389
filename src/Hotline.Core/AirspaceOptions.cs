using Hotline.Geo;

namespace Hotline.Core;

/// <summary>Per-deployment rules.</summary>
public sealed record AirspaceOptions
{
    /// <summary>Separation minima between different parties' volumes.</summary>
    public Separation Separation { get; init; } = Separation.None;

    /// <summary>Largest footprint accepted.</summary>
    public FootprintLimits FootprintLimits { get; init; } = FootprintLimits.Default;

    /// <summary>Most extents in one reservation or constraint (at most 256).</summary>
    public int MaxExtents { get; init; } = 64;

    /// <summary>Longest call sign, note or party name, in characters.</summary>
    public int MaxTextLength { get; init; } = 1_000;

    /// <summary>Most writes committed together (group commit).</summary>
    public int MaxBatch { get; init; } = 1_024;

    /// <summary>How far a signed request's time may be from the server's clock; the server remembers nonces for
    /// twice as long, so a replay is refused.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);
}
