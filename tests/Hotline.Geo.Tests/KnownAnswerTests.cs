namespace Hotline.Geo.Tests;

/// <summary>
/// Known answers computed independently of the library, by closed-form spherical trigonometry on a sphere of
/// radius R = 6,371,008.8 m (polygon edges are great-circle arcs), and cross-checked by brute force (dense
/// sampling of each great-circle arc refined by golden-section search, distances by the haversine formula).
/// Notation: R·x° means R × x·π/180; 1° of arc is R·1° = 111,195.0802 m.
/// Each boundary case is asserted 5 cm on either side of the true distance (the library may say "within" up
/// to <see cref="Lateral.ToleranceMeters"/> = 1 cm beyond the true distance, never short of it).
/// </summary>
public sealed class KnownAnswerTests
{
    private const double Margin = 0.05;

    // The polygon bounded by the long arcs below reaches 2,149 km from its vertex mean, so it needs more than the
    // default 1,000 km limit.
    private static readonly FootprintLimits Large = new(FootprintLimits.EngineMaxRadiusMeters);

    private static CircleFootprint Circle(double lat, double lng, double radiusMeters) =>
        CircleFootprint.Create(lat, lng, radiusMeters);

    private static PolygonFootprint Polygon(params (double Lat, double Lng)[] ring) => PolygonFootprint.Create(ring);

    /// <summary>Asserts that the footprints are reported within <paramref name="gapMeters"/> + 5 cm and not within
    /// <paramref name="gapMeters"/> − 5 cm, both ways round and through both entry points.</summary>
    private static void AssertGap(Footprint a, Footprint b, double gapMeters)
    {
        var inside = gapMeters + Margin;
        var outside = gapMeters - Margin;
        Assert.True(outside > 0, "a boundary case needs a positive gap");
        Assert.True(Lateral.Within(a, b, inside), $"expected within {inside} m");
        Assert.True(Lateral.Within(b, a, inside), $"expected within {inside} m (reversed)");
        Assert.True(a.IsWithin(b, inside), $"expected IsWithin {inside} m");
        Assert.True(b.IsWithin(a, inside), $"expected IsWithin {inside} m (reversed)");
        Assert.False(Lateral.Within(a, b, outside), $"expected not within {outside} m");
        Assert.False(Lateral.Within(b, a, outside), $"expected not within {outside} m (reversed)");
        Assert.False(a.IsWithin(b, outside), $"expected not IsWithin {outside} m");
        Assert.False(b.IsWithin(a, outside), $"expected not IsWithin {outside} m (reversed)");
        Assert.False(Lateral.Within(a, b, 0), "separated footprints must not touch");
    }

    /// <summary>Asserts that the footprints overlap or touch: within 0 m, both ways round.</summary>
    private static void AssertTouch(Footprint a, Footprint b)
    {
        Assert.True(Lateral.Within(a, b, 0), "expected the footprints to touch or overlap");
        Assert.True(Lateral.Within(b, a, 0), "expected the footprints to touch or overlap (reversed)");
        Assert.True(a.IsWithin(b, 0));
        Assert.True(b.IsWithin(a, 0));
    }

    // ---- Earth.DistanceMeters ------------------------------------------------------------------------------

