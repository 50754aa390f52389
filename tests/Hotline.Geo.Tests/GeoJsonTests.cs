using System.Text.Json;

namespace Hotline.Geo.Tests;

/// <summary>Reading and writing footprints as GeoJSON (RFC 7946: positions are [longitude, latitude]).</summary>
public sealed class GeoJsonTests
{
    private const string Square = """[[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]""";

    // The square as the library returns it: (lat, lng), counter-clockwise seen from above.
    private static readonly LatLng[] SquareVertices = [new(0, 0), new(0, 1), new(1, 1), new(1, 0)];

    private static GeometryException AssertRejected(string json, string field, string reasonStart, FootprintLimits? limits = null)
    {
        var e = Assert.Throws<GeometryException>(() => GeoJson.ReadFootprint(json, limits));
        Assert.Equal(field, e.Field);
        Assert.StartsWith(reasonStart, e.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"{field}: {reasonStart}", e.Message, StringComparison.Ordinal);
        return e;
    }

    // ---- Reading polygons --------------------------------------------------------------------------------

    [Fact]
    public void ReadsABarePolygon()
    {
        var footprint = GeoJson.ReadFootprint($$"""{"type": "Polygon", "coordinates": {{Square}}}""");
        var polygon = Assert.IsType<PolygonFootprint>(footprint);
        Assert.Equal(SquareVertices, polygon.Vertices);
    }

    [Fact]
    public void ReadsAPolygonFeature()
    {
        var json = $$$"""{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": {{{Square}}}}, "properties": {"name": "x"}}""";
        var polygon = Assert.IsType<PolygonFootprint>(GeoJson.ReadFootprint(json));
        Assert.Equal(SquareVertices, polygon.Vertices);
    }

    [Fact]
    public void ReadsAPolygonFeatureWithNullProperties()
    {
        var json = $$"""{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": {{Square}}}, "properties": null}""";
        Assert.IsType<PolygonFootprint>(GeoJson.ReadFootprint(json));
    }

    [Fact]
    public void ReadsPositionsAsLongitudeThenLatitude()
    {
        var polygon = Assert.IsType<PolygonFootprint>(GeoJson.ReadFootprint(
            """{"type": "Polygon", "coordinates": [[[10, 50], [11, 50], [11, 51], [10, 51], [10, 50]]]}"""));
        Assert.Equal([new LatLng(50, 10), new LatLng(50, 11), new LatLng(51, 11), new LatLng(51, 10)], polygon.Vertices);
    }

    [Fact]
    public void IgnoresAnAltitudeInPositions()
    {
        var polygon = Assert.IsType<PolygonFootprint>(GeoJson.ReadFootprint(
            """{"type": "Polygon", "coordinates": [[[0, 0, 100], [1, 0, 100], [1, 1, 100], [0, 1, 100], [0, 0, 100]]]}"""));
        Assert.Equal(SquareVertices, polygon.Vertices);
    }

    [Fact]
    public void ReadsAClockwiseRingCounterClockwise()
    {
        var polygon = Assert.IsType<PolygonFootprint>(GeoJson.ReadFootprint(
            """{"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}"""));
        Assert.Equal([new LatLng(0, 1), new LatLng(1, 1), new LatLng(1, 0), new LatLng(0, 0)], polygon.Vertices);
    }

    [Fact]
    public void ReadsAPolygonAcrossTheAntimeridian()
    {
        var polygon = Assert.IsType<PolygonFootprint>(GeoJson.ReadFootprint(
            """{"type": "Polygon", "coordinates": [[[179.9, -0.1], [-179.9, -0.1], [-179.9, 0.1], [179.9, 0.1], [179.9, -0.1]]]}"""));
        Assert.Equal(4, polygon.Vertices.Count);
        Assert.True(polygon.IsWithin(CircleFootprint.Create(0, 180, 1), 0));
    }

    // ---- Reading circles -------------------------------------------------------------------------------

