namespace Hotline.Geo.Tests;

/// <summary>Every validation rule, with the field it names and the message a person sees; and the valid inputs
/// that must be accepted.</summary>
public sealed class ValidationTests
{
    private static GeometryException AssertRejected(string field, string reason, Action create)
    {
        var e = Assert.Throws<GeometryException>(create);
        Assert.Equal(field, e.Field);
        Assert.Equal(reason, e.Reason);
        Assert.Equal($"{field}: {reason}", e.Message);
        return e;
    }

    private static Action Polygon(params (double Lat, double Lng)[] ring) => () => PolygonFootprint.Create(ring);

    /// <summary>A regular polygon of <paramref name="count"/> vertices on a 0.1° circle around (0°, 0°).</summary>
    private static (double Lat, double Lng)[] RegularRing(int count, bool closed)
    {
        var ring = new (double Lat, double Lng)[closed ? count + 1 : count];
        for (var i = 0; i < count; i++)
        {
            var angle = 2 * Math.PI * i / count;
            ring[i] = (0.1 * Math.Sin(angle), 0.1 * Math.Cos(angle));
        }

        if (closed)
        {
            ring[count] = ring[0];
        }

        return ring;
    }

    // ---- Positions -----------------------------------------------------------------------------------

    [Theory]
    [InlineData(91, 0, "lat", "must be between -90 and 90 degrees, got 91")]
    [InlineData(-90.5, 0, "lat", "must be between -90 and 90 degrees, got -90.5")]
    [InlineData(0, 180.25, "lng", "must be between -180 and 180 degrees, got 180.25")]
    [InlineData(0, -181, "lng", "must be between -180 and 180 degrees, got -181")]
    [InlineData(double.NaN, 0, "lat", "must be a finite number")]
    [InlineData(double.PositiveInfinity, 0, "lat", "must be a finite number")]
    [InlineData(0, double.NegativeInfinity, "lng", "must be a finite number")]
    [InlineData(0, double.NaN, "lng", "must be a finite number")]
    public void PositionOutOfRangeOrNotFiniteIsRejected(double lat, double lng, string field, string reason)
    {
        AssertRejected(field, reason, () => _ = new LatLng(lat, lng));
    }

    [Theory]
    [InlineData(90, 180)]
    [InlineData(-90, -180)]
    [InlineData(0, 0)]
    public void PositionOnTheRangeBoundsIsAccepted(double lat, double lng)
    {
        var p = new LatLng(lat, lng);
        Assert.Equal(lat, p.Lat);
        Assert.Equal(lng, p.Lng);
    }

    [Theory]
    [InlineData(91, 1, "vertices[2].lat", "must be between -90 and 90 degrees, got 91")]
    [InlineData(1, -200, "vertices[2].lng", "must be between -180 and 180 degrees, got -200")]
    [InlineData(double.NaN, 1, "vertices[2].lat", "must be a finite number")]
    [InlineData(1, double.PositiveInfinity, "vertices[2].lng", "must be a finite number")]
    public void PolygonVertexOutOfRangeOrNotFiniteIsNamed(double lat, double lng, string field, string reason)
    {
        AssertRejected(field, reason, Polygon((0, 0), (0, 1), (lat, lng), (1, 0)));
    }

    [Fact]
    public void PolygonVertexIsNamedByItsIndexInTheCallersRingEvenAfterADroppedDuplicate()
    {
        AssertRejected("vertices[3].lng", "must be between -180 and 180 degrees, got 200", Polygon((0, 0), (0, 0), (0, 1), (1, 200)));
    }

    [Fact]
    public void PolygonVertexGivenAsLatLngIsNamedToo()
    {
        // The LatLng overload cannot hold an invalid position; its own constructor names the field.
        AssertRejected("lat", "must be between -90 and 90 degrees, got 95", () => PolygonFootprint.Create([new LatLng(0, 0), new LatLng(95, 0)]));
    }

    [Fact]
    public void CircleCentreOutOfRangeIsNamed()
    {
        AssertRejected("center.lat", "must be between -90 and 90 degrees, got 90.0001", () => CircleFootprint.Create(90.0001, 0, 10));
        AssertRejected("center.lng", "must be a finite number", () => CircleFootprint.Create(0, double.NaN, 10));
    }

