namespace Hotline.Geo;

/// <summary>
/// The coverage test behind <see cref="Footprint.Covers"/> and <see cref="Volume4D.Covers"/>: does an outer
/// footprint hold every point of an inner one? Contract: true whenever it does (boundary included); never true
/// when a point of the inner footprint lies more than <see cref="Footprint.CoverageToleranceMeters"/> outside (in
/// fact never more than <c>2.5 × </c><see cref="SnapMeters"/>); either answer in between.
/// </summary>
/// <remarks>
/// Polygon in polygon is the hard pairing. Exactly, Q ⊆ P holds when P's boundary never enters Q's interior and
/// Q's interior is on P's side of it. The answer must also be yes when the boundaries touch or run along each other
/// (identical footprints, a vertex on an edge), where rounding puts each a nanometre either side of the other; so
/// boundary points are only judged where they are farther than a snap from the other boundary, and there the
/// judgement is robust:
/// <list type="bullet">
/// <item>(A) every point of P's boundary farther than the snap from Q's boundary is outside Q;</item>
/// <item>(B) every point of Q's boundary farther than the snap from P's boundary is inside P;</item>
/// <item>(C) one point of Q 2 × snap from Q's boundary is inside P.</item>
/// </list>
/// By (A), P's boundary reaches no deeper than the snap into Q, so the part of Q deeper than 1.5 × snap holds none of
/// it: each connected piece of that part lies wholly inside P or wholly outside. It is a single piece when no two
/// non-adjacent edges of Q come within 3 × snap of each other, and then (C) decides it; so the snap is kept to a fifth
/// of Q's narrowest such neck (and to half the depth of the point (C) uses, for a Q smaller or thinner than the snap).
/// The rest of Q is within 1.5 × snap of Q's boundary, which (B) puts within the snap of P: 2.5 × snap in all.
/// Each check is needed: without (A), an edge of P running through Q between two points of Q's boundary; without
/// (B), a spike of Q across a gap in P, narrower than the snap where it crosses P's boundary; without (C), a chamber
/// of P's outside lined by P's boundary a hair from Q's, entered by a slit narrower than the snap, would pass. The
/// stretches of an edge farther than the snap from the other boundary are found exactly: for each edge of the other,
/// the points within the snap of it form intervals (near either end, or near its great circle with the foot on it),
/// solved in closed form.
/// </remarks>
internal static class Coverage
{
    /// <summary>The snap, in metres: boundaries closer than this count as touching. The same 1 cm the lateral test
    /// uses to absorb rounding (about 10⁻⁹ m), far below <see cref="Footprint.CoverageToleranceMeters"/>.</summary>
    internal const double SnapMeters = Lateral.ToleranceMeters;

    /// <summary>The smallest snap (metres) that still absorbs rounding with a wide margin. An inner polygon that would
    /// need less (a neck under 5 µm, or no point found 2 µm from its boundary) is reported as not covered, the safe
    /// answer.</summary>
    private const double MinSnapMeters = 1e-6;

    /// <summary>The snap is at most the narrowest neck of the inner polygon divided by this.</summary>
    private const double NeckFactor = 5;

    /// <summary>True when <paramref name="inner"/>'s time window and altitude band lie within
    /// <paramref name="outer"/>'s and its footprint is covered.</summary>
    public static bool Covers(Volume4D outer, Volume4D inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return outer.Time.StartTicks <= inner.Time.StartTicks && inner.Time.EndTicks <= outer.Time.EndTicks
            && outer.Altitude.Lower <= inner.Altitude.Lower && inner.Altitude.Upper <= outer.Altitude.Upper
            && Covers(outer.Footprint, inner.Footprint);
    }

    /// <summary>True when <paramref name="outer"/> covers <paramref name="inner"/>, under the contract above.</summary>
    public static bool Covers(Footprint outer, Footprint inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (ReferenceEquals(outer, inner))
        {
            return true;
        }

        var snap = Earth.AngleOf(SnapMeters);
        return (outer, inner) switch
        {
            (CircleFootprint o, CircleFootprint i) => Vec3.Angle(o.CapCenter, i.CapCenter) + i.CapRadius <= o.CapRadius + snap,
            (CircleFootprint o, PolygonFootprint i) => VerticesInCap(i, o.CapCenter, o.CapRadius + snap),
            (PolygonFootprint o, CircleFootprint i) => CircleInPolygon(o, i, snap),
            _ => PolygonInPolygon((PolygonFootprint)outer, (PolygonFootprint)inner),
        };
    }