    [Fact]
    public void ReadsAPointFeatureWithARadiusProperty()
    {
        var json = """{"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.85]}, "properties": {"radius": 500}}""";
        var circle = Assert.IsType<CircleFootprint>(GeoJson.ReadFootprint(json));
        Assert.Equal(new LatLng(48.85, 2.35), circle.Centre);
        Assert.Equal(500, circle.RadiusMeters);
    }

    [Fact]
    public void ReadsABarePointWithARadiusForeignMember()
    {
        var json = """{"type": "Point", "coordinates": [2.35, 48.85], "radius": 250.5}""";
        var circle = Assert.IsType<CircleFootprint>(GeoJson.ReadFootprint(json));
        Assert.Equal(new LatLng(48.85, 2.35), circle.Centre);
        Assert.Equal(250.5, circle.RadiusMeters);
    }

    [Fact]
    public void ReadsAPointFeatureWithARadiusForeignMemberOnItsGeometry()
    {
        var json = """{"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.85], "radius": 250}, "properties": {}}""";
        var circle = Assert.IsType<CircleFootprint>(GeoJson.ReadFootprint(json));
        Assert.Equal(250, circle.RadiusMeters);
    }

    [Fact]
    public void RadiusPropertyTakesPrecedenceOverAForeignMember()
    {
        var json = """{"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.85], "radius": 250}, "properties": {"radius": 500}}""";
        var circle = Assert.IsType<CircleFootprint>(GeoJson.ReadFootprint(json));
        Assert.Equal(500, circle.RadiusMeters);
    }

    [Fact]
    public void ReadsAJsonElement()
    {
        using var document = JsonDocument.Parse("""{"type": "Point", "coordinates": [-0.1278, 51.5074], "radius": 10}""");
        var circle = Assert.IsType<CircleFootprint>(GeoJson.ReadFootprint(document.RootElement));
        Assert.Equal(new LatLng(51.5074, -0.1278), circle.Centre);
    }

    [Fact]
    public void AppliesTheGivenFootprintLimits()
    {
        AssertRejected(
            """{"type": "Point", "coordinates": [0, 0], "radius": 2000}""",
            "geojson.radius",
            "2 km exceeds the footprint size limit of 1 km",
            new FootprintLimits(1_000));
        var circle = Assert.IsType<CircleFootprint>(GeoJson.ReadFootprint(
            """{"type": "Point", "coordinates": [0, 0], "radius": 2000000}""",
            new FootprintLimits(2_000_000)));
        Assert.Equal(2_000_000, circle.RadiusMeters);
    }

    // ---- Writing and round trips -------------------------------------------------------------------------

    [Fact]
    public void WritesAPolygonAsAFeatureWithAClosedLongitudeFirstRing()
    {
        var polygon = PolygonFootprint.Create([(50, 10), (50, 11), (51, 11), (51, 10)]);
        using var document = JsonDocument.Parse(GeoJson.Write(polygon));
        var root = document.RootElement;
        Assert.Equal("Feature", root.GetProperty("type").GetString());
        var geometry = root.GetProperty("geometry");
        Assert.Equal("Polygon", geometry.GetProperty("type").GetString());
        var rings = geometry.GetProperty("coordinates");
        Assert.Equal(1, rings.GetArrayLength());
        var ring = rings[0].EnumerateArray().Select(p => (Lng: p[0].GetDouble(), Lat: p[1].GetDouble())).ToArray();
        Assert.Equal([(10.0, 50.0), (11.0, 50.0), (11.0, 51.0), (10.0, 51.0), (10.0, 50.0)], ring);
    }

    [Fact]
    public void WritesACircleAsAPointFeatureWithARadiusProperty()
    {
        using var document = JsonDocument.Parse(GeoJson.Write(CircleFootprint.Create(48.85, 2.35, 500)));
        var root = document.RootElement;
        Assert.Equal("Feature", root.GetProperty("type").GetString());
        var geometry = root.GetProperty("geometry");
        Assert.Equal("Point", geometry.GetProperty("type").GetString());
        Assert.Equal(2.35, geometry.GetProperty("coordinates")[0].GetDouble());
        Assert.Equal(48.85, geometry.GetProperty("coordinates")[1].GetDouble());
        Assert.Equal(500, root.GetProperty("properties").GetProperty("radius").GetDouble());
    }

