namespace Hotline.Geo;

/// <summary>
/// The horizontal extent of a volume: a <see cref="PolygonFootprint"/> or a <see cref="CircleFootprint"/>.
/// Immutable and always valid; the prepared data (unit vectors, bounding cap and box) is computed once here so
/// that conflict tests do no trigonometry on the hot path.
/// </summary>
public abstract class Footprint
{
    private protected Footprint(Vec3 capCenter, double capRadius)
    {
        CapCenter = capCenter;
        CapRadius = capRadius;
    }

    /// <summary>Centre of the bounding cap.</summary>
    internal Vec3 CapCenter { get; }

    /// <summary>Radius (radians) of a cap around <see cref="CapCenter"/> that contains the footprint.</summary>
    internal double CapRadius { get; }

    /// <summary>Radius (radians) of a cap around <see cref="CapCenter"/> contained in the footprint, or 0.</summary>
    internal double InnerRadius { get; private protected set; }

    /// <summary>A conservative 3D box around the footprint's points on the unit sphere.</summary>
    internal Box3 Bounds { get; private protected set; }

    /// <summary>The centre used for bounding (vertex mean for polygons, the centre for circles).</summary>
    public LatLng Center
    {
        get
        {
            var (lat, lng) = CapCenter.ToLatLng();
            return new LatLng(Math.Clamp(lat, -90, 90), Math.Clamp(lng, -180, 180));
        }
    }

    /// <summary>The largest distance in metres from <see cref="Center"/> to any point of the footprint.</summary>
    public double BoundingRadiusMeters => Earth.MetersOf(CapRadius);

    /// <summary>True when the footprints come within <paramref name="meters"/> of each other (touching counts),
    /// under the exactness contract of <see cref="Lateral"/>.</summary>
    public bool IsWithin(Footprint other, double meters) => Lateral.Within(this, other, meters);

    /// <summary>How far outside, in metres, a point of a footprint may lie and still be reported covered by
    /// <see cref="Covers"/> (in fact never more than 2.5 cm).</summary>
    public const double CoverageToleranceMeters = 1;

    /// <summary>True whenever every point of <paramref name="inner"/> lies inside this footprint (boundary included);
    /// never when a point of it lies more than <see cref="CoverageToleranceMeters"/> outside; either answer in
    /// between. Exact anywhere on Earth (antimeridian, poles, long great-circle edges, concave polygons).</summary>
    public bool Covers(Footprint inner) => Coverage.Covers(this, inner);
}
