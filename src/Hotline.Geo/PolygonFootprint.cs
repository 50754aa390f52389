using System.Globalization;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Valid;

namespace Hotline.Geo;

/// <summary>
/// A simple polygon on the sphere whose edges are great-circle arcs (the shortest path between consecutive
/// vertices, as ASTM F3548 defines polygon edges). The region is the side of the ring that fits inside its
/// bounding cap, so orientation of the input does not matter; <see cref="Vertices"/> is counter-clockwise.
/// </summary>
public sealed class PolygonFootprint : Footprint
{
    /// <summary>Most vertices a polygon may have (ASTM F3548 volumes are far smaller).</summary>
    public const int MaxVertices = 1000;

    // Vertices closer than this (radians, about 0.6 mm) are the same vertex.
    private const double DuplicateChordSquared = 1e-20;

    // Below this a polygon encloses no area worth the name (square metres).
    private const double MinAreaSquareMeters = 1e-6;

    private readonly LatLng[] _vertices;
    private readonly double _cosCap;

    private PolygonFootprint(LatLng[] vertices, Vec3[] points, Vec3 center, double capRadius, Vec3 e1, Vec3 e2, double[] u, double[] v)
        : base(center, capRadius)
    {
        _vertices = vertices;
        E1 = e1;
        E2 = e2;
        _cosCap = Math.Cos(capRadius);
        // One array, one vertex per 40 bytes: a cold polygon costs as few cache misses as possible.
        Data = new double[points.Length * Stride];
        for (var i = 0; i < points.Length; i++)
        {
            var at = i * Stride;
            Data[at] = points[i].X;
            Data[at + 1] = points[i].Y;
            Data[at + 2] = points[i].Z;
            Data[at + 3] = u[i];
            Data[at + 4] = v[i];
        }
    }

    /// <summary>The distinct vertices, counter-clockwise seen from above, without the closing repeat.</summary>
    public IReadOnlyList<LatLng> Vertices => _vertices;

    /// <summary>Number of distinct vertices (from <see cref="Data"/>, which every test reads anyway: the vertex
    /// array is another cache miss on a cold polygon).</summary>
    internal int Count => Data.Length / Stride;

    /// <summary>Per vertex: unit vector x, y, z, then gnomonic u, v around the cap centre. The gnomonic
    /// projection maps great circles to straight lines, so in (u, v) the polygon is an ordinary planar polygon
    /// with the same topology.</summary>
    internal double[] Data { get; }

    internal const int Stride = 5;

    internal Vec3 E1 { get; }

    internal Vec3 E2 { get; }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal Vec3 Point(int i)
    {
        var at = i * Stride;
        return new Vec3(Data[at], Data[at + 1], Data[at + 2]);
    }

    /// <summary>Creates a polygon from a ring of positions (closed or not).</summary>
    public static PolygonFootprint Create(IReadOnlyList<LatLng> ring, FootprintLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(ring);
        var raw = new (double Lat, double Lng)[ring.Count];
        for (var i = 0; i < raw.Length; i++)
        {
            raw[i] = (ring[i].Lat, ring[i].Lng);
        }

        return Create(raw, limits);
    }

