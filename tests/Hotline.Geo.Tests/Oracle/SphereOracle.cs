using NetTopologySuite.Geometries;

namespace Hotline.Geo.Tests.Oracle;

/// <summary>
/// A brute-force distance oracle written independently of the engine: positions stay in lat/lng degrees,
/// distances are haversine, arcs are sampled by slerp and minimised numerically, and "do they overlap" is asked
/// of NetTopologySuite in a gnomonic projection (which maps great-circle arcs to straight segments exactly).
/// Every distance it returns is an upper bound of the true one (a sampled minimum can only be too large), tight to
/// well under a millimetre after refinement; so "oracle ≤ d" proves "true ≤ d".
/// </summary>
internal static class SphereOracle
{
    public const double R = 6_371_008.8;

    private static readonly GeometryFactory Factory = new();

    public static double Haversine((double Lat, double Lng) a, (double Lat, double Lng) b)
    {
        var p1 = Rad(a.Lat);
        var p2 = Rad(b.Lat);
        var dp = p2 - p1;
        var dl = Rad(b.Lng - a.Lng);
        var h = (Math.Sin(dp / 2) * Math.Sin(dp / 2)) + (Math.Cos(p1) * Math.Cos(p2) * Math.Sin(dl / 2) * Math.Sin(dl / 2));
        return 2 * R * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }

    /// <summary>The spherical destination formula (as in gen_volumes.py): from a position, a distance along an azimuth.</summary>
    public static (double Lat, double Lng) Destination((double Lat, double Lng) from, double meters, double azimuthRad)
    {
        var p1 = Rad(from.Lat);
        var l1 = Rad(from.Lng);
        var d = meters / R;
        var sp2 = (Math.Sin(p1) * Math.Cos(d)) + (Math.Cos(p1) * Math.Sin(d) * Math.Cos(azimuthRad));
        var p2 = Math.Asin(Math.Clamp(sp2, -1, 1));
        var l2 = l1 + Math.Atan2(Math.Sin(azimuthRad) * Math.Sin(d) * Math.Cos(p1), Math.Cos(d) - (Math.Sin(p1) * sp2));
        var lng = Deg(l2);
        lng = ((lng + 540) % 360) - 180;
        return (Math.Clamp(Deg(p2), -90, 90), Math.Clamp(lng, -180, 180));
    }

    public static double Distance(FootprintSpec a, FootprintSpec b)
    {
        if (a.IsCircle && b.IsCircle)
        {
            return Math.Max(0, Haversine(a.Centre, b.Centre) - a.Radius - b.Radius);
        }

        if (a.IsCircle)
        {
            return Math.Max(0, PointToPolygon(a.Centre, b.Ring) - a.Radius);
        }

        if (b.IsCircle)
        {
            return Math.Max(0, PointToPolygon(b.Centre, a.Ring) - b.Radius);
        }

        return PolygonToPolygon(a.Ring, b.Ring);
    }

    public static double PointToPolygon((double Lat, double Lng) p, IReadOnlyList<(double Lat, double Lng)> ring)
    {
        var frame = Frame(ring.Append(p));
        var polygon = Project(frame, ring);
        if (polygon.Covers(Factory.CreatePoint(Project(frame, p))))
        {
            return 0;
        }

        var best = double.MaxValue;
        for (var i = 0; i < ring.Count; i++)
        {
            best = Math.Min(best, PointToArc(p, ring[i], ring[(i + 1) % ring.Count]));
        }

        return best;
    }

    public static double PolygonToPolygon(IReadOnlyList<(double Lat, double Lng)> a, IReadOnlyList<(double Lat, double Lng)> b)
    {
        var frame = Frame(a.Concat(b));
        if (Project(frame, a).Intersects(Project(frame, b)))
        {
            return 0;
        }

        // Edge pairs, nearest first by a triangle-inequality lower bound, skipping those that cannot beat the best.
        var pairs = new List<(double Bound, int I, int J)>();
        for (var i = 0; i < a.Count; i++)
        {
            var (a0, a1) = (a[i], a[(i + 1) % a.Count]);
            var ma = Slerp(a0, a1, 0.5);
            var ha = Haversine(a0, a1) / 2;
            for (var j = 0; j < b.Count; j++)
            {
                var (b0, b1) = (b[j], b[(j + 1) % b.Count]);
                var bound = Haversine(ma, Slerp(b0, b1, 0.5)) - ha - (Haversine(b0, b1) / 2);
                pairs.Add((bound, i, j));
            }
        }

        pairs.Sort((x, y) => x.Bound.CompareTo(y.Bound));
        var best = double.MaxValue;
        foreach (var (bound, i, j) in pairs)
        {
            if (bound >= best)
            {
                break;
            }

            best = Math.Min(best, ArcToArc(a[i], a[(i + 1) % a.Count], b[j], b[(j + 1) % b.Count]));
        }

        return best;
    }

    public static double PointToArc((double Lat, double Lng) p, (double Lat, double Lng) a, (double Lat, double Lng) b)
    {
        var t = GoldenMin(t => Haversine(p, Slerp(a, b, t)), 0, 1);
        return Math.Min(Haversine(p, Slerp(a, b, t)), Math.Min(Haversine(p, a), Haversine(p, b)));
    }

