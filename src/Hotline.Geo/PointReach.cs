namespace Hotline.Geo;

/// <summary>
/// A footprint prepared for many "how far is this point?" questions: the index asks it of one probe for each
/// candidate it cannot settle on caps, so the per-edge work that does not depend on the point is done once.
/// </summary>
internal sealed class PointReach
{
    // Per edge a→b of a polygon: its great circle's normal n = 2(a×b), |n|², and the two planes through the origin
    // that bound the lune where the foot of the perpendicular from p falls on the arc: p·(n×a) ≥ 0 and p·(b×n) ≥ 0.
    private Vec3[] _normal = new Vec3[16];
    private double[] _normalSquared = new double[16];
    private Vec3[] _fromStart = new Vec3[16];
    private Vec3[] _toEnd = new Vec3[16];
    private Footprint? _footprint;

    /// <summary>Prepares for <paramref name="footprint"/> (reusing the buffers of the previous one).</summary>
    public void Prepare(Footprint footprint)
    {
        _footprint = footprint;
        if (footprint is not PolygonFootprint polygon)
        {
            return;
        }

        var count = polygon.Count;
        if (_normal.Length < count)
        {
            _normal = new Vec3[count];
            _normalSquared = new double[count];
            _fromStart = new Vec3[count];
            _toEnd = new Vec3[count];
        }

        var a = polygon.Point(count - 1);
        for (var i = 0; i < count; i++)
        {
            var b = polygon.Point(i);
            var n = Vec3.RobustCross(a, b);
            _normal[i] = n;
            _normalSquared[i] = Vec3.Dot(n, n);
            _fromStart[i] = Vec3.Cross(n, a);
            _toEnd[i] = Vec3.Cross(b, n);
            a = b;
        }
    }

    /// <summary>The central angle from the footprint to the unit vector <paramref name="p"/>: 0 inside or on the
    /// boundary, else to the nearest boundary point. Accurate to rounding (about 10⁻¹⁵ rad).</summary>
    public double AngleTo(in Vec3 p)
    {
        var footprint = _footprint ?? throw new InvalidOperationException("not prepared");
        if (footprint is not PolygonFootprint polygon)
        {
            return Math.Max(0, Vec3.Angle(footprint.CapCenter, p) - footprint.CapRadius);
        }

        if (polygon.Contains(p))
        {
            return 0;
        }

        // The nearest boundary point is the foot on some arc (sine of the angle to its great circle) or a vertex
        // (chord): keep the least of each kind and turn only those two into angles.
        var sine2 = double.MaxValue;
        var chord2 = double.MaxValue;
        var count = polygon.Count;
        for (var i = 0; i < count; i++)
        {
            if (Vec3.Dot(p, _fromStart[i]) >= 0 && Vec3.Dot(p, _toEnd[i]) >= 0)
            {
                var pn = Vec3.Dot(p, _normal[i]);
                sine2 = Math.Min(sine2, pn * pn / _normalSquared[i]);
            }

            chord2 = Math.Min(chord2, Vec3.ChordSquared(p, polygon.Point(i)));
        }

        var toVertex = 2 * Math.Asin(Math.Min(1, Math.Sqrt(chord2) / 2));
        return sine2 == double.MaxValue ? toVertex : Math.Min(toVertex, Math.Asin(Math.Min(1, Math.Sqrt(sine2))));
    }
}