    /// <summary>
    /// Creates a polygon from raw (lat, lng) pairs in degrees, closed or not. Throws <see cref="GeometryException"/>
    /// naming the vertex or edge at fault: out-of-range or non-finite coordinates, fewer than 3 distinct vertices,
    /// more than <see cref="MaxVertices"/>, crossing or touching edges, zero area, or a size over the limit.
    /// </summary>
    public static PolygonFootprint Create(IReadOnlyList<(double Lat, double Lng)> ring, FootprintLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(ring);
        limits ??= FootprintLimits.Default;
        if (ring.Count > 10 * MaxVertices)
        {
            // Far too many to be worth de-duplicating first.
            throw new GeometryException("vertices", $"a polygon may have at most {MaxVertices} vertices, got {ring.Count}");
        }

        var latLngs = new List<LatLng>(ring.Count);
        var points = new List<Vec3>(ring.Count);
        // For messages in the caller's numbering: each kept vertex's first and last index in a run of repeats.
        var firstIndex = new List<int>(ring.Count);
        var lastIndex = new List<int>(ring.Count);
        for (var i = 0; i < ring.Count; i++)
        {
            var (lat, lng) = ring[i];
            LatLng.Check(lat, lng, $"vertices[{i}]");
            var p = Vec3.FromLatLng(lat, lng);
            if (points.Count > 0 && Vec3.ChordSquared(points[^1], p) <= DuplicateChordSquared)
            {
                lastIndex[^1] = i;
                continue; // a repeated vertex (or the ring's closing vertex) adds nothing
            }

            latLngs.Add(new LatLng(lat, lng));
            points.Add(p);
            firstIndex.Add(i);
            lastIndex.Add(i);
        }

        if (points.Count > 1 && Vec3.ChordSquared(points[0], points[^1]) <= DuplicateChordSquared)
        {
            latLngs.RemoveAt(latLngs.Count - 1);
            points.RemoveAt(points.Count - 1);
            firstIndex.RemoveAt(firstIndex.Count - 1);
            lastIndex.RemoveAt(lastIndex.Count - 1);
        }

        if (points.Count < 3)
        {
            throw new GeometryException("vertices", $"a polygon needs at least 3 distinct vertices, got {points.Count}");
        }

        if (points.Count > MaxVertices)
        {
            throw new GeometryException("vertices", $"a polygon may have at most {MaxVertices} vertices, got {points.Count}");
        }

        var sum = new Vec3(0, 0, 0);
        foreach (var p in points)
        {
            sum += p;
        }

        if (sum.Length < 1e-6)
        {
            throw new GeometryException("vertices", "the polygon surrounds the Earth; it exceeds the footprint size limit");
        }

        var center = sum.Normalized();
        var capRadius = 0.0;
        foreach (var p in points)
        {
            capRadius = Math.Max(capRadius, Vec3.Angle(center, p));
        }

        var limitAngle = Earth.AngleOf(limits.MaxRadiusMeters);
        if (capRadius > limitAngle)
        {
            throw new GeometryException("vertices", $"the polygon reaches {Km(Earth.MetersOf(capRadius))} km from its centre; the limit is {Km(limits.MaxRadiusMeters)} km");
        }

        var (e1, e2) = TangentFrame(center);
        var n = points.Count;
        var u = new double[n];
        var v = new double[n];
        for (var i = 0; i < n; i++)
        {
            var pc = Vec3.Dot(points[i], center);
            u[i] = Vec3.Dot(points[i], e1) / pc;
            v[i] = Vec3.Dot(points[i], e2) / pc;
        }

        var signedArea = PlanarSignedArea(u, v);
        var order = Enumerable.Range(0, n).ToArray();
        if (signedArea < 0)
        {
            Array.Reverse(order);
        }

        // Collinear vertices first (every triangle of the fan is flat), so that they are not reported as a fold.
        if (SphericalAreaSquareMeters(points, absolute: true) < MinAreaFor(capRadius))
        {
            throw new GeometryException("vertices", "the polygon encloses no area (its vertices are collinear)");
        }

        CheckSimple(u, v, latLngs, firstIndex, lastIndex);
        if (SphericalAreaSquareMeters(points) < MinAreaFor(capRadius))
        {
            throw new GeometryException("vertices", "the polygon encloses no area (its vertices are collinear)");
        }

        var polygon = new PolygonFootprint(
            [.. order.Select(i => latLngs[i])],
            [.. order.Select(i => points[i])],
            center,
            capRadius,
            e1,
            e2,
            [.. order.Select(i => u[i])],
            [.. order.Select(i => v[i])]);
        polygon.Prepare();
        return polygon;
    }

    /// <summary>True when <paramref name="p"/> lies inside the polygon (points on the boundary may go either way;
    /// callers that need the boundary also test the distance to it).</summary>
    internal bool Contains(in Vec3 p)
    {
        var pc = Vec3.Dot(p, CapCenter);
        if (pc < _cosCap - 1e-12)
        {
            return false;
        }

        var x = Vec3.Dot(p, E1) / pc;
        var y = Vec3.Dot(p, E2) / pc;
        var d = Data;
        var inside = false;
        var last = d.Length - Stride;
        double uj = d[last + 3], vj = d[last + 4];
        for (var at = 0; at < d.Length; at += Stride)
        {
            double ui = d[at + 3], vi = d[at + 4];
            if ((vi > y) != (vj > y) && x < ((uj - ui) * (y - vi) / (vj - vi)) + ui)
            {
                inside = !inside;
            }

            uj = ui;
            vj = vi;
        }

        return inside;
    }