    private static (double Lat, double Lng)[] Ring(double[] latLngs) =>
        [.. Enumerable.Range(0, latLngs.Length / 2).Select(i => (latLngs[2 * i], latLngs[(2 * i) + 1]))];

    /// <summary>The written ring as (lat, lng), without its closing repeat, after checking that it is closed.</summary>
    private static LatLng[] WrittenRing(Footprint footprint)
    {
        using var document = JsonDocument.Parse(GeoJson.Write(footprint));
        var ring = document.RootElement.GetProperty("geometry").GetProperty("coordinates")[0].EnumerateArray()
            .Select(p => new LatLng(p[1].GetDouble(), p[0].GetDouble())).ToArray();
        Assert.Equal(ring[0], ring[^1]);
        return ring[..^1];
    }

    /// <summary>Asserts that <paramref name="actual"/> is <paramref name="expected"/> started at another vertex.</summary>
    private static void AssertSameCycle(IReadOnlyList<LatLng> expected, IReadOnlyList<LatLng> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        var start = Enumerable.Range(0, actual.Count).Single(i => actual[i] == expected[0]);
        Assert.Equal(expected, [.. Enumerable.Range(0, actual.Count).Select(i => actual[(start + i) % actual.Count])]);
    }

    [Theory]
    [InlineData(new double[] { 0, 0, 0, 1, 1, 1, 1, 0 })]
    [InlineData(new double[] { 0, 0, 1, 0, 1, 1, 0, 1 })]
    [InlineData(new double[] { -0.1, 179.9, -0.1, -179.9, 0.1, -179.9, 0.1, 179.9 })]
    [InlineData(new double[] { 89, 0, 89, 90, 89, 180, 89, -90 })]
    [InlineData(new double[] { -88, 0, -88, 120, -88, -120 })]
    [InlineData(new double[] { 0, 0, 0, 3, 3, 3, 3, 2, 1, 2, 1, 1, 3, 1, 3, 0 })]
    [InlineData(new double[] { 47.123456789012345, 8.987654321098765, 47.2, 8.9, 47.15, 9.05 })]
    public void PolygonRoundTripsThroughGeoJson(double[] latLngs)
    {
        // The same vertices, bit for bit, in the same cyclic order (the start vertex may differ: see
        // WrittenRingIsCounterClockwiseOnTheSphere).
        var original = PolygonFootprint.Create(Ring(latLngs));
        var read = Assert.IsType<PolygonFootprint>(GeoJson.ReadFootprint(GeoJson.Write(original)));
        AssertSameCycle(original.Vertices, read.Vertices);
        Assert.Equal(original.Center.Lat, read.Center.Lat, 1e-12);
        Assert.Equal(original.Center.Lng, read.Center.Lng, 1e-12);
        Assert.Equal(original.BoundingRadiusMeters, read.BoundingRadiusMeters, 1e-6);
    }

    [Theory]
    [InlineData(new double[] { 0, 0, 0, 1, 1, 1, 1, 0 })]
    [InlineData(new double[] { 0, 0, 0, 3, 3, 3, 3, 2, 1, 2, 1, 1, 3, 1, 3, 0 })]
    [InlineData(new double[] { -10, -170, -10, -160, -5, -165 })]
    public void WrittenRingIsCounterClockwiseOnTheSphere(double[] latLngs)
    {
        // RFC 7946 §3.1.6: exterior rings follow the right-hand rule (counter-clockwise), as Vertices do.
        var polygon = PolygonFootprint.Create(Ring(latLngs));
        Assert.Equal(polygon.Vertices, WrittenRing(polygon));
    }