    [Theory]
    // R·1° on the equator: 6,371,008.8 × π/180 = 111,195.0802 m.
    [InlineData(0, 0, 0, 1, 111_195.080234)]
    // Equator to pole along a meridian: R·π/2 = 10,007,557.2210 m.
    [InlineData(0, 0, 90, 0, 10_007_557.221018)]
    // Pole to pole: R·π = 20,015,114.4420 m.
    [InlineData(-90, 0, 90, 0, 20_015_114.442036)]
    // Antipodes on the equator: R·π = 20,015,114.4420 m.
    [InlineData(0, 0, 0, 180, 20_015_114.442036)]
    // Across the antimeridian, 1° of equator: R·1° = 111,195.0802 m.
    [InlineData(0, 179.5, 0, -179.5, 111_195.080234)]
    // Two points on the 60th parallel 1° of longitude apart, law of cosines:
    // cos c = sin²60° + cos²60° cos 1° → R·c = 55,597.0109 m (less than R·cos 60°·1° = 55,597.5401 m along the parallel).
    [InlineData(60, 0, 60, 1, 55_597.010865)]
    // London (51.5074, −0.1278) to Paris (48.8566, 2.3522), haversine:
    // hav c = hav Δφ + cos φ1 cos φ2 hav Δλ → R·c = 343,556.5349 m (law of cosines agrees to 1 µm).
    [InlineData(51.5074, -0.1278, 48.8566, 2.3522, 343_556.534881)]
    public void EarthDistanceMatchesSphericalTrigonometry(double lat1, double lng1, double lat2, double lng2, double expectedMeters)
    {
        var a = new LatLng(lat1, lng1);
        var b = new LatLng(lat2, lng2);
        Assert.Equal(expectedMeters, Earth.DistanceMeters(a, b), 1e-5);
        Assert.Equal(expectedMeters, Earth.DistanceMeters(b, a), 1e-5);
    }

    [Fact]
    public void EarthDistanceOfAPointToItselfIsZero()
    {
        var p = new LatLng(47.3, 8.5);
        Assert.Equal(0, Earth.DistanceMeters(p, p));
    }

    // ---- Circle–circle ----------------------------------------------------------------------------------

    [Fact]
    public void CirclesOnTheEquatorConflictExactlyAtTheirGap()
    {
        // Centres 1° apart on the equator: R·1° = 111,195.0802 m; radii 50 km each → gap 11,195.0802 m.
        AssertGap(Circle(0, 0, 50_000), Circle(0, 1, 50_000), 11_195.080234);
    }

    [Fact]
    public void CirclesAcrossTheAntimeridianConflictExactlyAtTheirGap()
    {
        // (0, 179.5) and (0, −179.5) are 1° apart across the antimeridian: R·1° = 111,195.0802 m;
        // radii 10 km each → gap 91,195.0802 m.
        AssertGap(Circle(0, 179.5, 10_000), Circle(0, -179.5, 10_000), 91_195.080234);
    }

    [Fact]
    public void CirclesAlongAMeridianConflictExactlyAtTheirGap()
    {
        // (10°N, 20°E) and (12.5°N, 20°E) on one meridian: R·2.5° = 277,987.7006 m; radii 30 + 40 km → gap 207,987.7006 m.
        AssertGap(Circle(10, 20, 30_000), Circle(12.5, 20, 40_000), 207_987.700584);
    }

    [Fact]
    public void CirclesEitherSideOfTheNorthPoleConflictExactlyAtTheirGap()
    {
        // (89.9°N, 0°) and (89.9°N, 180°) are 0.1° + 0.1° apart over the pole: R·0.2° = 22,239.0160 m;
        // radii 1 km each → gap 20,239.0160 m.
        AssertGap(Circle(89.9, 0, 1_000), Circle(89.9, 180, 1_000), 20_239.016047);
    }

    [Fact]
    public void OneMetreCirclesConflictExactlyAtTheirGap()
    {
        // (45°N, 10°E) and (45.00003°N, 10°E) on one meridian: R·0.00003° = 3.335852 m; radii 1 m each → gap 1.335852 m.
        AssertGap(Circle(45, 10, 1), Circle(45.00003, 10, 1), 1.335852);
    }

    [Fact]
    public void FiveHundredKilometreCirclesConflictExactlyAtTheirGap()
    {
        // Centres 10° apart on the equator: R·10° = 1,111,950.8023 m; radii 500 km each → gap 111,950.8023 m.
        AssertGap(Circle(0, 0, 500_000), Circle(0, 10, 500_000), 111_950.802335);
    }