    // ---- Vertex count ----------------------------------------------------------------------------------

    [Fact]
    public void PolygonWithFewerThanThreeVerticesIsRejected()
    {
        const string Field = "vertices";
        AssertRejected(Field, "a polygon needs at least 3 distinct vertices, got 0", Polygon());
        AssertRejected(Field, "a polygon needs at least 3 distinct vertices, got 1", Polygon((0, 0)));
        AssertRejected(Field, "a polygon needs at least 3 distinct vertices, got 2", Polygon((0, 0), (0, 1)));
    }

    [Fact]
    public void RepeatedVerticesDoNotCountAsDistinct()
    {
        const string Field = "vertices";
        AssertRejected(Field, "a polygon needs at least 3 distinct vertices, got 1", Polygon((0, 0), (0, 0), (0, 0)));
        // Closed ring A, B, B, A: the repeat and the closing vertex add nothing.
        AssertRejected(Field, "a polygon needs at least 3 distinct vertices, got 2", Polygon((0, 0), (0, 1), (0, 1), (0, 0)));
        // A, B, A: there and back.
        AssertRejected(Field, "a polygon needs at least 3 distinct vertices, got 2", Polygon((0, 0), (0, 1), (0, 0)));
        // Vertices 0.1 mm apart (1e-9° · R = 0.11 mm, under the 0.6 mm duplicate threshold) are the same vertex.
        AssertRejected(Field, "a polygon needs at least 3 distinct vertices, got 2", Polygon((0, 0), (0, 1), (1e-9, 1)));
    }

    [Fact]
    public void PolygonWithMoreThanAThousandVerticesIsRejected()
    {
        AssertRejected("vertices", "a polygon may have at most 1000 vertices, got 1001", () => PolygonFootprint.Create(RegularRing(1001, closed: false)));
        AssertRejected("vertices", "a polygon may have at most 1000 vertices, got 1003", () => PolygonFootprint.Create(RegularRing(1003, closed: false)));
    }

    [Fact]
    public void ClosedRingWithMoreThanAThousandVerticesCountsOnlyDistinctVertices()
    {
        AssertRejected("vertices", "a polygon may have at most 1000 vertices, got 1001", () => PolygonFootprint.Create(RegularRing(1001, closed: true)));
    }

    [Fact]
    public void PolygonWithExactlyAThousandVerticesIsAccepted()
    {
        Assert.Equal(1000, PolygonFootprint.Create(RegularRing(1000, closed: false)).Vertices.Count);
        Assert.Equal(1000, PolygonFootprint.Create(RegularRing(1000, closed: true)).Vertices.Count);
    }

    // ---- Shape -----------------------------------------------------------------------------------------

    [Fact]
    public void BowTieNamesTheTwoCrossingEdges()
    {
        // Edges 0–1 (0,0)→(1,1) and 2–3 (0,1)→(1,0) cross at about (0.5, 0.5).
        AssertRejected("vertices", "the polygon is self-intersecting: edge 0–1 meets edge 2–3", Polygon((0, 0), (1, 1), (0, 1), (1, 0)));
    }

    [Fact]
    public void BowTieClosingEdgeIsNamedWithItsWrapAround()
    {
        // (0,0),(0,1),(1,0),(1,1): the diagonal edge 1–2 (0,1)→(1,0) crosses the closing edge 3–0 (1,1)→(0,0).
        AssertRejected("vertices", "the polygon is self-intersecting: edge 1–2 meets edge 3–0", Polygon((0, 0), (0, 1), (1, 0), (1, 1)));
    }

    [Fact]
    public void RingTouchingItselfAtARepeatedVertexIsRejected()
    {
        // A(0,0) B(0,2) C(1,1) D(2,2) E(2,0) C(1,1): a figure eight pinched at C; edges 1–2 (B→C) and 4–5 (E→C) meet at C.
        AssertRejected("vertices", "the polygon is self-intersecting: edge 1–2 meets edge 4–5", Polygon((0, 0), (0, 2), (1, 1), (2, 2), (2, 0), (1, 1)));
    }

