using System.Text.Json;
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
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var v in extents)
            {
                writer.WriteStartObject();
                writer.WritePropertyName("footprint");
                GeoJson.Write(writer, v.Footprint);
                writer.WriteNumber("lower", v.Altitude.Lower);
                writer.WriteNumber("upper", v.Altitude.Upper);
                writer.WriteNumber("start", v.Time.StartTicks);
                writer.WriteNumber("end", v.Time.EndTicks);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
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
