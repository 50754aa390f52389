using System.Runtime.CompilerServices;

namespace Hotline.Geo;

/// <summary>
/// The exact lateral test between footprints. Contract: when the true great-circle distance between two
/// footprints is at most <c>d</c>, <see cref="Within"/> answers true (never a missed conflict); when it answers
/// true, the true distance is at most <c>d + </c><see cref="ToleranceMeters"/>. The tolerance absorbs floating
/// point rounding (about 10⁻⁹ m here), so the decision is conservative, never approximate in the unsafe direction.
/// </summary>
public static class Lateral
{
    /// <summary>How much farther apart than asked a reported pair may truly be, in metres.</summary>
    public const double ToleranceMeters = 0.01;

    /// <summary>The largest lateral separation accepted, in metres (keeps every test inside a hemisphere).</summary>
    public const double MaxSeparationMeters = 1_000_000;

    // Edge normals live on the stack: at most 2 × 1,000 × 24 B (the heap only if the vertex limit ever grows).
    private const int StackNormals = PolygonFootprint.MaxVertices;

    // An edge normal not computed yet (a real one is finite).
    private static readonly Vec3 NotYet = new(double.NaN, 0, 0);

    /// <summary>True when <paramref name="a"/> and <paramref name="b"/> come within <paramref name="meters"/> of each
    /// other; with 0, touching counts.</summary>
    public static bool Within(Footprint a, Footprint b, double meters)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!double.IsFinite(meters) || meters < 0 || meters > MaxSeparationMeters)
        {
            throw new ArgumentOutOfRangeException(nameof(meters), meters, $"must be in [0, {MaxSeparationMeters}] metres");
        }

        return WithinAngle(a, b, Earth.AngleOf(meters + ToleranceMeters));
    }

    /// <summary><see cref="Within"/> with the distance as a central angle that already includes the tolerance.</summary>
    internal static bool WithinAngle(Footprint a, Footprint b, double d)
    {
        // Caps first: a chord never exceeds its arc, so a chord longer than the sum proves the caps are apart.
        var sum = a.CapRadius + b.CapRadius + d;
        var chord2 = Vec3.ChordSquared(a.CapCenter, b.CapCenter);
        if (chord2 > sum * sum)
        {
            return false;
        }

        switch (a, b)
        {
            case (CircleFootprint, CircleFootprint):
                return chord2 <= Vec3.ChordSquaredOfAngle(sum);
            case (CircleFootprint circle, PolygonFootprint polygon):
                return CircleWithin(circle, polygon, d, chord2);
            case (PolygonFootprint polygon, CircleFootprint circle):
                return CircleWithin(circle, polygon, d, chord2);
            default:
                return PolygonsWithin((PolygonFootprint)a, (PolygonFootprint)b, d, chord2);
        }
    }

    private static bool CircleWithin(CircleFootprint circle, PolygonFootprint polygon, double d, double chord2)
    {
        var reach = circle.CapRadius + d;
        if (polygon.InnerRadius > 0 && chord2 <= Vec3.ChordSquaredOfAngle(reach + polygon.InnerRadius))
        {
            return true; // the circle reaches the polygon's inscribed cap
        }

        var c = circle.CapCenter;
        if (polygon.Contains(c))
        {
            return true;
        }

        // One point: each edge's normal is needed once, so none is kept.
        var sinReach = Math.Sin(reach);
        return BoundaryWithin(c, polygon, [], sinReach * sinReach, Vec3.ChordSquaredOfAngle(reach));
    }

    private static bool PolygonsWithin(PolygonFootprint a, PolygonFootprint b, double d, double chord2)
    {
        if (a.InnerRadius > 0 && b.InnerRadius > 0 && chord2 <= Vec3.ChordSquaredOfAngle(a.InnerRadius + b.InnerRadius + d))
        {
            return true; // the inscribed caps meet
        }

        // One holds a vertex of the other (cheap: one pass over each ring), or edges cross (a pass over every
        // pair), or else the distance is between a vertex and an edge. The last two share the edges' great-circle
        // normals, each computed at most once.
        return b.Contains(a.Point(0)) || a.Contains(b.Point(0)) || BoundariesWithin(a, b, d);
    }

    /// <summary>True when edges of the two polygons cross or come within <paramref name="d"/> of each other. Apart
    /// from <see cref="PolygonsWithin"/>'s shortcuts, so that they pay nothing for the normals' stack space.</summary>
    [SkipLocalsInit]
    private static bool BoundariesWithin(PolygonFootprint a, PolygonFootprint b, double d)
    {
        // The tests fill both as they go (b's only where they need them), so a pair settled early computes no more
        // normals than it uses, and none is computed twice.
        Span<Vec3> normalsA = a.Count <= StackNormals ? stackalloc Vec3[a.Count] : new Vec3[a.Count];
        Span<Vec3> normalsB = b.Count <= StackNormals ? stackalloc Vec3[b.Count] : new Vec3[b.Count];
        normalsB.Fill(NotYet);
        if (EdgesCross(a, normalsA, b, normalsB))
        {
            return true;
        }

        var sinD = Math.Sin(d);
        var sin2 = sinD * sinD;
        var chord2D = Vec3.ChordSquaredOfAngle(d);
        for (var i = 0; i < a.Count; i++)
        {
            if (BoundaryWithin(a.Point(i), b, normalsB, sin2, chord2D))
            {
                return true;
            }
        }

        for (var i = 0; i < b.Count; i++)
        {
            if (BoundaryWithin(b.Point(i), a, normalsA, sin2, chord2D))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when an edge of <paramref name="a"/> properly crosses an edge of <paramref name="b"/>. Stores the
    /// normal of each edge of <paramref name="a"/> it reaches, and of each edge of <paramref name="b"/> it needs
    /// (the others stay <see cref="NotYet"/>).</summary>
    private static bool EdgesCross(PolygonFootprint a, Span<Vec3> normalsA, PolygonFootprint b, Span<Vec3> normalsB)
    {
        var na = a.Count;
        var nb = b.Count;
        var a0 = a.Point(na - 1);
        for (var i = 0; i < na; i++)
        {
            // Edge a0 → a1 of a, against every edge b0 → b1 of b.
            var a1 = a.Point(i);
            var n = normalsA[i] = Vec3.RobustCross(a0, a1);
            var b0 = b.Point(nb - 1);
            var s1 = Vec3.Dot(n, b0);
            for (var j = 0; j < nb; j++)
            {
                var b1 = b.Point(j);
                var s2 = Vec3.Dot(n, b1);
                if ((s1 < 0 && s2 > 0) || (s1 > 0 && s2 < 0))
                {
                    var m = normalsB[j];
                    if (double.IsNaN(m.X))
                    {
                        m = normalsB[j] = Vec3.RobustCross(b0, b1);
                    }

                    var s3 = Vec3.Dot(m, a0);
                    var s4 = Vec3.Dot(m, a1);
                    // Opposite sides both ways, and the crossing is on the arcs rather than at their antipodes.
                    if (((s3 < 0 && s4 > 0) || (s3 > 0 && s4 < 0)) && s2 * s3 > 0)
                    {
                        return true;
                    }
                }

                b0 = b1;
                s1 = s2;
            }

            a0 = a1;
        }

        return false;
    }

    /// <summary>True when <paramref name="p"/> is within the angle whose squared sine and squared chord are given
    /// of some edge of <paramref name="polygon"/>. <paramref name="normals"/> keeps the edges' normals between calls
    /// (<see cref="NotYet"/> until computed), or is empty to keep none.</summary>
    private static bool BoundaryWithin(in Vec3 p, PolygonFootprint polygon, Span<Vec3> normals, double sin2, double chord2)
    {
        var count = polygon.Count;
        var a = polygon.Point(count - 1);
        for (var i = 0; i < count; i++)
        {
            var b = polygon.Point(i);
            Vec3 n;
            if (normals.IsEmpty)
            {
                n = Vec3.RobustCross(a, b);
            }
            else if (double.IsNaN((n = normals[i]).X))
            {
                n = normals[i] = Vec3.RobustCross(a, b); // the normal of edge a → b, kept for the next point
            }

            var pn = Vec3.Dot(p, n);
            if (pn * pn <= sin2 * Vec3.Dot(n, n))
            {
                // Within that of the edge's great circle: on the edge if its foot is between the ends, else an end.
                if ((Vec3.Dot(Vec3.Cross(a, p), n) >= 0 && Vec3.Dot(Vec3.Cross(p, b), n) >= 0)
                    || Vec3.ChordSquared(p, a) <= chord2 || Vec3.ChordSquared(p, b) <= chord2)
                {
                    return true;
                }
            }

            a = b;
        }

        return false;
    }
}
