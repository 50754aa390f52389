using CsCheck;
using Hotline.Geo.Tests.Oracle;

namespace Hotline.Geo.Tests;

/// <summary>
/// <see cref="Footprint.Covers"/> and <see cref="Volume4D.Covers"/>. Known answers are derived by hand with spherical
/// trigonometry on the sphere of radius R = 6,371,008.8 m (1° of arc is R·1° = 111,195.0802 m); each boundary case
/// is asserted a couple of metres either side of the exact answer, outside the 0–1 m band where either is allowed.
/// </summary>
public sealed class CoverageTests
{
    private const double Degree = 111_195.080234; // R·1° in metres

    private static readonly FootprintLimits Large = new(FootprintLimits.EngineMaxRadiusMeters);

    private static CircleFootprint Circle(double lat, double lng, double radiusMeters) =>
        CircleFootprint.Create(lat, lng, radiusMeters, Large);

    private static PolygonFootprint Polygon(params (double Lat, double Lng)[] ring) => PolygonFootprint.Create(ring, Large);

    /// <summary>The square [−h, h]² in degrees around (lat, lng); its east and west edges are meridians.</summary>
    private static PolygonFootprint Square(double lat, double lng, double h) =>
        Polygon((lat - h, lng - h), (lat - h, lng + h), (lat + h, lng + h), (lat + h, lng - h));

    // ---- Circle in circle --------------------------------------------------------------------------------------

    [Fact]
    public void CircleCoversACircleExactlyWhenTheCentreGapPlusTheRadiusFits()
    {
        // Centres (0°, 0°) and (0°, 0.5°): R·0.5° = 55,597.5401 m apart, so a 100 km circle holds the other up to a
        // radius of 100,000 − 55,597.5401 = 44,402.4599 m.
        var outer = Circle(0, 0, 100_000);
        Assert.True(outer.Covers(Circle(0, 0.5, 44_400)));
        Assert.True(outer.Covers(Circle(0, 0.5, 44_402.45))); // touches from inside, 1 cm to spare
        Assert.False(outer.Covers(Circle(0, 0.5, 44_405))); // 2.54 m out
    }

    [Fact]
    public void CircleCoversACircleAcrossTheAntimeridian()
    {
        // (0°, 179.9°) and (0°, −179.9°) are R·0.2° = 22,239.0160 m apart across 180°: room for 27,760.9840 m.
        var outer = Circle(0, 179.9, 50_000);
        Assert.True(outer.Covers(Circle(0, -179.9, 27_758)));
        Assert.False(outer.Covers(Circle(0, -179.9, 27_764)));
    }

    [Fact]
    public void CircleAtThePoleCoversACircleOneDegreeAway()
    {
        // (89°N, 45°E) is R·1° = 111,195.0802 m from the pole: a 200 km polar circle holds up to 88,804.9198 m.
        var outer = Circle(90, 0, 200_000);
        Assert.True(outer.Covers(Circle(89, 45, 88_802)));
        Assert.False(outer.Covers(Circle(89, 45, 88_808)));
    }

    [Fact]
    public void IdenticalCirclesCoverEachOther()
    {
        var a = Circle(47.3, 8.5, 1_234.5);
        Assert.True(a.Covers(a));
        Assert.True(a.Covers(Circle(47.3, 8.5, 1_234.5)));
        Assert.True(Circle(10, 10, 1).Covers(Circle(10, 10, 1)));
    }

    // ---- Polygon in circle -------------------------------------------------------------------------------------

    [Fact]
    public void CircleCoversASquareExactlyWhenItHoldsItsCorners()
    {
        // A cap is convex, so it holds the square when it holds the corners. Corner (0.5°, 0.5°) from (0°, 0°), by the
        // spherical Pythagoras: cos c = cos 0.5° · cos 0.5° → c = 0.70710229°, R·c = 78,626.2963 m.
        var square = Square(0, 0, 0.5);
        Assert.True(Circle(0, 0, 78_628.5).Covers(square));
        Assert.False(Circle(0, 0, 78_624).Covers(square));
    }

    [Fact]
    public void PolarCircleCoversARingAroundThePole()
    {
        // Vertices at 89°N are R·1° = 111,195.0802 m from the pole.
        var ring = Polygon((89, 0), (89, 90), (89, 180), (89, -90));
        Assert.True(Circle(90, 0, 111_197.5).Covers(ring));
        Assert.False(Circle(90, 0, 111_193).Covers(ring));
    }

    // ---- Circle in polygon -------------------------------------------------------------------------------------