    [Fact]
    public void OverlappingAndConcentricCirclesConflict()
    {
        AssertTouch(Circle(0, 0, 50_000), Circle(0, 0.5, 50_000)); // centres R·0.5° = 55,597.5 m apart < 100 km
        AssertTouch(Circle(10, 10, 1), Circle(10, 10, 500_000)); // concentric
    }

    // ---- A polygon edge that is a long great-circle arc --------------------------------------------------

    // Bounded north by the arc (60°N, 30°E)→(60°N, 30°W) and south by (50°N, 30°W)→(50°N, 30°E). A great circle
    // through (φ0, ±30°) peaks at 0° with tan φ = tan φ0 / cos 30°:
    //   north edge: φN = atan(tan 60° / cos 30°) = 63.43494882°; south edge: φS = atan(tan 50° / cos 30°) = 53.99478518°.
    // The meridian λ = 0° meets each arc at its peak at right angles, so the distance from (φ, 0°) to it is R·|φ − φpeak|.
    private static PolygonFootprint LongArcPolygon() =>
        PolygonFootprint.Create([(50, -30), (50, 30), (60, 30), (60, -30)], Large);

    [Fact]
    public void PointNorthOfTheVertexLatitudesButSouthOfTheArcIsInside()
    {
        // (63°N, 0°) is 3° north of the vertices' 60°N, so a planar lat/lng polygon would put it ~333 km outside;
        // on the sphere it is R·(63.43494882° − 63°) = 48,364.1693 m inside the north arc.
        AssertTouch(LongArcPolygon(), Circle(63, 0, 1));
    }

    [Fact]
    public void CircleNorthOfALongArcConflictsExactlyAtItsGap()
    {
        // (64°N, 0°) to the north arc: R·(64° − 63.43494882°) = 62,830.9110 m; radius 10 km → gap 52,830.9110 m.
        AssertGap(LongArcPolygon(), Circle(64, 0, 10_000), 52_830.910971);
    }

    [Fact]
    public void PointNorthOfTheVertexLatitudesButSouthOfTheSouthArcIsOutside()
    {
        // (53°N, 0°) is 3° north of the vertices' 50°N, so a planar lat/lng polygon would put it inside; on the sphere
        // the south arc bulges to 53.99478518°N: R·(53.99478518° − 53°) = 110,615.2180 m; radius 1 m → gap 110,614.2180 m.
        AssertGap(LongArcPolygon(), Circle(53, 0, 1), 110_614.218040);
    }

    [Fact]
    public void TriangleApexNorthOfALongArcConflictsExactlyAtItsGap()
    {
        // Apex (64°N, 0°) of the triangle (64,0),(65,−1),(65,1) to the north arc: R·(64° − 63.43494882°) = 62,830.9110 m.
        var triangle = Polygon((64, 0), (65, -1), (65, 1));
        AssertGap(LongArcPolygon(), triangle, 62_830.910971);
    }

    // ---- A small polygon straddling the antimeridian --------------------------------------------------------

    // From 179.9°E to 179.9°W (0.2° wide across 180°) and 0.1°S to 0.1°N. Its north and south edges are arcs through
    // (±0.1°, 179.9°) and (±0.1°, −179.9°), peaking at 180° with tan φ = tan 0.1° / cos 0.1° → |φ| = 0.100000152°
    // (1.69 cm beyond 0.1°).
    private static PolygonFootprint AntimeridianPolygon() =>
        Polygon((-0.1, 179.9), (-0.1, -179.9), (0.1, -179.9), (0.1, 179.9));

    [Theory]
    [InlineData(0, 180)]
    [InlineData(0, -180)]
    [InlineData(0.05, 179.95)]
    [InlineData(-0.05, -179.95)]
    public void CircleInsideAnAntimeridianPolygonConflicts(double lat, double lng)
    {
        AssertTouch(AntimeridianPolygon(), Circle(lat, lng, 1));
    }

    [Fact]
    public void CircleWestOfAnAntimeridianPolygonConflictsExactlyAtItsGap()
    {
        // (0°, 179.8°E) to the meridian edge at 179.9°E along the equator (which meets meridians at right angles):
        // R·0.1° = 11,119.5080 m; radius 100 m → gap 11,019.5080 m.
        AssertGap(AntimeridianPolygon(), Circle(0, 179.8, 100), 11_019.508023);
    }