    [Fact]
    public void BowTieWithARepeatedVertexNamesEdgesByTheCallersIndices()
    {
        AssertRejected("vertices", "the polygon is self-intersecting: edge 1–2 meets edge 3–4", Polygon((0, 0), (0, 0), (1, 1), (0, 1), (1, 0)));
    }

    [Fact]
    public void PolygonFoldingBackOnItselfNamesTheVertexAndEdges()
    {
        // (0,0)→(0,2) along the equator, then back along it to (0,1): edges 0–1 and 1–2 overlap at vertex 1.
        AssertRejected(
            "vertices",
            "the polygon folds back on itself at vertex 1 (0, 2) (edges 0–1 and 1–2 overlap)",
            Polygon((0, 0), (0, 2), (0, 1), (1, 1)));
    }

    [Fact]
    public void CollinearVerticesEncloseNoArea()
    {
        // Three vertices on the meridian 90°E (a great circle) enclose nothing.
        AssertRejected("vertices", "the polygon encloses no area (its vertices are collinear)", Polygon((10, 90), (11, 90), (12, 90)));
    }

    [Fact]
    public void CollinearVerticesAreReportedAsNoAreaWhateverTheirOrderAndGreatCircle()
    {
        // On the equator, with the closing edge running back over the others: still collinear, so no area (a fold
        // is reserved for rings that do enclose area elsewhere).
        AssertRejected("vertices", "the polygon encloses no area (its vertices are collinear)", Polygon((0, 0), (0, 1), (0, 2)));
        AssertRejected("vertices", "the polygon encloses no area (its vertices are collinear)", Polygon((0, 10), (0, 12), (0, 11)));
    }

    [Fact]
    public void ARingThatFoldsBackWhileEnclosingAreaNamesTheFold()
    {
        // A square whose last vertex doubles back along the first edge.
        AssertRejected(
            "vertices",
            "the polygon folds back on itself at vertex 1 (0, 2) (edges 0–1 and 1–2 overlap)",
            Polygon((0, 0), (0, 2), (0, 1), (1, 1)));
    }

    [Theory]
    [InlineData(45)]
    [InlineData(179)]
    [InlineData(-131)]
    public void CollinearVerticesOnAnyMeridianAreRejected(double lng)
    {
        var e = Assert.Throws<GeometryException>(Polygon((10, lng), (11, lng), (12, lng)));
        Assert.Equal("vertices", e.Field);
    }

    [Fact]
    public void TinyTriangleEnclosesNoArea()
    {
        // Base (0,0)→(0, 1e-7°) is R·1e-7° = 1.11 cm; apex 1e-9° (0.11 mm) north of its middle: area ≈ ½ · 1.11 cm ·
        // 0.111 mm = 6.2e-7 m², under the 1e-6 m² minimum; every vertex is more than 0.6 mm from the others.
        AssertRejected("vertices", "the polygon encloses no area (its vertices are collinear)", Polygon((0, 0), (0, 1e-7), (1e-9, 5e-8)));
    }

    [Fact]
    public void VerticesOnAParallelAreNotCollinearOnTheSphere()
    {
        // A parallel is not a great circle: the edge (10,0)→(10,2) bulges north of (10,1), so the three vertices
        // enclose a thin sliver and form a valid triangle.
        var sliver = PolygonFootprint.Create([(10, 0), (10, 1), (10, 2)]);
        Assert.Equal(3, sliver.Vertices.Count);
    }

    // ---- Size ---------------------------------------------------------------------------------------

    [Fact]
    public void PolygonOverTheSizeLimitIsRejected()
    {
        // The ±10° square's corners are R·acos(cos² 10°) = 1,568.523 km from its centre (0°, 0°).
        AssertRejected(
            "vertices",
            "the polygon reaches 1568.523 km from its centre; the limit is 1000 km",
            Polygon((-10, -10), (-10, 10), (10, 10), (10, -10)));
        Assert.Equal(
            1_568_522.723331,
            PolygonFootprint.Create([(-10, -10), (-10, 10), (10, 10), (10, -10)], new FootprintLimits(2_000_000)).BoundingRadiusMeters,
            1e-5);
    }