    [Fact]
    public void SquareCoversACircleExactlyWhenItClearsTheNearestEdge()
    {
        // From (0°, 0°) the meridian edges at ±1° are R·1° = 111,195.0802 m away (the equator meets them at right
        // angles); the north and south arcs peak at tan φ = tan 1° / cos 1° → 1.00015230°, R·φ = 111,212.0149 m.
        var square = Square(0, 0, 1);
        Assert.True(square.Covers(Circle(0, 0, 111_193)));
        Assert.False(square.Covers(Circle(0, 0, 111_197.5)));
    }

    [Fact]
    public void PolygonAcrossTheAntimeridianCoversACircleOnIt()
    {
        // 179°E to 179°W: the meridian edges are R·1° = 111,195.0802 m from (0°, 180°).
        var square = Polygon((-1, 179), (-1, -179), (1, -179), (1, 179));
        Assert.True(square.Covers(Circle(0, 180, 111_193)));
        Assert.True(square.Covers(Circle(0, -180, 111_193)));
        Assert.False(square.Covers(Circle(0, 180, 111_197.5)));
        Assert.False(square.Covers(Circle(0, 178.9, 10))); // outside, west of 179°E
    }

    [Fact]
    public void PolarPolygonCoversACircleOnThePole()
    {
        // The ring at 85°N through longitudes 0°, 90°, 180°, 270°: each edge is nearest the pole at its middle (45° on),
        // where tan φ = tan 85° / cos 45° → φ = 86.45997524°, R·(90° − φ) = 393,633.3369 m from the pole.
        var ring = Polygon((85, 0), (85, 90), (85, 180), (85, -90));
        Assert.True(ring.Covers(Circle(90, 0, 393_631)));
        Assert.False(ring.Covers(Circle(90, 0, 393_636)));
    }

    // Bounded north by the arc (60°N, 30°E)→(60°N, 30°W) and south by (50°N, 30°W)→(50°N, 30°E). A great circle through
    // (φ0, ±30°) peaks at 0° with tan φ = tan φ0 / cos 30°: north arc 63.43494882°N, south arc 53.99478518°N. The meridian
    // 0° meets each at its peak at right angles, so from (φ, 0°) the arc is R·|φ − φpeak| away.
    private static PolygonFootprint LongArcPolygon() => Polygon((50, -30), (50, 30), (60, 30), (60, -30));

    [Fact]
    public void LongEdgeBulgingPolewardCoversACircleNorthOfItsVertices()
    {
        // (62°N, 0°) lies 2° north of the vertices, outside in a planar lat/lng picture; on the sphere the north arc is
        // R·(63.43494882° − 62°) = 159,559.2492 m away (the side edges and the south arc are over 800 km away).
        var polygon = LongArcPolygon();
        Assert.True(polygon.Covers(Circle(62, 0, 159_557)));
        Assert.False(polygon.Covers(Circle(62, 0, 159_562)));
    }

    [Fact]
    public void LongEdgeBulgingPolewardUncoversACircleNorthOfItsVertices()
    {
        // (53°N, 0°) is 3° north of the south vertices, inside in a planar picture; on the sphere it is south of the
        // south arc (53.99478518°N), 110,615 m outside.
        Assert.False(LongArcPolygon().Covers(Circle(53, 0, 10)));
    }

    [Fact]
    public void CircleTouchingAnEdgeFromInsideIsCovered()
    {
        // (0°, 0.5°) is R·0.5° = 55,597.5401 m from the meridian edge at 1°E, and farther from every other edge.
        Assert.True(Square(0, 0, 1).Covers(Circle(0, 0.5, 55_597.54)));
    }

    // ---- Polygon in polygon ------------------------------------------------------------------------------------

    [Fact]
    public void NestedSquaresAreCovered()
    {
        Assert.True(Square(0, 0, 1).Covers(Square(0, 0, 0.5)));
        Assert.False(Square(0, 0, 0.5).Covers(Square(0, 0, 1)));
        Assert.False(Square(0, 0, 1).Covers(Square(0, 3, 0.5))); // disjoint
    }

    [Fact]
    public void IdenticalPolygonsCoverEachOther()
    {
        (double, double)[] star = [(0, 0), (0.2, 1), (1, 1.2), (0.4, 1.5), (0.6, 2.4), (0, 1.8), (-0.6, 2.4), (-0.4, 1.5), (-1, 1.2), (-0.2, 1)];
        var a = Polygon(star);
        Assert.True(a.Covers(a));
        Assert.True(a.Covers(Polygon(star)));
        Assert.True(Polygon(star).Covers(Polygon([.. star.Reverse()]))); // orientation does not matter
        Assert.True(LongArcPolygon().Covers(LongArcPolygon()));
        var tiny = Polygon((47, 8), (47, 8.00001), (47.00001, 8.00001));
        Assert.True(tiny.Covers(Polygon((47, 8), (47, 8.00001), (47.00001, 8.00001))));
    }