    /// <summary>A cap narrower than a hemisphere is convex, so it holds a polygon (the small side of the ring) exactly
    /// when it holds its vertices: then it holds every edge, and its outside, being larger than a hemisphere, cannot
    /// fit in the polygon.</summary>
    private static bool VerticesInCap(PolygonFootprint polygon, in Vec3 centre, double radius)
    {
        var chord2 = Vec3.ChordSquaredOfAngle(radius);
        for (var i = 0; i < polygon.Count; i++)
        {
            if (Vec3.ChordSquared(centre, polygon.Point(i)) > chord2)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A circle is inside a polygon when its centre is and the boundary is at least a radius away: a point of
    /// the circle outside would put a boundary crossing on the arc from the centre, nearer than a radius.</summary>
    private static bool CircleInPolygon(PolygonFootprint outer, CircleFootprint inner, double snap)
    {
        var centre = inner.CapCenter;
        var clearance = outer.AngleToBoundary(centre);
        // Contains may go either way within rounding of the boundary; either branch is then right: inside, a radius
        // that tiny passes both; outside, the whole circle is within the snap of the polygon.
        return outer.Contains(centre) ? clearance >= inner.CapRadius - snap : clearance + inner.CapRadius <= snap;
    }

    private static bool PolygonInPolygon(PolygonFootprint outer, PolygonFootprint inner)
    {
        if (outer.InnerRadius > 0 && Vec3.Angle(outer.CapCenter, inner.CapCenter) + inner.CapRadius <= outer.InnerRadius)
        {
            return true; // inner's bounding cap is inside outer's inscribed cap
        }

        var innerArcs = Arcs(inner);
        var snap = SnapFor(innerArcs);
        var (deep, depth) = snap > 0 ? DeepestPoint(inner, innerArcs, 2 * snap) : (inner.CapCenter, 0);
        if (depth < 2 * snap)
        {
            snap = depth / 2; // a footprint smaller or thinner than 2 × snap: shrink the snap to what it can hold
        }

        if (snap < Earth.AngleOf(MinSnapMeters))
        {
            return false;
        }

        var outerArcs = Arcs(outer);
        var near = new List<(double Lo, double Hi)>();
        var clear = new List<Vec3>();
        foreach (var arc in innerArcs)
        {
            ClearPoints(arc, outerArcs, snap, near, clear);
            foreach (var p in clear)
            {
                if (!outer.Contains(p))
                {
                    return false; // (B)
                }
            }
        }

        foreach (var arc in outerArcs)
        {
            ClearPoints(arc, innerArcs, snap, near, clear);
            foreach (var p in clear)
            {
                if (inner.Contains(p))
                {
                    return false; // (A)
                }
            }
        }

        // (C). The deep point is 2 × snap inside inner, so at least a snap from outer's boundary (by (A)): Contains is
        // robust there.
        return outer.Contains(deep);
    }

    /// <summary>The snap (radians) for this inner polygon: <see cref="SnapMeters"/>, or less when two non-adjacent edges
    /// come within <see cref="NeckFactor"/> snaps of each other; 0 when even <see cref="MinSnapMeters"/> is too much.</summary>
    private static double SnapFor(Arc[] arcs)
    {
        var snap = Earth.AngleOf(SnapMeters);
        var limit = NeckFactor * snap;
        var neck = double.MaxValue;
        var n = arcs.Length;
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 2; j < n; j++)
            {
                if (i == 0 && j == n - 1)
                {
                    continue; // adjacent through the closing vertex
                }

                if (MayBeWithin(arcs[i], arcs[j], limit))
                {
                    // Edges of a valid polygon do not cross, so the nearest points include an end point.
                    neck = Math.Min(neck, Math.Min(
                        Math.Min(arcs[i].AngleTo(arcs[j].A), arcs[i].AngleTo(arcs[j].B)),
                        Math.Min(arcs[j].AngleTo(arcs[i].A), arcs[j].AngleTo(arcs[i].B))));
                }
            }
        }

        if (neck >= limit)
        {
            return snap;
        }

        var reduced = neck / NeckFactor;
        return reduced >= Earth.AngleOf(MinSnapMeters) ? reduced : 0;
    }

