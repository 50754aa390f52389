namespace Hotline.Geo;

/// <summary>A closed altitude band [<see cref="Lower"/>, <see cref="Upper"/>] in metres above the WGS84 ellipsoid
/// (ASTM F3548 <c>W84</c>). A band of zero thickness is allowed.</summary>
public readonly record struct AltitudeBand
{
    /// <summary>Creates a band; throws <see cref="GeometryException"/> when a bound is not finite or lower &gt; upper.</summary>
    public AltitudeBand(double lower, double upper)
    {
        if (!double.IsFinite(lower))
        {
            throw new GeometryException("altitude.lower", "must be a finite number of metres");
        }

        if (!double.IsFinite(upper))
        {
            throw new GeometryException("altitude.upper", "must be a finite number of metres");
        }

        if (lower > upper)
        {
            throw new GeometryException("altitude", $"lower ({LatLng.Format(lower)} m) must not be above upper ({LatLng.Format(upper)} m)");
        }

        Lower = lower;
        Upper = upper;
    }

    /// <summary>Lower bound, metres (W84).</summary>
    public double Lower { get; }

    /// <summary>Upper bound, metres (W84).</summary>
    public double Upper { get; }

    /// <summary>The vertical gap to another band in metres; negative when they overlap.</summary>
    public double GapTo(AltitudeBand other) => Math.Max(Lower, other.Lower) - Math.Min(Upper, other.Upper);
}