    [Fact]
    public void PolygonOverACustomSizeLimitIsRejected()
    {
        // The ±0.01° square's corners are R·acos(cos² 0.01°) = 1.573 km from its centre.
        AssertRejected(
            "vertices",
            "the polygon reaches 1.573 km from its centre; the limit is 1.5 km",
            () => PolygonFootprint.Create([(-0.01, -0.01), (-0.01, 0.01), (0.01, 0.01), (0.01, -0.01)], new FootprintLimits(1_500)));
    }

    [Fact]
    public void PolygonSurroundingTheEarthIsRejected()
    {
        // Three vertices 120° apart on the equator: their vertex mean is the Earth's centre.
        AssertRejected("vertices", "the polygon surrounds the Earth; it exceeds the footprint size limit", Polygon((0, 0), (0, 120), (0, -120)));
    }

    [Fact]
    public void CircleOverTheSizeLimitIsRejected()
    {
        AssertRejected("radius", "1000.001 km exceeds the footprint size limit of 1000 km", () => CircleFootprint.Create(0, 0, 1_000_001));
        AssertRejected("radius", "1.5 km exceeds the footprint size limit of 1 km", () => CircleFootprint.Create(0, 0, 1_500, new FootprintLimits(1_000)));
        Assert.Equal(1_000_000, CircleFootprint.Create(0, 0, 1_000_000).RadiusMeters);
    }

