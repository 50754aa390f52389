using CsCheck;

namespace Hotline.Geo.Tests.Oracle;

/// <summary>Random footprints with the hard cases over-represented: poles, the antimeridian, long great-circle
/// edges, concave (star-shaped) polygons, and sizes from 1 m to 500 km.</summary>
internal static class Generators
{
    public static readonly Gen<(double Lat, double Lng)> Location = Gen.Frequency(
        (3, Gen.Select(Gen.Double[-0.99999, 0.99999], Gen.Double[-180, 180], (z, lng) => (Math.Asin(z) * 180 / Math.PI, lng))),
        (2, Gen.Select(Gen.Double[84, 89.99], Gen.Double[-180, 180], Gen.Bool, (lat, lng, north) => (north ? lat : -lat, lng))),
        (2, Gen.Select(Gen.Double[-70, 70], Gen.Double[176, 180], Gen.Bool, (lat, lng, east) => (lat, east ? lng : -lng))),
        (1, Gen.Select(Gen.Double[34, 38.5], Gen.Double[36, 41.5], (lat, lng) => (lat, lng))));

    /// <summary>Log-uniform sizes from 1 m to 500 km.</summary>
    public static readonly Gen<double> Size = Gen.Double[0, Math.Log(500_000)].Select(Math.Exp);

    public static Gen<FootprintSpec> FootprintAt((double Lat, double Lng) centre, double size) => Gen.Frequency(
        (3, Gen.Const(FootprintSpec.Circle(centre, size))),
        (4, Gen.Select(Gen.Int[3, 12], Gen.Double[0.3, 1], Gen.Double[0, 2 * Math.PI], Gen.Double[0, 0.8].Array[12], (k, q, rot, jitter) =>
            Convex(centre, size, k, q, rot, jitter))),
        (3, Gen.Select(Gen.Int[4, 12], Gen.Double[0, 2 * Math.PI], Gen.Double[0, 0.8].Array[12], Gen.Double[0.2, 1].Array[12], (k, rot, jitter, radial) =>
            Star(centre, size, k, rot, jitter, radial))));

    public static readonly Gen<FootprintSpec> Footprint =
        Gen.Select(Location, Size).SelectMany(p => FootprintAt(p.Item1, p.Item2));

    /// <summary>A pair placed so that it is often near touching: B's centre at a random fraction of the sum of
    /// the sizes from A's centre, or right next to one of A's vertices.</summary>
    public static readonly Gen<(FootprintSpec A, FootprintSpec B, double Separation)> NearPair =
        Gen.Select(Location, Size, Size).SelectMany(t =>
        {
            var (centre, sizeA, sizeB) = t;
            return FootprintAt(centre, sizeA).SelectMany(a =>
                Gen.Select(Gen.Double[0, 1.4], Gen.Double[0, 2 * Math.PI], Gen.Bool, Gen.Double[0, 2]).SelectMany(u =>
                {
                    var (fraction, azimuth, byVertex, near) = u;
                    var bCentre = byVertex && !a.IsCircle
                        ? SphereOracle.Destination(a.Ring[0], near * sizeB, azimuth)
                        : SphereOracle.Destination(a.Centre, fraction * (sizeA + sizeB), azimuth);
                    return FootprintAt(bCentre, sizeB).SelectMany(b =>
                        Gen.Frequency(
                            (2, Gen.Const(0.0)),
                            (2, Gen.Double[0, 2 * Math.Min(sizeA, sizeB)]),
                            (1, Gen.Double[0, 50_000])).Select(separation => (a, b, separation)));
                }));
        });

    private static FootprintSpec Convex((double Lat, double Lng) centre, double r, int k, double q, double rot, double[] jitter)
    {
        var ring = new (double, double)[k];
        for (var j = 0; j < k; j++)
        {
            var a = 2 * Math.PI * (j + jitter[j]) / k;
            var x = r * Math.Cos(a);
            var y = q * r * Math.Sin(a);
            var xe = (x * Math.Cos(rot)) - (y * Math.Sin(rot));
            var yn = (x * Math.Sin(rot)) + (y * Math.Cos(rot));
            ring[j] = SphereOracle.Destination(centre, Math.Sqrt((xe * xe) + (yn * yn)), Math.Atan2(xe, yn));
        }

        return FootprintSpec.Polygon(ring);
    }

    private static FootprintSpec Star((double Lat, double Lng) centre, double r, int k, double rot, double[] jitter, double[] radial)
    {
        var ring = new (double, double)[k];
        for (var j = 0; j < k; j++)
        {
            var a = rot + (2 * Math.PI * (j + jitter[j]) / k);
            ring[j] = SphereOracle.Destination(centre, r * radial[j], a);
        }

        return FootprintSpec.Polygon(ring);
    }
}