    [Fact]
    public void CircleEastOfAnAntimeridianPolygonConflictsExactlyAtItsGap()
    {
        // (0°, 179.7°W) to the meridian edge at 179.9°W along the equator: R·0.2° = 22,239.0160 m; radius 100 m →
        // gap 22,139.0160 m.
        AssertGap(AntimeridianPolygon(), Circle(0, -179.7, 100), 22_139.016047);
    }

    [Fact]
    public void CircleNorthOfAnAntimeridianPolygonConflictsExactlyAtItsGap()
    {
        // (0.2°N, 180°) to the north arc, whose peak is at 180°: R·(0.2° − 0.10000015231°) = 11,119.4911 m (the arc's
        // 1.69 cm bulge included); radius 1 m → gap 11,118.4911 m.
        AssertGap(AntimeridianPolygon(), Circle(0.2, 180, 1), 11_118.491087);
    }

    [Fact]
    public void TriangleAcrossTheAntimeridianConflictsExactlyAtItsGap()
    {
        // Apex (0°, 179.8°W) of the triangle to the meridian edge at 179.9°W along the equator: R·0.1° = 11,119.5080 m.
        var triangle = Polygon((0, -179.8), (0.1, -179.7), (-0.1, -179.7));
        AssertGap(AntimeridianPolygon(), triangle, 11_119.508023);
    }

    [Fact]
    public void CircleOnTheFarSideOfTheEarthFromAnAntimeridianPolygonDoesNotConflict()
    {
        // (0°, 0°) is about R·179.9° ≈ 20,004 km away: a polygon read as "from −179.9° to 179.9°" would contain it.
        Assert.False(Lateral.Within(AntimeridianPolygon(), Circle(0, 0, 1), Lateral.MaxSeparationMeters));
    }

    // ---- Polygons around the poles ---------------------------------------------------------------------------

    // Vertices at 89°N on 0°, 90°E, 180°, 90°W; each edge peaks half-way with tan φ = tan 89° / cos 45° →
    // φ = 89.29285732°. The meridian through the peak meets the edge at right angles.
    private static PolygonFootprint NorthPolePolygon() => Polygon((89, 0), (89, 90), (89, 180), (89, -90));

    // Vertices at 88°S on 0°, 120°E, 120°W; each edge peaks half-way with tan |φ| = tan 88° / cos 60° →
    // |φ| = 88.99969529°.
    private static PolygonFootprint SouthPolePolygon() => Polygon((-88, 0), (-88, 120), (-88, -120));

    [Fact]
    public void NorthPolePolygonContainsThePole()
    {
        AssertTouch(NorthPolePolygon(), Circle(90, 0, 1));
        AssertTouch(NorthPolePolygon(), Circle(89.5, 45, 1)); // 89.5° > 89.29285732°: inside the edge at 45°E
    }

    [Fact]
    public void CircleOutsideANorthPolePolygonConflictsExactlyAtItsGap()
    {
        // (88.5°N, 45°E) to the edge peaking at 45°E: R·(89.29285732° − 88.5°) = 88,161.8331 m; radius 1 km →
        // gap 87,161.8331 m.
        AssertGap(NorthPolePolygon(), Circle(88.5, 45, 1_000), 87_161.833112);
    }

    [Fact]
    public void TriangleOutsideANorthPolePolygonConflictsExactlyAtItsGap()
    {
        // Apex (88.5°N, 45°E) of the triangle (88.5,45),(88,40),(88,50) to the edge peaking at 45°E:
        // R·(89.29285732° − 88.5°) = 88,161.8331 m.
        var triangle = Polygon((88.5, 45), (88, 40), (88, 50));
        AssertGap(NorthPolePolygon(), triangle, 88_161.833112);
    }

