using System.Net;
using System.Text.Json.Nodes;

namespace Hotline.Server.Tests;

/// <summary>Request bodies: small squares in distinct places so tests sharing a server never meet by accident.</summary>
public static class Sky
{
    /// <summary>The default time window's start (well in the future).</summary>
    public static readonly DateTimeOffset T0 = new(2031, 6, 1, 10, 0, 0, TimeSpan.Zero);

    private static int _next;

    /// <summary>The south-west corner of a 0.01° square that no other call returns.</summary>
    public static (double Lat, double Lng) NextArea()
    {
        var n = Interlocked.Increment(ref _next);
        return (-60 + (n / 300 * 0.1), -150 + (n % 300 * 0.1));
    }

    /// <summary>A GeoJSON Polygon square of <paramref name="size"/> degrees at (lat, lng).</summary>
    public static JsonObject Square((double Lat, double Lng) corner, double size = 0.01) =>
        Polygon((corner.Lng, corner.Lat), (corner.Lng + size, corner.Lat), (corner.Lng + size, corner.Lat + size), (corner.Lng, corner.Lat + size));

    /// <summary>A GeoJSON Polygon from [lng, lat] positions (the ring is closed here).</summary>
    public static JsonObject Polygon(params (double Lng, double Lat)[] positions)
    {
        var ring = new JsonArray();
        foreach (var (lng, lat) in positions.Append(positions[0]))
        {
            ring.Add(new JsonArray(lng, lat));
        }

        return new JsonObject { ["type"] = "Polygon", ["coordinates"] = new JsonArray(ring) };
    }

    /// <summary>One extent: footprint, altitude band, time window (default 0–120 m, T0 to T0 + 1 h).</summary>
    public static JsonObject Extent(JsonObject footprint, double lower = 0, double upper = 120, DateTimeOffset? start = null, DateTimeOffset? end = null)
    {
        var s = start ?? T0;
        return new JsonObject
        {
            ["footprint"] = footprint,
            ["altitude"] = new JsonObject { ["lower"] = lower, ["upper"] = upper },
            ["time"] = new JsonObject { ["start"] = s.ToString("O"), ["end"] = (end ?? s.AddHours(1)).ToString("O") },
        };
    }

    /// <summary>A filing of one default extent over the square at <paramref name="corner"/>.</summary>
    public static JsonObject Filing((double Lat, double Lng) corner, string? callSign = null, string? notes = null, params (string Id, long Version)[] acknowledge) =>
        Filing(Extent(Square(corner)), callSign, notes, acknowledge);

    /// <summary>A filing of the given extent.</summary>
    public static JsonObject Filing(JsonObject extent, string? callSign = null, string? notes = null, params (string Id, long Version)[] acknowledge)
    {
        var filing = new JsonObject { ["extents"] = new JsonArray(extent) };
        if (callSign is not null)
        {
            filing["callSign"] = callSign;
        }

        if (notes is not null)
        {
            filing["notes"] = notes;
        }

        if (acknowledge.Length > 0)
        {
            filing["acknowledge"] = new JsonArray([.. acknowledge.Select(a => (JsonNode)new JsonObject { ["id"] = a.Id, ["version"] = a.Version })]);
        }

        return filing;
    }

    /// <summary>Asserts an RFC 9457 problem with this status, and returns its body.</summary>
    public static JsonObject AssertProblem(Reply reply, HttpStatusCode status)
    {
        Assert.True(reply.Status == status, $"expected {(int)status}, got {reply}");
        Assert.True(reply.MediaType == "application/problem+json", $"expected a problem, got {reply}");
        var problem = reply.Object;
        Assert.Equal((int)status, (int)problem["status"]!);
        return problem;
    }

    /// <summary>Asserts a 400 problem naming <paramref name="field"/>, whose detail contains <paramref name="detail"/>.</summary>
    public static JsonObject AssertInvalid(Reply reply, string field, string detail)
    {
        var problem = AssertProblem(reply, HttpStatusCode.BadRequest);
        Assert.Equal(field, problem["field"]?.ToString());
        Assert.Contains(detail, problem["detail"]!.ToString(), StringComparison.Ordinal);
        return problem;
    }
}
