using CsCheck;
using Hotline.Geo.Tests.Oracle;

namespace Hotline.Geo.Tests;

/// <summary>The index settles most candidates by the distance from the probe's footprint to their caps' centres
/// (<see cref="PointReach"/>); that distance must agree with the independent oracle everywhere.</summary>
public sealed class PointReachTests
{
    [Fact]
    public void AngleToAPointAgreesWithTheOracle()
    {
        var inside = 0;
        Generators.NearPair.Sample(pair =>
        {
            var (a, b, _) = pair;
            var footprint = a.Build();
            var reach = new PointReach();
            reach.Prepare(footprint);
            var point = Vec3.FromLatLng(b.Centre.Lat, b.Centre.Lng);
            var meters = Earth.MetersOf(reach.AngleTo(point));
            var oracle = a.IsCircle
                ? Math.Max(0, SphereOracle.Haversine(a.Centre, b.Centre) - a.Radius)
                : SphereOracle.PointToPolygon(b.Centre, a.Ring);
            // The oracle is an upper bound tight to well under a millimetre.
            Assert.InRange(meters, oracle - 0.002, oracle + 0.001);
            if (meters == 0)
            {
                Interlocked.Increment(ref inside);
            }
        }, iter: 3_000);
        Assert.InRange(inside, 100, 2_900);
    }

    [Fact]
    public void APointInsideIsAtZeroAndOutsideAtItsDistanceToTheNearestEdgeOrVertex()
    {
        var reach = new PointReach();
        // A 0.02° square on the equator: 1° of arc is 111,195 m on the 6,371,008.8 m sphere.
        reach.Prepare(PolygonFootprint.Create([(0, 0), (0, 0.02), (0.02, 0.02), (0.02, 0)]));
        Assert.Equal(0, reach.AngleTo(Vec3.FromLatLng(0.01, 0.01)));
        // Due south of the middle of the bottom edge, which lies on the equator (a great circle): 0.01° = 1,111.95 m.
        Assert.Equal(1_111.95, Earth.MetersOf(reach.AngleTo(Vec3.FromLatLng(-0.01, 0.01))), 0.01);
        // South-west of the corner (0, 0): the nearest point is that vertex, √2 · 0.01° away (to first order).
        Assert.Equal(1_572.5, Earth.MetersOf(reach.AngleTo(Vec3.FromLatLng(-0.01, -0.01))), 0.5);

        reach.Prepare(CircleFootprint.Create(0, 0, 1_000));
        Assert.Equal(0, reach.AngleTo(Vec3.FromLatLng(0, 0.005)));
        Assert.Equal(111.95, Earth.MetersOf(reach.AngleTo(Vec3.FromLatLng(0, 0.01))), 0.01);
    }
}