    [Fact]
    public void PointPolewardOfTheVerticesButOutsideTheArcDoesNotConflict()
    {
        // (89.1°N, 45°E) is poleward of every vertex (89°N), so a planar reading would put it inside; but the edge
        // at 45°E peaks at 89.29285732°N: R·(89.29285732° − 89.1°) = 21,444.7850 m; radius 1 m → gap 21,443.7850 m.
        AssertGap(NorthPolePolygon(), Circle(89.1, 45, 1), 21_443.784972);
    }

    [Fact]
    public void SouthPolePolygonContainsThePole()
    {
        // The pole is R·(90° − 88.99969529°) = 111,228.9625 m inside every edge, so a 100 km circle there overlaps.
        AssertTouch(SouthPolePolygon(), Circle(-90, 0, 1));
        AssertTouch(SouthPolePolygon(), Circle(-90, 0, 100_000));
        AssertTouch(SouthPolePolygon(), Circle(-89.5, 60, 1));
    }

    [Theory]
    [InlineData(60)]
    [InlineData(180)]
    [InlineData(-60)]
    public void CircleOutsideASouthPolePolygonConflictsExactlyAtItsGap(double lng)
    {
        // (88.5°S, λ) with λ where an edge peaks: R·(88.99969529° − 88.5°) = 55,563.6578 m; radius 1 m →
        // gap 55,562.6578 m (a planar reading would put the point inside: it is poleward of the vertices' 88°S).
        AssertGap(SouthPolePolygon(), Circle(-88.5, lng, 1), 55_562.657838);
    }

    // ---- Concave polygons --------------------------------------------------------------------------------

    // A U opening north: bottom bar 0°–1°N, arms 0°–1°E and 2°–3°E up to 3°N; the notch is 1°–2°E, 1°–3°N.
    // Its vertex mean (1.75°N, 1.5°E) lies in the notch, outside the polygon.
    // Distance from (φ, λ) to the meridian λ0 (right spherical triangle at the pole): sin d = cos φ · sin |λ − λ0|,
    // with the foot at tan φf = tan φ / cos Δλ (checked to lie on the edge in each case).
    private static PolygonFootprint UShape() =>
        Polygon((0, 0), (0, 3), (3, 3), (3, 2), (1, 2), (1, 1), (3, 1), (3, 0));

    [Fact]
    public void CircleInTheNotchOfAUConflictsExactlyAtItsGap()
    {
        // (2°N, 1.5°E) to either inner arm: R·asin(cos 2° · sin 0.5°) = 55,563.6707 m (foot at 2.000076°N, on the
        // edge); radius 50 km → gap 5,563.6707 m.
        AssertGap(UShape(), Circle(2, 1.5, 50_000), 5_563.670739);
    }

    [Fact]
    public void SquareInTheNotchOfAUConflictsExactlyAtItsGap()
    {
        // Square 2°–2.5°N × 1.2°–1.8°E: nearest are its top vertices (2.5°N, 1.2°E / 1.8°E) to the arms at 1°E / 2°E:
        // R·asin(cos 2.5° · sin 0.2°) = 22,217.8493 m.
        var square = Polygon((2, 1.2), (2, 1.8), (2.5, 1.8), (2.5, 1.2));
        AssertGap(UShape(), square, 22_217.849345);
    }

    [Fact]
    public void CircleInTheNotchOfAnLConflictsExactlyAtItsGap()
    {
        // L: 0°–2°N × 0°–2°E without the square 1°–2°N × 1°–2°E. (1.5°N, 1.2°E) to the inner edge at 1°E:
        // R·asin(cos 1.5° · sin 0.2°) = 22,231.3953 m; radius 1 km → gap 21,231.3953 m.
        var l = Polygon((0, 0), (0, 2), (1, 2), (1, 1), (2, 1), (2, 0));
        AssertGap(l, Circle(1.5, 1.2, 1_000), 21_231.395260);
    }

    // ---- Touching and nearly touching polygons ----------------------------------------------------------

