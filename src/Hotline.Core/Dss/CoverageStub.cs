using Hotline.Geo;

namespace Hotline.Core;

// TEMPORARY until Footprint.Covers lands in Hotline.Geo: an instance method will take precedence over this.
internal static class CoverageStub
{
    public static bool Covers(this Volume4D outer, Volume4D inner) =>
        outer.Time.StartTicks <= inner.Time.StartTicks && inner.Time.EndTicks <= outer.Time.EndTicks
        && outer.Altitude.Lower <= inner.Altitude.Lower && inner.Altitude.Upper <= outer.Altitude.Upper
        && ReferenceEquals(outer.Footprint, inner.Footprint);
}
