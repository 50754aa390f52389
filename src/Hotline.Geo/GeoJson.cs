using System.Text.Json;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Converters;

namespace Hotline.Geo;

/// <summary>
/// Footprints as GeoJSON (RFC 7946): a <c>Polygon</c> (one ring, no holes), or a <c>Point</c> with a
/// <c>radius</c> in metres for a circle. Either may come bare or as the geometry of a <c>Feature</c>; a circle's
/// radius is the Feature's <c>radius</c> property (or a <c>radius</c> member beside the Point's coordinates).
/// Positions are [longitude, latitude], as RFC 7946 orders them; a third (altitude) value is ignored.
/// </summary>
public static class GeoJson
{
    /// <summary>The name of the circle radius property, in metres.</summary>
    public const string RadiusProperty = "radius";

    private static readonly JsonSerializerOptions Options = CreateOptions();
    private static readonly GeometryFactory Factory = new();

    /// <summary>Reads a footprint; throws <see cref="GeometryException"/> naming what is wrong.</summary>
    public static Footprint ReadFootprint(string json, FootprintLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            return ReadFootprint(document.RootElement, limits);
        }
        catch (JsonException e)
        {
            throw new GeometryException("geojson", $"is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Reads a footprint from a parsed JSON value.</summary>
    public static Footprint ReadFootprint(JsonElement element, FootprintLimits? limits = null)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new GeometryException("geojson", "must be a GeoJSON object");
        }

        var type = element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        double? radius = null;
        var radiusField = "";
        JsonElement geometryElement = element;
        var prefix = "geojson";
        switch (type)
        {
            case "Feature":
                if (!element.TryGetProperty("geometry", out geometryElement) || geometryElement.ValueKind != JsonValueKind.Object)
                {
                    throw new GeometryException("geojson.geometry", "a Feature needs a geometry object");
                }

                if (element.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
                    && properties.TryGetProperty(RadiusProperty, out var r))
                {
                    radius = ReadRadius(r, "geojson.properties.radius");
                    radiusField = "geojson.properties.radius";
                }

                prefix = "geojson.geometry";
                break;
            case "Polygon" or "Point":
                break;
            case null:
                throw new GeometryException("geojson.type", "is required (Feature, Polygon or Point)");
            default:
                throw new GeometryException("geojson.type", $"'{type}' is not supported; use a Polygon, or a Point with a radius");
        }

        if (radius is null && geometryElement.TryGetProperty(RadiusProperty, out var foreignRadius))
        {
            radius = ReadRadius(foreignRadius, prefix + ".radius");
            radiusField = prefix + ".radius";
        }

        Geometry? geometry;
        try
        {
            geometry = geometryElement.Deserialize<Geometry>(Options);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or NotSupportedException or FormatException)
        {
            throw new GeometryException(prefix, $"is not a valid GeoJSON geometry: {e.Message}");
        }

        try
        {
            return geometry switch
            {
                Polygon polygon => ToPolygon(polygon, prefix, limits),
                Point point when radius is { } rad => CircleFootprint.Create(point.Y, point.X, rad, limits),
                Point => throw new GeometryException(prefix, $"a Point footprint needs a '{RadiusProperty}' in metres (a circle)"),
                null => throw new GeometryException(prefix, "is required"),
                _ => throw new GeometryException(prefix + ".type", $"'{geometry.GeometryType}' is not supported; use a Polygon, or a Point with a radius"),
            };
        }
        catch (GeometryException e) when (!e.Field.StartsWith("geojson", StringComparison.Ordinal))
        {
            throw e.Field == "radius" && radiusField.Length > 0 ? new GeometryException(radiusField, e.Reason) : e.WithPrefix(prefix);
        }
    }

    /// <summary>Writes a footprint as a GeoJSON Feature (a circle as a Point with a <c>radius</c> property).</summary>
    public static string Write(Footprint footprint)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, footprint);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Writes a footprint as a GeoJSON Feature: a Polygon whose ring is closed and counter-clockwise on the sphere
    /// (RFC 7946's right-hand rule, also across the antimeridian and around the poles), or a Point with a
    /// <c>radius</c> property in metres. Numbers are written shortest-round-trip, so reading back is exact.
    /// Written directly rather than through a geometry model: it is on every response's path.
    /// </summary>
    public static void Write(Utf8JsonWriter writer, Footprint footprint)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(footprint);
        writer.WriteStartObject();
        writer.WriteString("type", "Feature");
        writer.WriteStartObject("geometry");
        switch (footprint)
        {
            case PolygonFootprint polygon:
                writer.WriteString("type", "Polygon");
                writer.WriteStartArray("coordinates");
                writer.WriteStartArray();
                var vertices = polygon.Vertices;
                for (var i = 0; i <= vertices.Count; i++)
                {
                    var v = vertices[i % vertices.Count];
                    writer.WriteStartArray();
                    writer.WriteNumberValue(v.Lng);
                    writer.WriteNumberValue(v.Lat);
                    writer.WriteEndArray();
                }

                writer.WriteEndArray();
                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.WriteStartObject("properties");
                writer.WriteEndObject();
                break;
            case CircleFootprint circle:
                writer.WriteString("type", "Point");
                writer.WriteStartArray("coordinates");
                writer.WriteNumberValue(circle.Centre.Lng);
                writer.WriteNumberValue(circle.Centre.Lat);
                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.WriteStartObject("properties");
                writer.WriteNumber(RadiusProperty, circle.RadiusMeters);
                writer.WriteEndObject();
                break;
            default:
                throw new ArgumentException("unknown footprint type", nameof(footprint));
        }

        writer.WriteEndObject();
    }

    private static PolygonFootprint ToPolygon(Polygon polygon, string prefix, FootprintLimits? limits)
    {
        if (polygon.NumInteriorRings > 0)
        {
            throw new GeometryException(prefix + ".coordinates", "polygons with holes are not supported; file the parts as separate extents");
        }

        var ring = polygon.ExteriorRing.Coordinates;
        var pairs = new (double Lat, double Lng)[ring.Length];
        for (var i = 0; i < ring.Length; i++)
        {
            pairs[i] = (ring[i].Y, ring[i].X);
        }

        return PolygonFootprint.Create(pairs, limits);
    }

    private static double ReadRadius(JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var r)
            ? r
            : throw new GeometryException(field, "must be a number of metres");

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions();
        // Vertices are already counter-clockwise on the sphere; NTS would re-orient by the planar lng/lat ring,
        // which is wrong across the antimeridian and around the poles.
        options.Converters.Add(new GeoJsonConverterFactory(Factory, false, null, RingOrientationOption.DoNotModify));
        return options;
    }
}