    [Fact]
    public void SquareTouchingTwoEdgesFromInsideIsCovered()
    {
        // [0°, 1°]² shares the corner (0°, 0°) with [0°, 2°]² and runs along two of its edges: the equator and the
        // meridian 0°, exact great circles. Its north arc peaks at tan φ = tan 1° / cos 0.5° → 1.00004° < 2°.
        var outer = Polygon((0, 0), (0, 2), (2, 2), (2, 0));
        var inner = Polygon((0, 0), (0, 1), (1, 1), (1, 0));
        Assert.True(outer.Covers(inner));
    }

    [Fact]
    public void VertexOnAnEdgeFromInsideIsCoveredAndTwoMetresBeyondIsNot()
    {
        // (0°, 1°) lies on the meridian edge at 1°E of the square; 2 m farther east along the equator (which meets the
        // meridian at right angles) is 2 / (R·1°) = 0.00001799° of longitude.
        var outer = Square(0, 0, 1);
        Assert.True(outer.Covers(Polygon((0, 1), (0.5, 0), (0, -0.5), (-0.5, 0))));
        Assert.False(outer.Covers(Polygon((0, 1.00001799), (0.5, 0), (0, -0.5), (-0.5, 0))));
    }

    [Fact]
    public void OuterReflexVertexTouchingAnInnerEdgeFromOutsideIsCovered()
    {
        // The notch of the outer polygon comes down to its apex (0°, 0°), exactly on the inner rectangle's north edge
        // (the equator), from the north: they touch at one point.
        var outer = Polygon((-1, -1), (-1, 1), (1, 1), (1, 0.2), (0, 0), (1, -0.2), (1, -1));
        Assert.True(outer.Covers(Polygon((-0.5, -0.5), (-0.5, 0.5), (0, 0.5), (0, -0.5))));
    }

    [Fact]
    public void ConcaveNotchPokingIntoTheInnerPolygonIsCaughtThoughEveryInnerVertexIsInside()
    {
        // The notch runs from the north edge down to its apex (0°, 0°), the centre of the inner square. The notch is
        // 0.2° wide at 1°N, so at 0.5°N it spans about ±0.1°: every corner (±0.5°, ±0.5°) of the inner square is inside.
        var outer = Polygon((-1, -1), (-1, 1), (1, 1), (1, 0.2), (0, 0), (1, -0.2), (1, -1));
        Assert.False(outer.Covers(Square(0, 0, 0.5)));
        // South of the apex (the inner north edge at 0.1°S bows south, away from it), the rectangle is covered.
        Assert.True(outer.Covers(Polygon((-0.9, -0.5), (-0.9, 0.5), (-0.1, 0.5), (-0.1, -0.5))));
    }

    [Fact]
    public void NotchThroughTwoInnerVerticesIsCaughtWithoutAProperCrossing()
    {
        // The notch's sides are the meridians ±0.2° from 1°N down to 0.3°N. The inner quadrilateral has two vertices
        // on those sides, at (0.5°, ±0.2°), so no edge properly crosses another; but the notch corners (0.3°, ±0.2°) are
        // inside it (its sides from (−0.5°, ±0.5°) pass ±0.26° at 0.3°N), and its north edge runs through the notch.
        var outer = Polygon((-1, -1), (-1, 1), (1, 1), (1, 0.2), (0.3, 0.2), (0.3, -0.2), (1, -0.2), (1, -1));
        Assert.False(outer.Covers(Polygon((-0.5, -0.5), (-0.5, 0.5), (0.5, 0.2), (0.5, -0.2))));
    }

    [Fact]
    public void InnerPolygonFillingANotchIsNotCovered()
    {
        // The inner rectangle is the notch itself: it shares three sides with the outer boundary but lies outside.
        var outer = Polygon((-1, -1), (-1, 1), (1, 1), (1, 0.2), (0.3, 0.2), (0.3, -0.2), (1, -0.2), (1, -1));
        Assert.False(outer.Covers(Polygon((0.3, -0.2), (0.3, 0.2), (1, 0.2), (1, -0.2))));
    }

