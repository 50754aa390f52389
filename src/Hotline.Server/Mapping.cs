using Hotline.Ledger;
using System.Text.Json;
using Hotline.Core;
using Hotline.Geo;

namespace Hotline.Server;

/// <summary>A request that breaks a rule: answered 400 with the field named.</summary>
public sealed class RequestException(string field, string detail) : Exception($"{field}: {detail}")
{
    /// <summary>The offending field, as a JSON path (e.g. <c>extents[0].footprint.vertices[3].lat</c>).</summary>
    public string Field { get; } = field;

    /// <summary>Why it is wrong.</summary>
    public string Detail { get; } = detail;
}

/// <summary>Between wire contracts and the domain.</summary>
internal static class Mapping
{
    public static IReadOnlyList<Volume4D> ToVolumes(IReadOnlyList<ExtentDto>? extents, string field, FootprintLimits limits)
    {
        if (extents is null || extents.Count == 0)
        {
            throw new RequestException(field, "at least one extent is required");
        }

        var volumes = new Volume4D[extents.Count];
        for (var i = 0; i < extents.Count; i++)
        {
            volumes[i] = ToVolume(extents[i], $"{field}[{i}]", limits);
        }

        return volumes;
    }

    public static Volume4D ToVolume(ExtentDto? extent, string field, FootprintLimits limits)
    {
        if (extent is null)
        {
            throw new RequestException(field, "is required");
        }

        if (extent.Footprint is not { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } footprintJson)
        {
            throw new RequestException($"{field}.footprint", "is required (a GeoJSON Polygon, or a Point with a radius)");
        }

        if (extent.Altitude is null)
        {
            throw new RequestException($"{field}.altitude", "is required ({\"lower\": m, \"upper\": m})");
        }

        if (extent.Time is null)
        {
            throw new RequestException($"{field}.time", "is required ({\"start\": RFC 3339, \"end\": RFC 3339})");
        }

        try
        {
            var footprint = GeoJson.ReadFootprint(footprintJson, limits);
            return new Volume4D(footprint, new AltitudeBand(extent.Altitude.Lower, extent.Altitude.Upper), new TimeWindow(extent.Time.Start, extent.Time.End));
        }
        catch (GeometryException e)
        {
            var name = e.Field.StartsWith("geojson", StringComparison.Ordinal) ? "footprint" + e.Field["geojson".Length..] : e.Field;
            throw new RequestException($"{field}.{name}", e.Reason);
        }
    }

    public static ReservationState ToState(string? state, ReservationState fallback, string field)
    {
        if (state is null)
        {
            return fallback;
        }

        // By name only: Enum.TryParse would also take numbers and comma-separated lists.
        foreach (var value in Enum.GetValues<ReservationState>())
        {
            if (string.Equals(value.ToString(), state, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        throw new RequestException(field, $"'{state}' is not a state; use Accepted, Activated, Nonconforming, Contingent or Ended");
    }

    public static HashSet<EntityVersion> ToAcknowledged(IReadOnlyList<EntityVersionDto>? acknowledge)
    {
        var set = new HashSet<EntityVersion>();
        for (var i = 0; i < (acknowledge?.Count ?? 0); i++)
        {
            var a = acknowledge![i] ?? throw new RequestException($"acknowledge[{i}]", "is required ({\"id\": ..., \"version\": ...})");
            set.Add(new EntityVersion(a.Id, a.Version));
        }

        return set;
    }

    public static ExtentView ToView(Volume4D v) => new(
        Footprint(v.Footprint),
        new AltitudeDto(v.Altitude.Lower, v.Altitude.Upper),
        new TimeWindowDto(v.Time.Start, v.Time.End));

    /// <summary>The disclosure rule: private fields only for the owner.</summary>
    public static ReservationView ToView(Reservation r, Principal caller)
    {
        var owner = caller.PartyId == r.Owner;
        return new ReservationView(
            r.Id, r.Owner, r.State.ToString(), r.Version, [.. r.Extents.Select(ToView)], r.UpdatedAt,
            owner ? r.CallSign : null,
            owner ? r.Notes : null,
            owner ? r.Ovn : null);
    }

    public static ConstraintView ToView(Constraint c, Principal? caller = null) =>
        new(c.Id, c.Owner, c.Version, [.. c.Extents.Select(ToView)], c.UpdatedAt, caller?.PartyId == c.Owner ? c.Ovn : null);

    public static ConflictView ToView(Conflict c) => new(
        c.ReservationId == Guid.Empty ? null : c.ReservationId,
        c.ReservationExtent,
        c.OtherKind.ToString(),
        c.OtherId,
        c.OtherOwner,
        c.OtherVersion,
        c.OtherExtent,
        new ConflictRegionView(
            new TimeWindowDto(c.Region.Start, c.Region.End),
            new AltitudeDto(c.Region.AltitudeLower, c.Region.AltitudeUpper),
            Footprint(c.Region.Footprint),
            Footprint(c.Region.OtherFootprint)));

    private static GeoJsonFootprint Footprint(Footprint footprint) => new(footprint);

    public static PartyKeyView ToView(PartyKey key) => new(key.Key.KeyId, key.Key.ToBase64(), key.PartyId, key.AddedAt);

    public static PartyPublicKey ToPublicKey(string text, string field)
    {
        try
        {
            return PartyPublicKey.FromBase64(text);
        }
        catch (FormatException e)
        {
            throw new RequestException(field, e.Message);
        }
    }
}
