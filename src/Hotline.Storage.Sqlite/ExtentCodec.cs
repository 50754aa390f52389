using System.Text.Json;
using System.Text.Json.Nodes;
using Hotline.Geo;

namespace Hotline.Storage.Sqlite;

/// <summary>
/// The stored form of a list of extents (format version 1): a JSON array of
/// <c>{"footprint": GeoJSON Feature, "lower": m, "upper": m, "start": UTC ticks, "end": UTC ticks}</c>.
/// Doubles are written shortest-round-trip, so a volume reads back bit for bit.
/// </summary>
internal static class ExtentCodec
{
    // Footprints were validated against the deployment's limit when filed; reading back must not depend on it.
    private static readonly FootprintLimits Permissive = new(FootprintLimits.EngineMaxRadiusMeters);

    public static string Write(IReadOnlyList<Volume4D> extents)
    {
        var array = new JsonArray();
        foreach (var v in extents)
        {
            array.Add(new JsonObject
            {
                ["footprint"] = JsonNode.Parse(GeoJson.Write(v.Footprint)),
                ["lower"] = v.Altitude.Lower,
                ["upper"] = v.Altitude.Upper,
                ["start"] = v.Time.StartTicks,
                ["end"] = v.Time.EndTicks,
            });
        }

        return array.ToJsonString();
    }

    public static IReadOnlyList<Volume4D> Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        var extents = new List<Volume4D>();
        foreach (var e in document.RootElement.EnumerateArray())
        {
            extents.Add(new Volume4D(
                GeoJson.ReadFootprint(e.GetProperty("footprint"), Permissive),
                new AltitudeBand(e.GetProperty("lower").GetDouble(), e.GetProperty("upper").GetDouble()),
                new TimeWindow(e.GetProperty("start").GetInt64(), e.GetProperty("end").GetInt64())));
        }

        return extents;
    }
}