    [Fact]
    public void OuterEdgesThroughTheInnerInteriorBetweenBoundaryPointsAreCaught()
    {
        // Inner: the square ±0.5°. The outer polygon is the square ±2° minus a tongue W E X reached through a channel
        // 5 mm wide (narrower than the tolerance) from its north edge: W = (0.2°, −0.5°) and E = (0.2°, 0.5°) lie on the
        // inner's meridian edges, X1 and X2 (2.5 mm either side of 0°) on its north arc. Every inner vertex is covered,
        // every outer vertex is outside the inner square or on its boundary, no edges cross properly, the channel
        // crosses the inner boundary for only 5 mm, and the inner's centre is covered; yet the tongue, a triangle 1° wide
        // and 0.3° tall, is not: the outer edge W–E runs through the inner square 0.3° from its north edge.
        var peak = Math.Atan(Math.Tan(Rad(0.5)) / Math.Cos(Rad(0.5))); // the inner north arc at 0°
        var half = 0.0025 / (Degree * Math.Cos(Rad(0.5)));
        // On that arc, tan φ = tan φpeak · cos λ.
        var x1 = (Deg(Math.Atan(Math.Tan(peak) * Math.Cos(Rad(half)))), -half);
        var x2 = (x1.Item1, half);
        var outer = Polygon((-2, -2), (-2, 2), (2, 2), (2, half), x2, (0.2, 0.5), (0.2, -0.5), x1, (2, -half), (2, -2));
        Assert.False(outer.Covers(Square(0, 0, 0.5)));
        Assert.True(outer.Covers(Square(-0.2, 0, 0.3))); // south of the tongue
    }

    [Fact]
    public void ThinSpikeOfTheInnerPolygonAcrossAGapOfTheOuterIsCaught()
    {
        // Outer: a U whose gap, from 0.001°E to 0.010°E (1 km), opens north of 0.01°S. Inner: a square in the west arm
        // with a spike along the equator to its tip T = (0°, 0.011°E) in the east arm. The spike is 6 cm wide at its base
        // (0.05°W), so 6 cm × 0.010° / 0.061° = 1 cm wide at the gap's west wall and 1 mm at its east wall: the outer
        // boundary enters the inner no more than 5 mm, and every vertex of each polygon is outside the other or inside
        // it with room to spare. Yet 1 km of the spike is in the gap, up to 500 m from the outer polygon.
        var outer = Polygon((-0.05, -0.08), (-0.05, 0.05), (0.05, 0.05), (0.05, 0.010), (-0.01, 0.010), (-0.01, 0.001), (0.05, 0.001), (0.05, -0.08));
        var h = 0.03 / Degree;
        var spiky = Polygon((-0.005, -0.07), (-0.005, -0.05), (-h, -0.05), (0, 0.011), (h, -0.05), (0.005, -0.05), (0.005, -0.07));
        Assert.False(outer.Covers(spiky));
        // Without the spike the square is covered.
        Assert.True(outer.Covers(Polygon((-0.005, -0.07), (-0.005, -0.05), (0.005, -0.05), (0.005, -0.07))));
    }

    [Theory]
    [InlineData(0.005)] // the chamber's walls 5 mm outside the inner square
    [InlineData(-0.005)] // 5 mm inside it
    public void InnerPolygonInsideAChamberLinedByTheOuterBoundaryIsNotCovered(double offsetMeters)
    {
        // The outer polygon is the square ±2° minus a chamber, the inner square ±0.5° grown by the offset, reached
        // through a channel 5 mm wide along the equator from the west. The inner boundary is nowhere more than 7 mm
        // from the outer one, and the outer boundary enters the inner square no deeper than 5 mm, so only a deep point
        // can tell: the inner square's centre is outside.
        var dLat = offsetMeters / Degree;
        var dLng = offsetMeters / (Degree * Math.Cos(Rad(0.5)));
        var s = 0.0025 / Degree;
        var (n, e) = (0.5 + dLat, 0.5 + dLng);
        var outer = Polygon(
            (-2, -2), (-2, 2), (2, 2), (2, -2), (s, -2), (s, -e),
            (n, -e), (n, e), (-n, e), (-n, -e), (-s, -e), (-s, -2));
        Assert.False(outer.Covers(Square(0, 0, 0.5)));
        // The same outer polygon covers a square in its solid part.
        Assert.True(outer.Covers(Square(1.2, 1.2, 0.5)));
    }

    [Fact]
    public void LobeOfTheInnerPolygonBeyondANarrowNeckIsJudgedOnItsOwn()
    {
        // Inner: two 1° squares, centred at 1°W and 1°E, joined by a corridor 4 mm wide along the equator. Outer: the
        // square ±3° minus a chamber, the east square grown by 5 mm, reached through a channel 5 mm wide from the east.
        // The west square and the corridor are covered; the east square is not. The chamber's wall crosses the corridor
        // (the outer boundary enters the inner only 2 mm), so a deep point in the west square alone would pass it.
        var w = 0.002 / Degree;
        var inner = Polygon(
            (-0.5, -1.5), (-0.5, -0.5), (-w, -0.5), (-w, 0.5), (-0.5, 0.5), (-0.5, 1.5),
            (0.5, 1.5), (0.5, 0.5), (w, 0.5), (w, -0.5), (0.5, -0.5), (0.5, -1.5));
        var n = 0.5 + (0.005 / Degree);
        var e = 0.005 / (Degree * Math.Cos(Rad(0.5)));
        var s = 0.0025 / Degree;
        var outer = Polygon(
            (-3, -3), (-3, 3), (-s, 3), (-s, 1.5 + e), (-n, 1.5 + e), (-n, 0.5 - e),
            (n, 0.5 - e), (n, 1.5 + e), (s, 1.5 + e), (s, 3), (3, 3), (3, -3));
        Assert.False(outer.Covers(inner));
        Assert.True(Square(0, 0, 2).Covers(inner));
    }

