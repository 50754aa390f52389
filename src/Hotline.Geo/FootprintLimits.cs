using System.Globalization;

namespace Hotline.Geo;

/// <summary>
/// Per-deployment bounds on footprints. A footprint is measured by its bounding radius: the largest great-circle
/// distance from its centre to any point of it (for a circle, its radius).
/// </summary>
public sealed record FootprintLimits
{
    /// <summary>The largest bounding radius the engine supports at all: 5,000 km keeps every footprint well
    /// inside a hemisphere, which the exact tests rely on.</summary>
    public const double EngineMaxRadiusMeters = 5_000_000;

    /// <summary>The default: footprints up to 1,000 km from their centre.</summary>
    public static FootprintLimits Default { get; } = new(1_000_000);

    /// <summary>Creates limits; <paramref name="maxRadiusMeters"/> must be in (0, 5,000 km].</summary>
    public FootprintLimits(double maxRadiusMeters)
    {
        if (!double.IsFinite(maxRadiusMeters) || maxRadiusMeters <= 0 || maxRadiusMeters > EngineMaxRadiusMeters)
        {
            throw new GeometryException(nameof(maxRadiusMeters), $"must be in (0, {EngineMaxRadiusMeters.ToString(CultureInfo.InvariantCulture)}] metres");
        }

        MaxRadiusMeters = maxRadiusMeters;
    }

    /// <summary>The largest bounding radius accepted, in metres.</summary>
    public double MaxRadiusMeters { get; }
}