    private static double ArcToArc((double Lat, double Lng) a0, (double Lat, double Lng) a1, (double Lat, double Lng) b0, (double Lat, double Lng) b1)
    {
        const int Samples = 32;
        var best = double.MaxValue;
        var bestIndex = 0;
        for (var k = 0; k <= Samples; k++)
        {
            var d = PointToArc(Slerp(a0, a1, (double)k / Samples), b0, b1);
            if (d < best)
            {
                best = d;
                bestIndex = k;
            }
        }

        var lo = Math.Max(0, bestIndex - 1) / (double)Samples;
        var hi = Math.Min(Samples, bestIndex + 1) / (double)Samples;
        var s = GoldenMin(s => PointToArc(Slerp(a0, a1, s), b0, b1), lo, hi);
        return Math.Min(best, PointToArc(Slerp(a0, a1, s), b0, b1));
    }

    private static double GoldenMin(Func<double, double> f, double lo, double hi)
    {
        var g = (Math.Sqrt(5) - 1) / 2;
        var x1 = hi - (g * (hi - lo));
        var x2 = lo + (g * (hi - lo));
        double f1 = f(x1), f2 = f(x2);
        for (var k = 0; k < 90 && hi - lo > 1e-15; k++)
        {
            if (f1 <= f2)
            {
                hi = x2;
                x2 = x1;
                f2 = f1;
                x1 = hi - (g * (hi - lo));
                f1 = f(x1);
            }
            else
            {
                lo = x1;
                x1 = x2;
                f1 = f2;
                x2 = lo + (g * (hi - lo));
                f2 = f(x2);
            }
        }

        return f1 <= f2 ? x1 : x2;
    }

    private static (double Lat, double Lng) Slerp((double Lat, double Lng) a, (double Lat, double Lng) b, double t)
    {
        var va = Xyz(a);
        var vb = Xyz(b);
        var dot = Math.Clamp((va.X * vb.X) + (va.Y * vb.Y) + (va.Z * vb.Z), -1, 1);
        var theta = Math.Acos(dot);
        if (theta < 1e-12)
        {
            return a;
        }

        var wa = Math.Sin((1 - t) * theta) / Math.Sin(theta);
        var wb = Math.Sin(t * theta) / Math.Sin(theta);
        var x = (wa * va.X) + (wb * vb.X);
        var y = (wa * va.Y) + (wb * vb.Y);
        var z = (wa * va.Z) + (wb * vb.Z);
        return (Deg(Math.Atan2(z, Math.Sqrt((x * x) + (y * y)))), Deg(Math.Atan2(y, x)));
    }

    private static (double X, double Y, double Z) Xyz((double Lat, double Lng) p)
    {
        var phi = Rad(p.Lat);
        var lambda = Rad(p.Lng);
        return (Math.Cos(phi) * Math.Cos(lambda), Math.Cos(phi) * Math.Sin(lambda), Math.Sin(phi));
    }

    private sealed record GnomonicFrame((double X, double Y, double Z) C, (double X, double Y, double Z) E1, (double X, double Y, double Z) E2);

    private static GnomonicFrame Frame(IEnumerable<(double Lat, double Lng)> points)
    {
        double x = 0, y = 0, z = 0;
        foreach (var p in points)
        {
            var v = Xyz(p);
            x += v.X;
            y += v.Y;
            z += v.Z;
        }

        var n = Math.Sqrt((x * x) + (y * y) + (z * z));
        var c = (x / n, y / n, z / n);
        // e1 = normalise(north-pole-ish × c), choosing a helper axis away from c.
        var helper = Math.Abs(c.Item3) < 0.9 ? (0.0, 0.0, 1.0) : (1.0, 0.0, 0.0);
        var e1 = CrossN(helper, c);
        var e2 = CrossN(c, e1);
        return new GnomonicFrame(c, e1, e2);
    }

    private static (double, double, double) CrossN((double X, double Y, double Z) a, (double X, double Y, double Z) b)
    {
        var x = (a.Y * b.Z) - (a.Z * b.Y);
        var y = (a.Z * b.X) - (a.X * b.Z);
        var z = (a.X * b.Y) - (a.Y * b.X);
        var n = Math.Sqrt((x * x) + (y * y) + (z * z));
        return (x / n, y / n, z / n);
    }

    private static Coordinate Project(GnomonicFrame f, (double Lat, double Lng) p)
    {
        var v = Xyz(p);
        var dc = (v.X * f.C.X) + (v.Y * f.C.Y) + (v.Z * f.C.Z);
        if (dc <= 0)
        {
            throw new InvalidOperationException("oracle: point outside the projection hemisphere");
        }

        return new Coordinate(((v.X * f.E1.X) + (v.Y * f.E1.Y) + (v.Z * f.E1.Z)) / dc, ((v.X * f.E2.X) + (v.Y * f.E2.Y) + (v.Z * f.E2.Z)) / dc);
    }

    private static Polygon Project(GnomonicFrame f, IReadOnlyList<(double Lat, double Lng)> ring)
    {
        var coordinates = ring.Select(p => Project(f, p)).Append(Project(f, ring[0])).ToArray();
        return Factory.CreatePolygon(coordinates);
    }

    private static double Rad(double d) => d * Math.PI / 180;

    private static double Deg(double r) => r * 180 / Math.PI;
}