    [Fact]
    public void LongInnerEdgeBulgingOutOfTheOuterPolygonIsCaughtThoughItsVerticesAreInside()
    {
        // Outer: north side along 60°N in 2° steps (each arc peaks at tan φ = tan 60° / cos 1° → 60.0038°N), south side
        // the long arc from (50°N, 30°E) to (50°N, 30°W), which is at 51.28°N at ±25° (tan φ = tan 53.99478518° · cos 25°).
        // Inner: corners (59°N, ±25°) and (52°N, ±25°), all inside; but its north arc peaks at
        // tan φ = tan 59° / cos 25° → 61.4289°N, 158 km beyond 60.0038°N.
        var north = Enumerable.Range(0, 31).Select(i => (60.0, 30.0 - (2.0 * i)));
        var outer = Polygon([(50, -30), (50, 30), .. north]);
        Assert.False(outer.Covers(Polygon((52, -25), (52, 25), (59, 25), (59, -25))));
        // With the north side split every 5°, its arcs peak at tan φ = tan 59° / cos 2.5° → 59.0241°N: covered.
        var split = Enumerable.Range(0, 11).Select(i => (59.0, 25.0 - (5.0 * i)));
        Assert.True(outer.Covers(Polygon([(52, -25), (52, 25), .. split])));
    }

    [Fact]
    public void PolygonAcrossTheAntimeridianCoversOneInsideIt()
    {
        var outer = Polygon((-1, 179), (-1, -179), (1, -179), (1, 179));
        Assert.True(outer.Covers(Polygon((-0.5, 179.5), (-0.5, -179.5), (0.5, -179.5), (0.5, 179.5))));
        // The east side at 178.9°W is 0.1° (11 km) beyond the outer meridian edge at 179°W.
        Assert.False(outer.Covers(Polygon((-0.5, 179.5), (-0.5, -178.9), (0.5, -178.9), (0.5, 179.5))));
    }

    [Fact]
    public void PolarPolygonCoversARingAroundThePoleButNotOneReachingSouthOfIt()
    {
        // The outer ring at 85°N every 45°: each arc bows poleward, peaking mid-edge at tan φ = tan 85° / cos 22.5° →
        // 85.38°N, so its boundary lies between 85°N and 85.38°N. A ring at 87°N (whose arcs bow further poleward) is
        // inside; one at 84°N has its vertices 1° outside.
        var outer = Polygon([.. Enumerable.Range(0, 8).Select(i => (85.0, -180.0 + (45.0 * i)))]);
        Assert.True(outer.Covers(Polygon((87, 0), (87, 90), (87, 180), (87, -90))));
        Assert.False(outer.Covers(Polygon((84, 0), (84, 90), (84, 180), (84, -90))));
    }

    // ---- Volume4D ----------------------------------------------------------------------------------------------

    [Fact]
    public void VolumeCoversWhenTimeAltitudeAndFootprintAllFit()
    {
        var footprint = Square(0, 0, 1);
        var outer = new Volume4D(footprint, new AltitudeBand(0, 120), TimeWindow.FromUnixSeconds(1_000, 2_000));
        Assert.True(outer.Covers(outer));
        Assert.True(outer.Covers(new Volume4D(Square(0, 0, 0.5), new AltitudeBand(10, 100), TimeWindow.FromUnixSeconds(1_100, 1_900))));
        Assert.True(outer.Covers(new Volume4D(footprint, new AltitudeBand(0, 120), TimeWindow.FromUnixSeconds(1_000, 2_000))));
        Assert.False(outer.Covers(new Volume4D(footprint, new AltitudeBand(0, 120), TimeWindow.FromUnixSeconds(999, 2_000))));
        Assert.False(outer.Covers(new Volume4D(footprint, new AltitudeBand(0, 120), TimeWindow.FromUnixSeconds(1_000, 2_001))));
        Assert.False(outer.Covers(new Volume4D(footprint, new AltitudeBand(-0.5, 120), TimeWindow.FromUnixSeconds(1_000, 2_000))));
        Assert.False(outer.Covers(new Volume4D(footprint, new AltitudeBand(0, 120.5), TimeWindow.FromUnixSeconds(1_000, 2_000))));
        Assert.False(outer.Covers(new Volume4D(Square(0, 0, 1.1), new AltitudeBand(10, 100), TimeWindow.FromUnixSeconds(1_100, 1_900))));
    }