    /// <summary>A point of the polygon at least <paramref name="wanted"/> (radians) from its boundary, or failing that the
    /// deepest point found, with its depth: the centre of its inscribed cap, else points stepped in from the middle of
    /// each edge.</summary>
    private static (Vec3 Point, double Depth) DeepestPoint(PolygonFootprint polygon, Arc[] arcs, double wanted)
    {
        var best = (Point: polygon.CapCenter, Depth: polygon.InnerRadius);
        if (best.Depth >= wanted)
        {
            return best;
        }

        foreach (var step in Steps(wanted, polygon.CapRadius))
        {
            foreach (var arc in arcs)
            {
                var p = ((Math.Cos(step) * arc.Mid) + (Math.Sin(step) * arc.N)).Normalized();
                if (polygon.Contains(p) && polygon.AngleToBoundary(p) is var depth && depth > best.Depth)
                {
                    best = (p, depth);
                    if (depth >= wanted)
                    {
                        return best;
                    }
                }
            }
        }

        return best;

        // Just past the wanted depth first (nearly always enough), then further in (a sliver's middle is far from the
        // middle of its edges), then nearer (a footprint smaller than wanted).
        static IEnumerable<double> Steps(double wanted, double capRadius)
        {
            for (var step = 2 * wanted; step <= 2 * capRadius; step *= 2)
            {
                yield return step;
            }

            for (var step = wanted; step >= Earth.AngleOf(MinSnapMeters); step /= 2)
            {
                yield return step;
            }
        }
    }

    /// <summary>
    /// Sets <paramref name="clear"/> to one point of each stretch of <paramref name="arc"/> that is farther than
    /// <paramref name="snap"/> from every arc of <paramref name="others"/>. Such a stretch does not meet the other
    /// boundary, so it is wholly inside or wholly outside the other polygon, and its point is far enough from that
    /// boundary for Contains to be robust.
    /// </summary>
    private static void ClearPoints(in Arc arc, Arc[] others, double snap, List<(double Lo, double Hi)> near, List<Vec3> clear)
    {
        near.Clear();
        clear.Clear();
        for (var i = 0; i < others.Length; i++)
        {
            if (MayBeWithin(arc, others[i], snap))
            {
                AddNear(arc, others[i], snap, near);
            }
        }

        near.Sort();
        var from = 0.0;
        foreach (var (lo, hi) in near)
        {
            if (lo > from)
            {
                clear.Add(arc.At((from + lo) / 2));
            }

            from = Math.Max(from, hi);
        }

        if (from < arc.Length)
        {
            clear.Add(arc.At((from + arc.Length) / 2));
        }
    }

    /// <summary>False only when no point of <paramref name="a"/> is within <paramref name="angle"/> of
    /// <paramref name="b"/>: every point of an arc is within half its length of its middle, and a chord is shorter
    /// than its arc.</summary>
    private static bool MayBeWithin(in Arc a, in Arc b, double angle)
    {
        var reach = a.HalfLength + b.HalfLength + angle;
        return Vec3.ChordSquared(a.Mid, b.Mid) <= reach * reach;
    }

    /// <summary>Adds the parameters (angles from the start) of the points of <paramref name="arc"/> within
    /// <paramref name="snap"/> of <paramref name="other"/>: near either end of it, or near its great circle with the foot
    /// of the perpendicular on it.</summary>
    private static void AddNear(in Arc arc, in Arc other, double snap, List<(double Lo, double Hi)> near)
    {
        AddNearPoint(arc, other.A, snap, near);
        AddNearPoint(arc, other.B, snap, near);
        Span<(double Lo, double Hi)> band = stackalloc (double, double)[4];
        Span<(double Lo, double Hi)> afterStart = stackalloc (double, double)[3];
        Span<(double Lo, double Hi)> beforeEnd = stackalloc (double, double)[3];
        var bandCount = Band(arc, other.N, Math.Sin(snap), band);
        var startCount = NonNegative(arc, Vec3.Cross(other.N, other.A), afterStart);
        var endCount = NonNegative(arc, Vec3.Cross(other.B, other.N), beforeEnd);
        foreach (var b in band[..bandCount])
        {
            foreach (var s in afterStart[..startCount])
            {
                foreach (var e in beforeEnd[..endCount])
                {
                    var lo = Math.Max(b.Lo, Math.Max(s.Lo, e.Lo));
                    var hi = Math.Min(b.Hi, Math.Min(s.Hi, e.Hi));
                    if (lo <= hi)
                    {
                        near.Add((lo, hi));
                    }
                }
            }
        }
    }

