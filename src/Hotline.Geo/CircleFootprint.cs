using System.Globalization;

namespace Hotline.Geo;

/// <summary>A geodesic circle: every point within <see cref="RadiusMeters"/> of <see cref="Centre"/> on the sphere.</summary>
public sealed class CircleFootprint : Footprint
{
    private CircleFootprint(LatLng centre, double radiusMeters, Vec3 centreVector, double radius)
        : base(centreVector, radius)
    {
        Centre = centre;
        RadiusMeters = radiusMeters;
        InnerRadius = radius;
        Bounds = CapBounds(centreVector, radius);
    }

    /// <summary>The centre.</summary>
    public LatLng Centre { get; }

    /// <summary>The radius in metres along the surface.</summary>
    public double RadiusMeters { get; }

    /// <summary>Creates a circle; throws <see cref="GeometryException"/> for a bad centre or a radius that is not
    /// positive, not finite, or over the limit.</summary>
    public static CircleFootprint Create(double lat, double lng, double radiusMeters, FootprintLimits? limits = null)
    {
        limits ??= FootprintLimits.Default;
        LatLng.Check(lat, lng, "center");
        if (!double.IsFinite(radiusMeters))
        {
            throw new GeometryException("radius", "must be a finite number of metres");
        }

        if (radiusMeters <= 0)
        {
            throw new GeometryException("radius", $"must be greater than 0 metres, got {LatLng.Format(radiusMeters)}");
        }

        if (radiusMeters > limits.MaxRadiusMeters)
        {
            throw new GeometryException("radius", $"{Km(radiusMeters)} km exceeds the footprint size limit of {Km(limits.MaxRadiusMeters)} km");
        }

        var centre = new LatLng(lat, lng);
        return new CircleFootprint(centre, radiusMeters, centre.ToVector(), Earth.AngleOf(radiusMeters));
    }

    /// <summary>Creates a circle around a position.</summary>
    public static CircleFootprint Create(LatLng centre, double radiusMeters, FootprintLimits? limits = null) =>
        Create(centre.Lat, centre.Lng, radiusMeters, limits);

    private static Box3 CapBounds(in Vec3 c, double radius)
    {
        // Along each axis the cap reaches cos(angle to the axis − radius), or the axis itself if it is inside.
        static (double Min, double Max) Extent(double component, double radius)
        {
            var toPlus = Math.Acos(Math.Clamp(component, -1, 1));
            var toMinus = Math.PI - toPlus;
            var max = toPlus <= radius ? 1 : Math.Cos(toPlus - radius);
            var min = toMinus <= radius ? -1 : -Math.Cos(toMinus - radius);
            return (min, max);
        }

        var (minX, maxX) = Extent(c.X, radius);
        var (minY, maxY) = Extent(c.Y, radius);
        var (minZ, maxZ) = Extent(c.Z, radius);
        return new Box3(minX, minY, minZ, maxX, maxY, maxZ).Expand(1e-9);
    }

    private static string Km(double meters) => (meters / 1000).ToString("0.###", CultureInfo.InvariantCulture);
}