    private void Prepare()
    {
        var box = Box3.Empty;
        var n = Count;
        for (var i = 0; i < n; i++)
        {
            var a = Point(i);
            var b = Point((i + 1) % n);
            box = box.Include(a);
            // The arc a→b lies in the triangle (a, b, t) where t is where the tangents at a and b meet.
            box = box.Include((1 / (1 + Vec3.Dot(a, b))) * (a + b));
        }

        // An axis direction inside the polygon is farther out than any boundary point along that axis.
        Span<Vec3> axes = [new(1, 0, 0), new(-1, 0, 0), new(0, 1, 0), new(0, -1, 0), new(0, 0, 1), new(0, 0, -1)];
        foreach (var axis in axes)
        {
            if (Contains(axis))
            {
                box = box.Include(axis);
            }
        }

        Bounds = box.Expand(1e-9);
        InnerRadius = Contains(CapCenter) ? AngleToBoundary(CapCenter) : 0;
    }

    /// <summary>The exact angular distance from <paramref name="p"/> to the polygon's boundary.</summary>
    internal double AngleToBoundary(in Vec3 p)
    {
        var best = double.MaxValue;
        var n = Count;
        for (var i = 0; i < n; i++)
        {
            var a = Point(i);
            var b = Point((i + 1) % n);
            best = Math.Min(best, AngleToArc(p, a, b, Vec3.RobustCross(a, b)));
        }

        return best;
    }

    internal static double AngleToArc(in Vec3 p, in Vec3 a, in Vec3 b, in Vec3 normal)
    {
        if (Vec3.Dot(Vec3.Cross(a, p), normal) >= 0 && Vec3.Dot(Vec3.Cross(p, b), normal) >= 0)
        {
            var s = Math.Abs(Vec3.Dot(p, normal)) / normal.Length;
            return Math.Asin(Math.Min(1, s));
        }

        return Math.Min(Vec3.Angle(p, a), Vec3.Angle(p, b));
    }

    private static (Vec3 E1, Vec3 E2) TangentFrame(in Vec3 center)
    {
        // Cross with the axis least aligned with the centre, for a well-conditioned frame.
        var ax = Math.Abs(center.X);
        var ay = Math.Abs(center.Y);
        var az = Math.Abs(center.Z);
        Vec3 axis = ax <= ay && ax <= az ? new(1, 0, 0) : ay <= az ? new(0, 1, 0) : new(0, 0, 1);
        var e1 = Vec3.Cross(axis, center).Normalized();
        var e2 = Vec3.Cross(center, e1);
        return (e1, e2);
    }

    private static double PlanarSignedArea(double[] u, double[] v)
    {
        var sum = 0.0;
        for (int i = 0, j = u.Length - 1; i < u.Length; j = i++)
        {
            sum += (u[j] * v[i]) - (u[i] * v[j]);
        }

        return sum / 2;
    }

    /// <summary>Area by the spherical-excess sum over a fan from vertex 0 (Van Oosterom–Strackee per triangle).</summary>
    internal static double SphericalAreaSquareMeters(IReadOnlyList<Vec3> points, bool absolute = false)
    {
        var excess = 0.0;
        var a = points[0];
        for (var i = 1; i + 1 < points.Count; i++)
        {
            var b = points[i];
            var c = points[i + 1];
            var numerator = Vec3.Dot(a, Vec3.Cross(b, c));
            var denominator = 1 + Vec3.Dot(a, b) + Vec3.Dot(b, c) + Vec3.Dot(c, a);
            var triangle = 2 * Math.Atan2(numerator, denominator);
            excess += absolute ? Math.Abs(triangle) : triangle;
        }

        return Math.Abs(excess) * Earth.RadiusMeters * Earth.RadiusMeters;
    }

    private static readonly GeometryFactory Planar = new();

    // Up to this many vertices the pairwise check (n²/2 segment tests) is cheaper than building NTS geometry.
    private const int SmallRing = 64;