    /// <summary>Adds the parameters of the points of <paramref name="arc"/> within <paramref name="snap"/> of
    /// <paramref name="p"/>.</summary>
    private static void AddNearPoint(in Arc arc, in Vec3 p, double snap, List<(double Lo, double Hi)> near)
    {
        // h: p's offset from the arc's great circle; the foot of the perpendicular is at parameter s. By the spherical
        // Pythagoras cos d = cos h · cos Δ, in half-angle form to stay exact for tiny angles:
        // sin²(Δ/2) = (sin²(d/2) − sin²(h/2)) / cos h.
        var h = Math.Asin(Math.Clamp(Vec3.Dot(p, arc.N), -1, 1));
        if (Math.Abs(h) > snap)
        {
            return;
        }

        var s = Math.Atan2(Vec3.Dot(p, arc.U), Vec3.Dot(p, arc.A));
        var sinSnap = Math.Sin(snap / 2);
        var sinH = Math.Sin(h / 2);
        var k = ((sinSnap * sinSnap) - (sinH * sinH)) / Math.Cos(h);
        var reach = 2 * Math.Asin(Math.Sqrt(Math.Clamp(k, 0, 1)));
        AddClipped(arc, s - reach, s + reach, near);
    }

    private static void AddClipped(in Arc arc, double lo, double hi, List<(double Lo, double Hi)> near)
    {
        lo = Math.Max(lo, 0);
        hi = Math.Min(hi, arc.Length);
        if (lo <= hi)
        {
            near.Add((lo, hi));
        }
    }

    /// <summary>The parameters where |x(s)·n| ≤ <paramref name="limit"/>, n a unit vector: along the arc x(s)·n =
    /// r·cos(s − φ), which is small near its zeros φ ± π/2 (mod π).</summary>
    private static int Band(in Arc arc, in Vec3 n, double limit, Span<(double Lo, double Hi)> into)
    {
        var (r, phi) = Wave(arc, n);
        if (r <= limit)
        {
            into[0] = (0, arc.Length);
            return 1;
        }

        var half = Math.Asin(limit / r);
        var count = 0;
        for (var j = -2; j <= 1; j++)
        {
            var zero = phi + (Math.PI / 2) + (j * Math.PI);
            count = Clip(arc, zero - half, zero + half, into, count);
        }

        return count;
    }

    /// <summary>The parameters where x(s)·w ≥ 0.</summary>
    private static int NonNegative(in Arc arc, in Vec3 w, Span<(double Lo, double Hi)> into)
    {
        var (r, phi) = Wave(arc, w);
        if (r == 0)
        {
            into[0] = (0, arc.Length);
            return 1;
        }

        var count = 0;
        for (var j = -1; j <= 1; j++)
        {
            var centre = phi + (2 * j * Math.PI);
            count = Clip(arc, centre - (Math.PI / 2), centre + (Math.PI / 2), into, count);
        }

        return count;
    }

    /// <summary>x(s)·w = p·cos s + q·sin s = r·cos(s − φ).</summary>
    private static (double R, double Phi) Wave(in Arc arc, in Vec3 w)
    {
        var p = Vec3.Dot(arc.A, w);
        var q = Vec3.Dot(arc.U, w);
        return (Math.Sqrt((p * p) + (q * q)), Math.Atan2(q, p));
    }

    private static int Clip(in Arc arc, double lo, double hi, Span<(double Lo, double Hi)> into, int count)
    {
        lo = Math.Max(lo, 0);
        hi = Math.Min(hi, arc.Length);
        if (lo <= hi)
        {
            into[count++] = (lo, hi);
        }

        return count;
    }

    private static Arc[] Arcs(PolygonFootprint polygon)
    {
        var n = polygon.Count;
        var arcs = new Arc[n];
        for (var i = 0; i < n; i++)
        {
            arcs[i] = new Arc(polygon.Point(i), polygon.Point((i + 1) % n));
        }

        return arcs;
    }

    /// <summary>A polygon edge from <see cref="A"/> to <see cref="B"/>, parametrised by the angle s from A:
    /// x(s) = cos s·A + sin s·U.</summary>
    private readonly struct Arc
    {
        public Arc(Vec3 a, Vec3 b)
        {
            A = a;
            B = b;
            N = Vec3.RobustCross(a, b).Normalized();
            U = Vec3.Cross(N, a);
            Length = Vec3.Angle(a, b);
            HalfLength = Length / 2;
            Mid = (a + b).Normalized();
        }

        public Vec3 A { get; }

        public Vec3 B { get; }

        /// <summary>Unit normal of the great circle; for a counter-clockwise ring it points to the inside.</summary>
        public Vec3 N { get; }

        /// <summary>Unit tangent at A, towards B.</summary>
        public Vec3 U { get; }

        public double Length { get; }

        public double HalfLength { get; }

        public Vec3 Mid { get; }

        public Vec3 At(double s) => ((Math.Cos(s) * A) + (Math.Sin(s) * U)).Normalized();

        public double AngleTo(in Vec3 p) => PolygonFootprint.AngleToArc(p, A, B, N);
    }
}