    [Theory]
    [InlineData(new double[] { -0.1, 179.9, -0.1, -179.9, 0.1, -179.9, 0.1, 179.9 })]
    [InlineData(new double[] { 89, 0, 89, 90, 89, 180, 89, -90 })]
    [InlineData(new double[] { -88, 0, -88, 120, -88, -120 })]
    public void WrittenRingAcrossTheAntimeridianOrAroundAPoleIsCounterClockwiseOnTheSphere(double[] latLngs)
    {
        var polygon = PolygonFootprint.Create(Ring(latLngs));
        AssertSameCycle(polygon.Vertices, WrittenRing(polygon));
    }

    [Theory]
    [InlineData(48.85, 2.35, 500)]
    [InlineData(-33.868820312345678, 151.20929312345678, 0.123456789)]
    [InlineData(90, 0, 1_000_000)]
    [InlineData(0, -180, 1)]
    public void CircleRoundTripsThroughGeoJson(double lat, double lng, double radius)
    {
        var original = CircleFootprint.Create(lat, lng, radius);
        var read = Assert.IsType<CircleFootprint>(GeoJson.ReadFootprint(GeoJson.Write(original)));
        Assert.Equal(original.Centre, read.Centre);
        Assert.Equal(original.RadiusMeters, read.RadiusMeters);
    }

    [Fact]
    public void WriteRejectsNull()
    {
        Assert.Throws<ArgumentNullException>(() => GeoJson.Write(null!));
        Assert.Throws<ArgumentNullException>(() => GeoJson.ReadFootprint((string)null!));
    }

    // ---- Errors ----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{\"type\": \"Polygon\",")]
    [InlineData("{'type': 'Polygon'}")]
    public void TextThatIsNotJsonIsRejected(string json)
    {
        AssertRejected(json, "geojson", "is not valid JSON: ");
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("42")]
    [InlineData("\"Polygon\"")]
    [InlineData("null")]
    public void JsonThatIsNotAnObjectIsRejected(string json)
    {
        AssertRejected(json, "geojson", "must be a GeoJSON object");
    }

    [Theory]
    [InlineData("""{"coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}""")]
    [InlineData("""{"type": null, "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}""")]
    [InlineData("""{"type": 7}""")]
    public void MissingTypeIsRejected(string json)
    {
        AssertRejected(json, "geojson.type", "is required (Feature, Polygon or Point)");
    }

    [Theory]
    [InlineData("Circle")]
    [InlineData("polygon")]
    [InlineData("MultiPolygon")]
    [InlineData("LineString")]
    [InlineData("FeatureCollection")]
    [InlineData("GeometryCollection")]
    public void UnsupportedTypeIsRejected(string type)
    {
        AssertRejected(
            $$"""{"type": "{{type}}", "coordinates": []}""",
            "geojson.type",
            $"'{type}' is not supported; use a Polygon, or a Point with a radius");
    }

    [Fact]
    public void MultiPolygonFeatureIsRejected()
    {
        var json = $$$"""{"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": [{{{Square}}}]}, "properties": {}}""";
        AssertRejected(json, "geojson.geometry.type", "'MultiPolygon' is not supported; use a Polygon, or a Point with a radius");
    }

    [Fact]
    public void FeatureWithoutAGeometryIsRejected()
    {
        AssertRejected("""{"type": "Feature", "properties": {}}""", "geojson.geometry", "a Feature needs a geometry object");
        AssertRejected("""{"type": "Feature", "geometry": null, "properties": {}}""", "geojson.geometry", "a Feature needs a geometry object");
    }

    [Fact]
    public void PolygonWithAHoleIsRejected()
    {
        const string WithHole = """[[[0, 0], [3, 0], [3, 3], [0, 3], [0, 0]], [[1, 1], [1, 2], [2, 2], [2, 1], [1, 1]]]""";
        AssertRejected(
            $$"""{"type": "Polygon", "coordinates": {{WithHole}}}""",
            "geojson.coordinates",
            "polygons with holes are not supported; file the parts as separate extents");
        AssertRejected(
            $$$"""{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": {{{WithHole}}}}, "properties": {}}""",
            "geojson.geometry.coordinates",
            "polygons with holes are not supported; file the parts as separate extents");
    }