    [Theory]
    [InlineData(0, "radius", "must be greater than 0 metres, got 0")]
    [InlineData(-1, "radius", "must be greater than 0 metres, got -1")]
    [InlineData(double.NaN, "radius", "must be a finite number of metres")]
    [InlineData(double.PositiveInfinity, "radius", "must be a finite number of metres")]
    public void CircleRadiusMustBePositiveAndFinite(double radius, string field, string reason)
    {
        AssertRejected(field, reason, () => CircleFootprint.Create(0, 0, radius));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(5_000_000.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void FootprintLimitsOutOfRangeAreRejected(double maxRadiusMeters)
    {
        AssertRejected("maxRadiusMeters", "must be in (0, 5000000] metres", () => _ = new FootprintLimits(maxRadiusMeters));
    }

    [Fact]
    public void FootprintLimitsUpToTheEngineMaximumAreAccepted()
    {
        Assert.Equal(5_000_000, new FootprintLimits(FootprintLimits.EngineMaxRadiusMeters).MaxRadiusMeters);
        Assert.Equal(1_000_000, FootprintLimits.Default.MaxRadiusMeters);
    }

    // ---- Altitude, time, separation ----------------------------------------------------------------------

    [Fact]
    public void AltitudeBandLowerAboveUpperIsRejected()
    {
        AssertRejected("altitude", "lower (200 m) must not be above upper (100.5 m)", () => _ = new AltitudeBand(200, 100.5));
    }

    [Theory]
    [InlineData(double.NaN, 0, "altitude.lower")]
    [InlineData(double.NegativeInfinity, 0, "altitude.lower")]
    [InlineData(0, double.NaN, "altitude.upper")]
    [InlineData(0, double.PositiveInfinity, "altitude.upper")]
    public void AltitudeBandBoundsMustBeFinite(double lower, double upper, string field)
    {
        AssertRejected(field, "must be a finite number of metres", () => _ = new AltitudeBand(lower, upper));
    }

    [Fact]
    public void AltitudeBandOfZeroThicknessIsAccepted()
    {
        var band = new AltitudeBand(120, 120);
        Assert.Equal(120, band.Lower);
        Assert.Equal(120, band.Upper);
    }

    [Fact]
    public void TimeWindowEndingAtItsStartIsRejected()
    {
        AssertRejected(
            "time",
            "end (1970-01-01T00:10:00.0000000+00:00) must be after start (1970-01-01T00:10:00.0000000+00:00)",
            () => TimeWindow.FromUnixSeconds(600, 600));
    }

    [Fact]
    public void TimeWindowEndingBeforeItsStartIsRejected()
    {
        AssertRejected(
            "time",
            "end (1970-01-01T00:00:00.0000000+00:00) must be after start (1970-01-01T00:10:00.0000000+00:00)",
            () => TimeWindow.FromUnixSeconds(600, 0));
    }

    [Fact]
    public void TimeWindowComparesInstantsNotWallClocks()
    {
        // 12:00 at +02:00 is 10:00 UTC: an end of 10:30 UTC is after it, an end of 09:30 UTC is not.
        var start = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.FromHours(2));
        var window = new TimeWindow(start, new DateTimeOffset(2025, 6, 1, 10, 30, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2025, 6, 1, 10, 0, 0, TimeSpan.Zero), window.Start);
        AssertRejected(
            "time",
            "end (2025-06-01T09:30:00.0000000+00:00) must be after start (2025-06-01T10:00:00.0000000+00:00)",
            () => _ = new TimeWindow(start, new DateTimeOffset(2025, 6, 1, 9, 30, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void TimeWindowTicksOutOfRangeAreRejected()
    {
        AssertRejected("time.start", "is out of range", () => _ = new TimeWindow(-1, 10));
        AssertRejected("time.end", "is out of range", () => _ = new TimeWindow(0, DateTimeOffset.MaxValue.UtcTicks + 1));
        // 3·10¹¹ s after 1970 is past the year 9999.
        AssertRejected("time.end", "is out of range", () => TimeWindow.FromUnixSeconds(0, 300_000_000_000));
    }

    [Fact]
    public void TimeWindowFromHugeUnixSecondsIsRejectedAsOutOfRange()
    {
        AssertRejected("time.end", "is out of range", () => TimeWindow.FromUnixSeconds(0, 1_000_000_000_000));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(-0.001)]
    [InlineData(1_000_000.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void SeparationLateralOutOfRangeIsRejected(double lateral)
    {
        AssertRejected("separation.lateral", "must be between 0 and 1000000 metres", () => _ = new Separation(lateral, 0, TimeSpan.Zero));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void SeparationVerticalNegativeOrNotFiniteIsRejected(double vertical)
    {
        AssertRejected("separation.vertical", "must be a finite number of metres, 0 or more", () => _ = new Separation(0, vertical, TimeSpan.Zero));
    }

    [Fact]
    public void SeparationTimeNegativeIsRejected()
    {
        AssertRejected("separation.time", "must not be negative", () => _ = new Separation(0, 0, TimeSpan.FromTicks(-1)));
    }

    [Fact]
    public void SeparationAtItsBoundsIsAccepted()
    {
        Assert.Equal(Separation.None, new Separation(0, 0, TimeSpan.Zero));
        var widest = new Separation(Lateral.MaxSeparationMeters, 1e6, TimeSpan.FromDays(1));
        Assert.Equal(1_000_000, widest.LateralMeters);
    }

    [Theory]
    [InlineData(-0.001)]
    [InlineData(1_000_000.5)]
    [InlineData(double.NaN)]
    public void LateralDistanceOutOfRangeIsAnArgumentError(double meters)
    {
        var a = CircleFootprint.Create(0, 0, 10);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Lateral.Within(a, a, meters));
        Assert.Equal("meters", e.ParamName);
    }

    [Fact]
    public void VolumeWithoutAFootprintIsRejected()
    {
        AssertRejected("footprint", "is required", () => _ = new Volume4D(null!, new AltitudeBand(0, 1), TimeWindow.FromUnixSeconds(0, 1)));
    }

    // ---- Accepted input ------------------------------------------------------------------------------------

    private static readonly (double Lat, double Lng)[] CounterClockwise = [(0, 0), (0, 1), (1, 1), (1, 0)];

    /// <summary>Twice the signed area in the (lng, lat) plane: positive when counter-clockwise seen from above.</summary>
    private static double PlanarTwiceSignedArea(IReadOnlyList<LatLng> ring)
    {
        var sum = 0.0;
        for (var i = 0; i < ring.Count; i++)
        {
            var a = ring[i];
            var b = ring[(i + 1) % ring.Count];
            sum += (a.Lng * b.Lat) - (b.Lng * a.Lat);
        }

        return sum;
    }

    private static void AssertSameCycle(IReadOnlyList<(double Lat, double Lng)> expected, IReadOnlyList<LatLng> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        var start = Enumerable.Range(0, actual.Count).Single(i => actual[i] == new LatLng(expected[0].Lat, expected[0].Lng));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(new LatLng(expected[i].Lat, expected[i].Lng), actual[(start + i) % actual.Count]);
        }
    }

    [Fact]
    public void CounterClockwiseRingKeepsItsOrder()
    {
        var polygon = PolygonFootprint.Create(CounterClockwise);
        AssertSameCycle(CounterClockwise, polygon.Vertices);
        Assert.True(PlanarTwiceSignedArea(polygon.Vertices) > 0);
    }

    [Fact]
    public void ClockwiseRingComesOutCounterClockwise()
    {
        (double, double)[] clockwise = [(0, 0), (1, 0), (1, 1), (0, 1)];
        var fromClockwise = PolygonFootprint.Create(clockwise);
        var fromCounterClockwise = PolygonFootprint.Create(CounterClockwise);
        AssertSameCycle(CounterClockwise, fromClockwise.Vertices);
        Assert.True(PlanarTwiceSignedArea(fromClockwise.Vertices) > 0);
        Assert.Equal(fromCounterClockwise.Center, fromClockwise.Center);
        Assert.Equal(fromCounterClockwise.BoundingRadiusMeters, fromClockwise.BoundingRadiusMeters, 1e-9);
        // Same region, so the same conflicts: a point inside and one 0.5° outside.
        var inside = CircleFootprint.Create(0.5, 0.5, 1);
        var outside = CircleFootprint.Create(0.5, 1.5, 1);
        Assert.True(Lateral.Within(fromClockwise, inside, 0));
        Assert.False(Lateral.Within(fromClockwise, outside, 0));
        Assert.True(Lateral.Within(fromClockwise, fromCounterClockwise, 0));
    }

    [Fact]
    public void ClockwiseRingAroundThePoleComesOutCounterClockwise()
    {
        // Seen from above the North Pole, increasing longitude is counter-clockwise.
        var polygon = PolygonFootprint.Create([(89, 0), (89, -90), (89, 180), (89, 90)]);
        AssertSameCycle([(89, 0), (89, 90), (89, 180), (89, -90)], polygon.Vertices);
    }

    [Fact]
    public void ClosedAndOpenRingsAreTheSamePolygon()
    {
        var open = PolygonFootprint.Create(CounterClockwise);
        var closed = PolygonFootprint.Create([.. CounterClockwise, CounterClockwise[0]]);
        Assert.Equal(open.Vertices, closed.Vertices);
        Assert.Equal(4, closed.Vertices.Count);
    }

    [Fact]
    public void ConsecutiveDuplicateVerticesAreDropped()
    {
        var polygon = PolygonFootprint.Create([(0, 0), (0, 0), (0, 1), (0, 1), (0, 1), (1, 1), (1, 0), (1, 0), (0, 0), (0, 0)]);
        AssertSameCycle(CounterClockwise, polygon.Vertices);
    }

    [Fact]
    public void VerticesLessThanAMillimetreApartAreOneVertex()
    {
        // 1e-9° · R = 0.11 mm: under the 0.6 mm duplicate threshold, so the second vertex is dropped.
        var polygon = PolygonFootprint.Create([(0, 0), (1e-9, 0), (0, 1), (1, 1), (1, 0)]);
        AssertSameCycle(CounterClockwise, polygon.Vertices);
    }

    [Fact]
    public void PolygonFromLatLngsEqualsPolygonFromPairs()
    {
        var fromLatLngs = PolygonFootprint.Create([new LatLng(0, 0), new LatLng(0, 1), new LatLng(1, 1), new LatLng(1, 0)]);
        Assert.Equal(PolygonFootprint.Create(CounterClockwise).Vertices, fromLatLngs.Vertices);
    }

    [Fact]
    public void PolygonWithAVertexOnThePoleIsAccepted()
    {
        var polygon = PolygonFootprint.Create([(90, 0), (89, 0), (89, 90)]);
        Assert.Equal(3, polygon.Vertices.Count);
    }
}
