namespace Hotline.Geo;

/// <summary>
/// The Earth model: a sphere of the IUGG mean radius. Every distance in Hotline is a great-circle distance on it,
/// and every polygon edge is a great-circle arc on it (the same model as <c>gen_volumes.py</c> and PostGIS
/// <c>geography</c> with <c>use_spheroid = false</c>).
/// </summary>
public static class Earth
{
    /// <summary>Mean Earth radius R1 (IUGG), in metres.</summary>
    public const double RadiusMeters = 6_371_008.8;

    /// <summary>The central angle, in radians, that spans <paramref name="meters"/> on the surface.</summary>
    public static double AngleOf(double meters) => meters / RadiusMeters;

    /// <summary>The surface distance, in metres, of a central angle in radians.</summary>
    public static double MetersOf(double angle) => angle * RadiusMeters;

    /// <summary>Great-circle distance in metres between two positions.</summary>
    public static double DistanceMeters(LatLng a, LatLng b) => MetersOf(Vec3.Angle(a.ToVector(), b.ToVector()));
}
