namespace Hotline.Geo.Tests.Oracle;

/// <summary>The raw description of a test footprint, shared by the engine (through its builders) and the oracle.</summary>
internal sealed record FootprintSpec((double Lat, double Lng) Centre, double Radius, IReadOnlyList<(double Lat, double Lng)> Ring)
{
    public bool IsCircle => Ring.Count == 0;

    public static FootprintSpec Circle((double Lat, double Lng) centre, double radius) => new(centre, radius, []);

    public static FootprintSpec Polygon(IReadOnlyList<(double Lat, double Lng)> ring) => new(ring[0], 0, ring);

    public Footprint Build(FootprintLimits? limits = null) =>
        IsCircle ? CircleFootprint.Create(Centre.Lat, Centre.Lng, Radius, limits) : PolygonFootprint.Create(Ring, limits);

    public override string ToString() => IsCircle
        ? $"circle(({Centre.Lat:R}, {Centre.Lng:R}), {Radius:R} m)"
        : $"polygon[{string.Join(", ", Ring.Select(p => $"({p.Lat:R}, {p.Lng:R})"))}]";
}