    // ---- Against an independent oracle -------------------------------------------------------------------------

    [Fact]
    public void CoverageAgreesWithDenseSamplingOfTheInnerFootprint()
    {
        int covered = 0, provedInside = 0, uncovered = 0;
        PairGen.Sample(pair =>
        {
            var (outerSpec, innerSpec) = pair;
            var outer = outerSpec.Build(Large);
            var inner = innerSpec.Build(Large);
            var covers = outer.Covers(inner);
            var (samples, spacing) = new CoverageOracle(innerSpec).Sample();
            var oracle = new CoverageOracle(outerSpec);
            var worst = double.MaxValue; // the smallest clearance: negative when a sample is outside
            foreach (var p in samples)
            {
                worst = Math.Min(worst, oracle.Clearance(p));
            }

            if (covers)
            {
                covered++;
                // The contract allows 1 m; the engine promises 2.5 cm (1 mm for the oracle's own rounding).
                Assert.True(worst >= -0.026, $"covered, but a sample lies {-worst} m outside");
            }
            else
            {
                uncovered++;
            }

            // Every point of inner is within the spacing of a sample, so a larger clearance proves it inside.
            if (worst > spacing + 0.001)
            {
                provedInside++;
                Assert.True(covers, $"every sample is at least {worst} m inside (spacing {spacing} m), yet not covered");
            }
        }, iter: 300, threads: 1, print: p => $"outer = {p.Outer}\ninner = {p.Inner}");

        Assert.True(covered > 150 && provedInside > 40 && uncovered > 25, $"covered {covered}, proved inside {provedInside}, uncovered {uncovered}");
    }

    [Fact]
    public void EveryFootprintCoversItselfAndAnIdenticalCopy()
    {
        Generators.Footprint.Sample(f =>
        {
            var built = f.Build(Large);
            Assert.True(built.Covers(built));
            Assert.True(built.Covers(f.Build(Large)));
        }, iter: 500, print: f => f.ToString());
    }

    /// <summary>Pairs that are often near each other's boundary: an inner footprint somewhere around the outer's
    /// centre (or small and near it); the outer scaled about its centre by 0.97–1.005 (from just inside to just poking
    /// out); a triangle on one of its edges; or the outer itself.</summary>
    private static readonly Gen<(FootprintSpec Outer, FootprintSpec Inner)> PairGen =
        Gen.Select(Generators.Location, Generators.Size).SelectMany(t =>
        {
            var (centre, size) = t;
            return Generators.FootprintAt(centre, size).SelectMany(outer => Gen.Frequency(
                (3, Around(outer, centre, size, 1, 0.02, 1.1)),
                (2, Around(outer, centre, size, 0.3, 0.01, 0.3)),
                (3, Gen.Double[0.97, 1.005].Select(k => (outer, CoverageOracle.Scale(outer, centre, k)))),
                (1, Fan(outer, centre)),
                (1, Gen.Const((outer, outer)))));
        });

    /// <summary>A triangle on an edge of a polygon and its centre (touching along that edge; covered when the polygon
    /// is convex, often not when it is a star).</summary>
    private static Gen<(FootprintSpec, FootprintSpec)> Fan(FootprintSpec outer, (double Lat, double Lng) centre) =>
        outer.IsCircle
            ? Gen.Const((outer, outer))
            : Gen.Int[0, outer.Ring.Count - 1]
                .Select(i => (outer, FootprintSpec.Polygon([outer.Ring[i], outer.Ring[(i + 1) % outer.Ring.Count], centre])))
                .Where(pair => IsValid(pair.Item2));

    private static bool IsValid(FootprintSpec spec)
    {
        try
        {
            spec.Build(Large);
            return true;
        }
        catch (GeometryException)
        {
            return false; // a triangle whose edge runs through the centre
        }
    }

    /// <summary>An inner footprint of <paramref name="smallest"/>–<paramref name="largest"/> times the size, centred up
    /// to <paramref name="reach"/> times the size from the outer's centre.</summary>
    private static Gen<(FootprintSpec, FootprintSpec)> Around(
        FootprintSpec outer, (double Lat, double Lng) centre, double size, double reach, double smallest, double largest) =>
        Gen.Select(Gen.Double[0, reach], Gen.Double[0, 2 * Math.PI], Gen.Double[smallest, largest]).SelectMany(u =>
            Generators.FootprintAt(SphereOracle.Destination(centre, u.Item1 * size, u.Item2), u.Item3 * size)
                .Select(inner => (outer, inner)));

    private static double Rad(double degrees) => degrees * Math.PI / 180;

    private static double Deg(double radians) => radians * 180 / Math.PI;
}