    [Fact]
    public void PointWithoutARadiusIsRejected()
    {
        AssertRejected("""{"type": "Point", "coordinates": [2.35, 48.85]}""", "geojson", "a Point footprint needs a 'radius' in metres (a circle)");
        AssertRejected(
            """{"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.85]}, "properties": {"name": "x"}}""",
            "geojson.geometry",
            "a Point footprint needs a 'radius' in metres (a circle)");
    }

    [Theory]
    [InlineData("\"500\"")]
    [InlineData("null")]
    [InlineData("true")]
    [InlineData("[500]")]
    [InlineData("{\"value\": 500}")]
    public void NonNumericRadiusIsRejected(string radius)
    {
        AssertRejected(
            $$$"""{"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}, "properties": {"radius": {{{radius}}}}}""",
            "geojson.properties.radius",
            "must be a number of metres");
        AssertRejected(
            $$"""{"type": "Point", "coordinates": [0, 0], "radius": {{radius}}}""",
            "geojson.radius",
            "must be a number of metres");
    }

    [Theory]
    [InlineData("0", "must be greater than 0 metres, got 0")]
    [InlineData("-5", "must be greater than 0 metres, got -5")]
    [InlineData("1000000.5", "1000.001 km exceeds the footprint size limit of 1000 km")]
    public void InvalidRadiusOfABarePointIsNamed(string radius, string reason)
    {
        AssertRejected($$"""{"type": "Point", "coordinates": [0, 0], "radius": {{radius}}}""", "geojson.radius", reason);
    }

    [Fact]
    public void InvalidRadiusPropertyOfAFeatureIsNamedWhereItWasGiven()
    {
        AssertRejected(
            """{"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}, "properties": {"radius": -5}}""",
            "geojson.properties.radius",
            "must be greater than 0 metres, got -5");
    }

    [Fact]
    public void InvalidVertexInsideAPolygonIsNamed()
    {
        // The third position [1, 91] has latitude 91.
        AssertRejected(
            """{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 91], [0, 1], [0, 0]]]}""",
            "geojson.vertices[2].lat",
            "must be between -90 and 90 degrees, got 91");
        AssertRejected(
            """{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [-190, 1], [0, 0]]]}, "properties": {}}""",
            "geojson.geometry.vertices[3].lng",
            "must be between -180 and 180 degrees, got -190");
    }

    [Fact]
    public void InvalidPointCentreIsNamed()
    {
        AssertRejected("""{"type": "Point", "coordinates": [0, -91], "radius": 10}""", "geojson.center.lat", "must be between -90 and 90 degrees, got -91");
    }

    [Fact]
    public void InvalidPolygonShapeInsideGeoJsonIsNamed()
    {
        // Bow tie: positions (lng, lat) (0,0), (1,1), (1,0), (0,1) → vertices (0,0), (1,1), (0,1), (1,0).
        AssertRejected(
            """{"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}""",
            "geojson.vertices",
            "the polygon is self-intersecting: edge 0–1 meets edge 2–3");
        AssertRejected(
            """{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}""",
            "geojson.vertices",
            "a polygon needs at least 3 distinct vertices, got 2");
    }

    [Fact]
    public void PolygonOverTheSizeLimitInsideGeoJsonIsNamed()
    {
        AssertRejected(
            """{"type": "Polygon", "coordinates": [[[-10, -10], [10, -10], [10, 10], [-10, 10], [-10, -10]]]}""",
            "geojson.vertices",
            "the polygon reaches 1568.523 km from its centre; the limit is 1000 km");
    }

    [Theory]
    [InlineData("""{"type": "Polygon", "coordinates": "nope"}""")]
    [InlineData("""{"type": "Polygon", "coordinates": [[[0, "a"], [1, 0], [1, 1], [0, 0]]]}""")]
    [InlineData("""{"type": "Point", "coordinates": [0], "radius": 10}""")]
    public void MalformedGeometryIsRejected(string json)
    {
        AssertRejected(json, "geojson", "is not a valid GeoJSON geometry: ");
    }
}