    /// <summary>Below this area a polygon is degenerate. Rounding of unit vectors leaves an area noise that
    /// grows with the square of the size (about 10⁻⁴ m² for a 100 km sliver), so the bound does too.</summary>
    private static double MinAreaFor(double capRadius)
    {
        var meters = Earth.MetersOf(capRadius);
        return Math.Max(MinAreaSquareMeters, 1e-10 * meters * meters);
    }

    private static void CheckSimple(double[] u, double[] v, List<LatLng> vertices, List<int> firstIndex, List<int> lastIndex)
    {
        var n = u.Length;
        if (n > SmallRing)
        {
            // Large rings: NetTopologySuite's sweep is O(n log n); only an invalid ring pays the pairwise search.
            var coordinates = new Coordinate[n + 1];
            for (var i = 0; i < n; i++)
            {
                coordinates[i] = new Coordinate(u[i], v[i]);
            }

            coordinates[n] = coordinates[0];
            if (new IsValidOp(Planar.CreatePolygon(Planar.CreateLinearRing(coordinates))).IsValid)
            {
                return;
            }
        }

        // Small rings (the common case) are checked pair by pair directly; for an invalid large ring this finds the
        // offending pair of edges to say exactly what is wrong.
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var adjacent = j == i + 1 || (i == 0 && j == n - 1);
                if (adjacent)
                {
                    var shared = j == i + 1 ? j : i;
                    var before = shared == i ? j : i;
                    var after = (shared + 1) % n;
                    if (FoldsBack(u, v, before, shared, after))
                    {
                        throw new GeometryException("vertices", $"the polygon folds back on itself at vertex {firstIndex[shared]} {vertices[shared]} (edges {Edge(before)} and {Edge(shared)} overlap)");
                    }

                    continue;
                }

                if (SegmentsTouch(u[i], v[i], u[(i + 1) % n], v[(i + 1) % n], u[j], v[j], u[(j + 1) % n], v[(j + 1) % n]))
                {
                    throw new GeometryException("vertices", $"the polygon is self-intersecting: edge {Edge(i)} meets edge {Edge(j)}");
                }
            }
        }

        if (n <= SmallRing)
        {
            return; // no pair of edges meets: simple
        }

        throw new GeometryException("vertices", "the polygon encloses no area (its vertices are collinear)");

        // An edge in the caller's numbering: from the last repeat of its start to the next distinct vertex; the
        // closing edge ends at vertex 0.
        string Edge(int i) => $"{lastIndex[i]}–{(i + 1 < n ? firstIndex[i + 1] : 0)}";
    }

    private static bool FoldsBack(double[] u, double[] v, int before, int shared, int after)
    {
        double ax = u[before] - u[shared], ay = v[before] - v[shared];
        double bx = u[after] - u[shared], by = v[after] - v[shared];
        var cross = (ax * by) - (ay * bx);
        var dot = (ax * bx) + (ay * by);
        var scale = Math.Sqrt(((ax * ax) + (ay * ay)) * ((bx * bx) + (by * by)));
        return dot > 0 && Math.Abs(cross) <= 1e-12 * scale;
    }

    private static bool SegmentsTouch(double ax, double ay, double bx, double by, double cx, double cy, double dx, double dy)
    {
        var d1 = Orient(cx, cy, dx, dy, ax, ay);
        var d2 = Orient(cx, cy, dx, dy, bx, by);
        var d3 = Orient(ax, ay, bx, by, cx, cy);
        var d4 = Orient(ax, ay, bx, by, dx, dy);
        if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)))
        {
            return true;
        }

        return (d1 == 0 && OnSegment(cx, cy, dx, dy, ax, ay)) || (d2 == 0 && OnSegment(cx, cy, dx, dy, bx, by))
            || (d3 == 0 && OnSegment(ax, ay, bx, by, cx, cy)) || (d4 == 0 && OnSegment(ax, ay, bx, by, dx, dy));
    }

    private static double Orient(double ax, double ay, double bx, double by, double px, double py) =>
        ((bx - ax) * (py - ay)) - ((by - ay) * (px - ax));

    private static bool OnSegment(double ax, double ay, double bx, double by, double px, double py) =>
        Math.Min(ax, bx) <= px && px <= Math.Max(ax, bx) && Math.Min(ay, by) <= py && py <= Math.Max(ay, by);

    private static string Km(double meters) => (meters / 1000).ToString("0.###", CultureInfo.InvariantCulture);
}