/// <summary>
/// A brute-force coverage oracle written independently of the engine: a point's clearance from a footprint (distance
/// to its boundary, negative outside) by the haversine for circles, and for polygons the winding number of the ring in
/// a gnomonic projection centred on the point with the closed-form distance to each great-circle arc; and dense
/// samples of a footprint (its boundary, and a grid over its interior) with their spacing.
/// </summary>
internal sealed class CoverageOracle
{
    private const int PerEdge = 16;
    private const int OnCircle = 96;
    private const int Grid = 16;

    private readonly FootprintSpec _spec;
    private readonly Vec[] _points;
    private readonly Vec[] _normals;
    private readonly Vec[] _tangents;
    private readonly double[] _lengths;

    public CoverageOracle(FootprintSpec spec)
    {
        _spec = spec;
        _points = [.. spec.Ring.Select(Xyz)];
        _normals = new Vec[_points.Length];
        _tangents = new Vec[_points.Length];
        _lengths = new double[_points.Length];
        for (var i = 0; i < _points.Length; i++)
        {
            var (a, b) = (_points[i], _points[(i + 1) % _points.Length]);
            // (a + b) × (b − a) = 2 a × b, without the cancellation that tilts a × b by ~10⁻⁹ for a 1 m arc.
            _normals[i] = Normalize(Cross(new Vec(a.X + b.X, a.Y + b.Y, a.Z + b.Z), new Vec(b.X - a.X, b.Y - a.Y, b.Z - a.Z)));
            _tangents[i] = Cross(_normals[i], a); // at a, towards b
            _lengths[i] = Angle(a, b);
        }
    }

    /// <summary>Metres from <paramref name="p"/> to the footprint's boundary: positive inside, negative outside.</summary>
    public double Clearance(Vec p)
    {
        if (_spec.IsCircle)
        {
            return _spec.Radius - SphereOracle.Haversine(LatLng(p), _spec.Centre);
        }

        var nearest = double.MaxValue;
        for (var i = 0; i < _points.Length; i++)
        {
            nearest = Math.Min(nearest, AngleToArc(p, i));
        }

        return (Winds(p) ? 1 : -1) * nearest * SphereOracle.R;
    }

    /// <summary>Samples of the footprint and a distance within which every point of it has a sample.</summary>
    public (List<Vec> Samples, double Spacing) Sample()
    {
        var samples = new List<Vec>();
        double boundarySpacing;
        Vec centre;
        double reach; // angle from the centre to the farthest point
        if (_spec.IsCircle)
        {
            for (var k = 0; k < OnCircle; k++)
            {
                samples.Add(Xyz(SphereOracle.Destination(_spec.Centre, _spec.Radius, 2 * Math.PI * k / OnCircle)));
            }

            boundarySpacing = 2 * Math.PI * _spec.Radius / OnCircle;
            centre = Xyz(_spec.Centre);
            reach = _spec.Radius / SphereOracle.R;
        }
        else
        {
            for (var i = 0; i < _points.Length; i++)
            {
                for (var k = 0; k < PerEdge; k++)
                {
                    samples.Add(Slerp(_points[i], _points[(i + 1) % _points.Length], (double)k / PerEdge));
                }
            }

            boundarySpacing = _lengths.Max() * SphereOracle.R / PerEdge;
            centre = Normalize(_points.Aggregate(new Vec(0, 0, 0), (s, q) => new Vec(s.X + q.X, s.Y + q.Y, s.Z + q.Z)));
            reach = _points.Max(q => Angle(centre, q));
        }

        // A grid in the gnomonic plane around the centre; its cells are at most their planar size on the sphere
        // (the projection only stretches).
        var (e1, e2) = Frame(centre);
        var extent = Math.Tan(reach);
        var step = 2 * extent / Grid;
        for (var i = 0; i <= Grid; i++)
        {
            for (var j = 0; j <= Grid; j++)
            {
                var (x, y) = (-extent + (i * step), -extent + (j * step));
                var q = Normalize(new Vec(centre.X + (x * e1.X) + (y * e2.X), centre.Y + (x * e1.Y) + (y * e2.Y), centre.Z + (x * e1.Z) + (y * e2.Z)));
                if (_spec.IsCircle ? Angle(q, centre) <= reach : Winds(q))
                {
                    samples.Add(q);
                }
            }
        }

        // A point of the footprint is within a cell diagonal of a grid sample, or (when its cell's samples are all
        // outside) within a diagonal of the boundary and so within that plus half a boundary step of a sample.
        return (samples, (Math.Sqrt(2) * step * SphereOracle.R) + (boundarySpacing / 2));
    }