    [Fact]
    public void PolygonsSharingAnEdgeConflictAtZeroSeparation()
    {
        var west = Polygon((0, 0), (0, 1), (1, 1), (1, 0));
        var east = Polygon((0, 1), (0, 2), (1, 2), (1, 1));
        AssertTouch(west, east);
    }

    [Fact]
    public void PolygonsSharingOnlyAVertexConflictAtZeroSeparation()
    {
        var southWest = Polygon((0, 0), (0, 1), (1, 1), (1, 0));
        var northEast = Polygon((1, 1), (1, 2), (2, 2), (2, 1));
        AssertTouch(southWest, northEast);
    }

    [Fact]
    public void CircleThroughAPolygonVertexConflictsAtZeroSeparation()
    {
        // The circle around (0°, 2°E) with radius R·1° + 1 mm reaches 1 mm past the vertex (0°, 1°E).
        AssertTouch(Polygon((0, 0), (0, 1), (1, 1), (1, 0)), Circle(0, 2, 111_195.081234));
    }

    [Fact]
    public void SeparationMakesANonTouchingPairOfPolygonsConflict()
    {
        // Apex (0°, 1.01°E) of the triangle to the square's edge on the meridian 1°E, along the equator:
        // R·0.01° = 1,111.9508 m.
        var square = Polygon((-1, 0), (-1, 1), (1, 1), (1, 0));
        var triangle = Polygon((0, 1.01), (1, 2), (-1, 2));
        AssertGap(square, triangle, 1_111.950802);
    }

    // ---- Very small and very large footprints -----------------------------------------------------------

    [Fact]
    public void OneMetreCircleAndOneMetreSquareConflictExactlyAtTheirGap()
    {
        // Square 0°–0.00001° × 0°–0.00001° (sides R·0.00001° = 1.1120 m). (0.000005°N, 0.00003°E) to its east edge
        // on 0.00001°E: R·asin(cos 0.000005° · sin 0.00002°) = 2.223902 m; radius 1 m → gap 1.223902 m.
        var square = Polygon((0, 0), (0, 0.00001), (0.00001, 0.00001), (0.00001, 0));
        AssertGap(square, Circle(0.000005, 0.00003, 1), 1.223902);
    }

    [Fact]
    public void FiveHundredKilometreCircleAndLargeSquareConflictExactlyAtTheirGap()
    {
        // Square ±4° (corners R·acos(cos² 4°) = 628.8 km from its centre). (0°, 10°E) to its east edge on 4°E along
        // the equator: R·6° = 667,170.4814 m; radius 500 km → gap 167,170.4814 m.
        var square = Polygon((-4, -4), (-4, 4), (4, 4), (4, -4));
        AssertGap(square, Circle(0, 10, 500_000), 167_170.481401);
    }

    // ---- Volume4D.ConflictsWith ------------------------------------------------------------------------------

    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    private static Volume4D Volume(Footprint footprint, double lower, double upper, long startSeconds, long endSeconds) =>
        new(footprint, new AltitudeBand(lower, upper), TimeWindow.FromUnixSeconds(startSeconds, endSeconds));

    private static Volume4D Volume(Footprint footprint, double lower, double upper, TimeWindow time) =>
        new(footprint, new AltitudeBand(lower, upper), time);

    private static void AssertConflict(bool expected, Volume4D a, Volume4D b, Separation separation)
    {
        Assert.Equal(expected, a.ConflictsWith(b, separation));
        Assert.Equal(expected, b.ConflictsWith(a, separation));
    }

    [Fact]
    public void AbuttingTimeWindowsDoNotConflictWithoutATimeMinimum()
    {
        var here = Circle(0, 0, 100);
        var first = Volume(here, 0, 100, 0, 600);
        var second = Volume(here, 0, 100, 600, 1200);
        AssertConflict(false, first, second, Separation.None);
        AssertConflict(true, first, second, new Separation(0, 0, OneSecond));
    }

