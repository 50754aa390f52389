using CsCheck;
using Hotline.Geo.Tests.Oracle;

namespace Hotline.Geo.Tests;

/// <summary>The exactness contract, checked against the independent <see cref="SphereOracle"/>.</summary>
public sealed class LateralPropertyTests
{
    private static readonly FootprintLimits Limits = new(FootprintLimits.EngineMaxRadiusMeters);

    [Fact]
    public void NeverMissesAConflictAndNeverReportsOneBeyondOneMetre()
    {
        int apart = 0, overlapping = 0;
        Generators.NearPair.Sample(c =>
        {
            var (a, b, separation) = c;
            var fa = a.Build(Limits);
            var fb = b.Build(Limits);
            var oracle = SphereOracle.Distance(a, b);
            // The oracle's distance is an upper bound of the truth: below the minimum, the truth is too.
            Check(separation);
            // Each pair is also probed right at its own boundary: 2 mm beyond must conflict, 1.05 m short must not.
            Check(oracle + 0.002);
            if (oracle > 1.05)
            {
                apart++;
                Check(oracle - 1.05);
            }
            else if (oracle == 0)
            {
                overlapping++;
            }

            void Check(double minimum)
            {
                var within = Lateral.Within(fa, fb, minimum);
                if (oracle <= minimum - 0.001)
                {
                    Assert.True(within, $"missed: oracle distance {oracle} m, minimum {minimum} m");
                }

                if (within)
                {
                    Assert.True(oracle <= minimum + 1.0, $"false conflict: oracle distance {oracle} m, minimum {minimum} m");
                }
            }
        }, iter: 500, threads: 1, print: c => $"A = {c.A}\nB = {c.B}\nseparation = {c.Separation}");

        // The workload must exercise both kinds of pair, or the property proves little.
        Assert.True(apart > 40 && overlapping > 100, $"apart {apart}, overlapping {overlapping}");
    }

    [Fact]
    public void TheTestIsSymmetric()
    {
        Generators.NearPair.Sample(c =>
        {
            var (a, b, separation) = c;
            var fa = a.Build(Limits);
            var fb = b.Build(Limits);
            Assert.Equal(Lateral.Within(fa, fb, separation), Lateral.Within(fb, fa, separation));
        }, iter: 2000, print: c => $"A = {c.A}\nB = {c.B}\nseparation = {c.Separation}");
    }

    [Fact]
    public void PolygonsSharingOnlyAVertexAlwaysConflictAtZeroSeparation()
    {
        var gen = Generators.Footprint.Where(f => !f.IsCircle).SelectMany(a =>
            Gen.Select(Gen.Int[0, a.Ring.Count - 1], Generators.Size, Gen.Double[0, 2 * Math.PI], Gen.Double[0.3, 2.5], (i, size, az, spread) =>
            {
                var apex = a.Ring[i];
                var b = FootprintSpec.Polygon([apex, SphereOracle.Destination(apex, size, az), SphereOracle.Destination(apex, size, az + spread)]);
                return (a, b);
            }));
        gen.Sample(c =>
        {
            Assert.True(Lateral.Within(c.a.Build(Limits), c.b.Build(Limits), 0));
        }, iter: 1000, print: c => $"A = {c.a}\nB = {c.b}");
    }

    [Fact]
    public void EveryFootprintConflictsWithItself()
    {
        Generators.Footprint.Sample(f =>
        {
            var built = f.Build(Limits);
            Assert.True(Lateral.Within(built, built, 0));
            Assert.True(Lateral.Within(built, f.Build(Limits), 0));
        }, iter: 1000, print: f => f.ToString());
    }
}
