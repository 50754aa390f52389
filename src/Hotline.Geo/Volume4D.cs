namespace Hotline.Geo;

/// <summary>A 4D volume: footprint × altitude band × time window. Valid by construction.</summary>
public sealed record Volume4D(Footprint Footprint, AltitudeBand Altitude, TimeWindow Time)
{
    /// <summary>The footprint.</summary>
    public Footprint Footprint { get; } = Footprint ?? throw new GeometryException("footprint", "is required");

    /// <summary>True when this volume and <paramref name="other"/> come within the separation minima.</summary>
    public bool ConflictsWith(Volume4D other, Separation separation)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Time.GapTo(other.Time) < separation.Time.Ticks
            && Altitude.GapTo(other.Altitude) <= separation.VerticalMeters
            && Lateral.Within(Footprint, other.Footprint, separation.LateralMeters);
    }

    /// <summary>True when <paramref name="inner"/>'s time window and altitude band lie within this volume's and this
    /// footprint covers its footprint (see <see cref="Footprint.Covers"/>): ASTM F3548's "the subscription covers the
    /// operational intent".</summary>
    public bool Covers(Volume4D inner) => Coverage.Covers(this, inner);
}