    [Fact]
    public void TimeWindowsOverlappingByOneTickConflict()
    {
        var here = Circle(0, 0, 100);
        var first = Volume(here, 0, 100, new TimeWindow(1_000, 2_000));
        var second = Volume(here, 0, 100, new TimeWindow(1_999, 3_000));
        AssertConflict(true, first, second, Separation.None);
    }

    [Fact]
    public void TimeWindowsExactlyTheTimeMinimumApartDoNotConflict()
    {
        // [0, 600 s) and [601 s, 1200 s) are 1 s apart: conflict needs a gap strictly less than the minimum.
        var here = Circle(0, 0, 100);
        var first = Volume(here, 0, 100, 0, 600);
        var second = Volume(here, 0, 100, 601, 1200);
        AssertConflict(false, first, second, new Separation(0, 0, OneSecond));
        AssertConflict(true, first, second, new Separation(0, 0, OneSecond + TimeSpan.FromTicks(1)));
    }

    [Fact]
    public void TouchingAltitudeBandsConflict()
    {
        var here = Circle(0, 0, 100);
        AssertConflict(true, Volume(here, 0, 100, 0, 600), Volume(here, 100, 200, 0, 600), Separation.None);
        // A band of zero thickness on the boundary of another also touches it.
        AssertConflict(true, Volume(here, 0, 100, 0, 600), Volume(here, 100, 100, 0, 600), Separation.None);
    }

    [Fact]
    public void AltitudeBandsConflictExactlyAtTheVerticalMinimum()
    {
        // [0, 100] and [150, 200] are 50 m apart; the vertical minimum is closed (touching counts).
        var here = Circle(0, 0, 100);
        var low = Volume(here, 0, 100, 0, 600);
        var high = Volume(here, 150, 200, 0, 600);
        AssertConflict(false, low, high, Separation.None);
        AssertConflict(true, low, high, new Separation(0, 50, TimeSpan.Zero));
        AssertConflict(false, low, high, new Separation(0, 49.99, TimeSpan.Zero));
    }

    [Fact]
    public void FootprintsConflictExactlyAtTheLateralMinimum()
    {
        // Gap R·1° − 100 km = 11,195.0802 m, as in CirclesOnTheEquatorConflictExactlyAtTheirGap.
        var west = Volume(Circle(0, 0, 50_000), 0, 100, 0, 600);
        var east = Volume(Circle(0, 1, 50_000), 0, 100, 0, 600);
        AssertConflict(false, west, east, Separation.None);
        AssertConflict(true, west, east, new Separation(11_195.080234 + Margin, 0, TimeSpan.Zero));
        AssertConflict(false, west, east, new Separation(11_195.080234 - Margin, 0, TimeSpan.Zero));
    }

    [Fact]
    public void AConflictNeedsAllThreeDimensionsWithinTheirMinima()
    {
        var here = Circle(0, 0, 100);
        var far = Circle(0, 1, 100); // R·1° − 200 m = 110,995.08 m away
        var baseline = Volume(here, 0, 100, 0, 600);
        AssertConflict(true, baseline, Volume(here, 50, 150, 300, 900), Separation.None);
        AssertConflict(false, baseline, Volume(far, 50, 150, 300, 900), Separation.None);
        AssertConflict(false, baseline, Volume(here, 101, 150, 300, 900), Separation.None);
        AssertConflict(false, baseline, Volume(here, 50, 150, 600, 900), Separation.None);
        var generous = new Separation(111_000, 1, TimeSpan.FromSeconds(1));
        AssertConflict(true, baseline, Volume(far, 101, 150, 600, 900), generous);
        AssertConflict(false, baseline, Volume(far, 101.5, 150, 600, 900), generous);
        AssertConflict(false, baseline, Volume(far, 101, 150, 601, 900), generous);
        // R·1.001° − 200 m = 111,306.2753 − 200 = 111,106.2753 m: beyond the 111 km lateral minimum.
        AssertConflict(false, baseline, Volume(Circle(0, 1.001, 100), 101, 150, 600, 900), generous);
    }
}