    /// <summary>The footprint scaled by <paramref name="k"/> about <paramref name="centre"/> in the gnomonic plane there,
    /// where great circles are straight lines: for k ≤ 1 a polygon star-shaped about the centre maps inside itself.</summary>
    public static FootprintSpec Scale(FootprintSpec f, (double Lat, double Lng) centre, double k)
    {
        if (f.IsCircle)
        {
            return FootprintSpec.Circle(f.Centre, f.Radius * k);
        }

        var c = Xyz(centre);
        return FootprintSpec.Polygon([.. f.Ring.Select(p =>
        {
            var v = Xyz(p);
            var w = Dot(v, c);
            return LatLng(Normalize(new Vec(c.X + (k * ((v.X / w) - c.X)), c.Y + (k * ((v.Y / w) - c.Y)), c.Z + (k * ((v.Z / w) - c.Z)))));
        })]);
    }

    internal readonly record struct Vec(double X, double Y, double Z);

    /// <summary>True when the ring winds around <paramref name="p"/>: the signed angles its edges subtend in the
    /// gnomonic plane at p sum to ±2π (0 outside). A footprint reaches less than a quarter circle from its centre, so a
    /// vertex beyond p's hemisphere proves p outside.</summary>
    private bool Winds(Vec p)
    {
        var (e1, e2) = Frame(p);
        double total = 0, x0 = 0, y0 = 0, xFirst = 0, yFirst = 0;
        for (var i = 0; i < _points.Length; i++)
        {
            var v = _points[i];
            var w = Dot(v, p);
            if (w <= 0)
            {
                return false;
            }

            var (x, y) = (Dot(v, e1) / w, Dot(v, e2) / w);
            if (i == 0)
            {
                (xFirst, yFirst) = (x, y);
            }
            else
            {
                total += Math.Atan2((x0 * y) - (y0 * x), (x0 * x) + (y0 * y));
            }

            (x0, y0) = (x, y);
        }

        total += Math.Atan2((x0 * yFirst) - (y0 * xFirst), (x0 * xFirst) + (y0 * yFirst));
        return Math.Abs(total) > Math.PI;
    }

    /// <summary>The angle from p to edge i: to the foot of the perpendicular on its great circle when the foot lies on
    /// the arc (its angle from the start, measured towards the end, is between 0 and the arc's length), else to the
    /// nearer end.</summary>
    private double AngleToArc(Vec p, int i)
    {
        var (a, b, n) = (_points[i], _points[(i + 1) % _points.Length], _normals[i]);
        var along = Math.Atan2(Dot(p, _tangents[i]), Dot(p, a));
        if (along >= 0 && along <= _lengths[i])
        {
            return Math.Asin(Math.Min(1, Math.Abs(Dot(p, n))));
        }

        return Math.Min(Angle(p, a), Angle(p, b));
    }

    private static (Vec E1, Vec E2) Frame(Vec c)
    {
        var helper = Math.Abs(c.Z) < 0.9 ? new Vec(0, 0, 1) : new Vec(1, 0, 0);
        var e1 = Normalize(Cross(helper, c));
        return (e1, Cross(c, e1));
    }

    private static Vec Slerp(Vec a, Vec b, double t)
    {
        var theta = Angle(a, b);
        var (wa, wb) = (Math.Sin((1 - t) * theta) / Math.Sin(theta), Math.Sin(t * theta) / Math.Sin(theta));
        return Normalize(new Vec((wa * a.X) + (wb * b.X), (wa * a.Y) + (wb * b.Y), (wa * a.Z) + (wb * b.Z)));
    }

    private static Vec Xyz((double Lat, double Lng) p)
    {
        var (phi, lambda) = (p.Lat * Math.PI / 180, p.Lng * Math.PI / 180);
        return new Vec(Math.Cos(phi) * Math.Cos(lambda), Math.Cos(phi) * Math.Sin(lambda), Math.Sin(phi));
    }

    private static (double Lat, double Lng) LatLng(Vec v) =>
        (Math.Clamp(Math.Atan2(v.Z, Math.Sqrt((v.X * v.X) + (v.Y * v.Y))) * 180 / Math.PI, -90, 90),
         Math.Clamp(Math.Atan2(v.Y, v.X) * 180 / Math.PI, -180, 180));

    private static double Dot(Vec a, Vec b) => (a.X * b.X) + (a.Y * b.Y) + (a.Z * b.Z);

    private static Vec Cross(Vec a, Vec b) => new((a.Y * b.Z) - (a.Z * b.Y), (a.Z * b.X) - (a.X * b.Z), (a.X * b.Y) - (a.Y * b.X));

    private static double Angle(Vec a, Vec b)
    {
        var c = Cross(a, b);
        return Math.Atan2(Math.Sqrt(Dot(c, c)), Dot(a, b));
    }

    private static Vec Normalize(Vec v)
    {
        var length = Math.Sqrt(Dot(v, v));
        return new Vec(v.X / length, v.Y / length, v.Z / length);
    }
}
