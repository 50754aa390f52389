using System.Globalization;
using Hotline.Core;
using Hotline.Geo;

namespace Hotline.Server;

/// <summary>A field of an F3548 request that is missing or wrong: the path of the field and what is wrong.</summary>
internal sealed class DssInputException(string field, string reason, int status = StatusCodes.Status400BadRequest)
    : Exception($"{field}: {reason}")
{
    public string Field { get; } = field;

    public int Status { get; } = status;
}

/// <summary>Between F3548 wire shapes and the airspace's entities.</summary>
internal sealed class DssMapping(Airspace airspace, FootprintLimits limits, string nativeUssBaseUrl)
{
    /// <summary>F3548 has no "no subscription": the InterUSS DSS reports this id for an operational intent without one.</summary>
    public const string NoSubscription = "00000000-0000-4000-8000-000000000000";

    /// <summary>What other USSs see instead of an OVN that is not theirs.</summary>
    public const string NoOvn = "Available from USS";

    // Altitude limits of the F3548 Altitude schema.
    private const double LowestAltitude = -8000;
    private const double HighestAltitude = 100_000;

    // ---- requests -------------------------------------------------------------------------------------------

    /// <summary>An operational intent's or constraint's extents: every volume complete (outline, both altitudes, both times).</summary>
    public IReadOnlyList<Volume4D> Extents(List<DssVolume4D?>? extents)
    {
        if (extents is null || extents.Count == 0)
        {
            throw new DssInputException("extents", "at least one volume is required");
        }

        var volumes = new List<Volume4D>(extents.Count);
        for (var i = 0; i < extents.Count; i++)
        {
            volumes.Add(Volume(extents[i], $"extents[{i}]", complete: true, defaultStart: null));
        }

        return volumes;
    }

    /// <summary>
    /// A volume where the standard lets fields be omitted (an area of interest, a subscription): no altitude means
    /// all altitudes, no start means <paramref name="defaultStart"/>, no end means <paramref name="defaultLength"/> after
    /// the start.
    /// </summary>
    public Volume4D Area(DssVolume4D? volume, string field, DateTimeOffset defaultStart, TimeSpan defaultLength) =>
        Volume(volume, field, complete: false, defaultStart, defaultLength);

    private Volume4D Volume(DssVolume4D? v, string field, bool complete, DateTimeOffset? defaultStart, TimeSpan? defaultLength = null)
    {
        if (v is null)
        {
            throw new DssInputException(field, "is required");
        }

        var volume = v.Volume ?? throw new DssInputException($"{field}.volume", "is required");
        var footprint = Outline(volume, $"{field}.volume");
        var lower = Altitude(volume.AltitudeLower, $"{field}.volume.altitude_lower", complete) ?? LowestAltitude;
        var upper = Altitude(volume.AltitudeUpper, $"{field}.volume.altitude_upper", complete) ?? HighestAltitude;
        if (lower > upper)
        {
            throw new DssInputException($"{field}.volume.altitude_lower", $"{lower} m is above altitude_upper ({upper} m)");
        }

        var start = Time(v.TimeStart, $"{field}.time_start", complete) ?? defaultStart!.Value;
        var end = Time(v.TimeEnd, $"{field}.time_end", complete) ?? start + defaultLength!.Value;
        if (end <= start)
        {
            throw new DssInputException($"{field}.time_end", $"{Format(end)} is not after time_start ({Format(start)})");
        }

        return new Volume4D(footprint, new AltitudeBand(lower, upper), new TimeWindow(start, end));
    }

    private Footprint Outline(DssVolume3D volume, string field)
    {
        if ((volume.OutlineCircle is null) == (volume.OutlinePolygon is null))
        {
            throw new DssInputException(field, "exactly one of outline_circle and outline_polygon is required");
        }

        Footprint footprint;
        try
        {
            if (volume.OutlineCircle is { } circle)
            {
                var centre = circle.Center ?? throw new DssInputException($"{field}.outline_circle.center", "is required");
                var radius = circle.Radius ?? throw new DssInputException($"{field}.outline_circle.radius", "is required");
                if (radius.Units != "M")
                {
                    throw new DssInputException($"{field}.outline_circle.radius.units", "must be \"M\" (meters)");
                }

                footprint = CircleFootprint.Create(
                    centre.Lat ?? throw new DssInputException($"{field}.outline_circle.center.lat", "is required"),
                    centre.Lng ?? throw new DssInputException($"{field}.outline_circle.center.lng", "is required"),
                    radius.Value ?? throw new DssInputException($"{field}.outline_circle.radius.value", "is required"),
                    Engine);
            }
            else
            {
                var vertices = volume.OutlinePolygon!.Vertices ?? throw new DssInputException($"{field}.outline_polygon.vertices", "is required");
                var ring = new List<LatLng>(vertices.Count);
                for (var i = 0; i < vertices.Count; i++)
                {
                    var p = vertices[i] ?? throw new DssInputException($"{field}.outline_polygon.vertices[{i}]", "is required");
                    ring.Add(new LatLng(
                        p.Lat ?? throw new DssInputException($"{field}.outline_polygon.vertices[{i}].lat", "is required"),
                        p.Lng ?? throw new DssInputException($"{field}.outline_polygon.vertices[{i}].lng", "is required")));
                }

                footprint = PolygonFootprint.Create(ring, Engine);
            }
        }
        catch (GeometryException e)
        {
            throw new DssInputException(volume.OutlineCircle is null ? $"{field}.outline_polygon" : $"{field}.outline_circle", e.Message);
        }

        if (footprint.BoundingRadiusMeters > limits.MaxRadiusMeters)
        {
            // F3548's answer to an area that is too large is 413.
            throw new DssInputException(field, $"the outline reaches {footprint.BoundingRadiusMeters:0} m from its centre; this DSS accepts at most {limits.MaxRadiusMeters:0} m", StatusCodes.Status413PayloadTooLarge);
        }

        return footprint;
    }

    // Footprints are built against the engine's own ceiling so that one too large gets the standard's 413, not a 400.
    private static FootprintLimits Engine { get; } = new(FootprintLimits.EngineMaxRadiusMeters);

    private static double? Altitude(DssAltitude? altitude, string field, bool required)
    {
        if (altitude is null)
        {
            return required ? throw new DssInputException(field, "is required") : null;
        }

        if (altitude.Reference != "W84")
        {
            throw new DssInputException($"{field}.reference", "must be \"W84\"");
        }

        if (altitude.Units != "M")
        {
            throw new DssInputException($"{field}.units", "must be \"M\" (meters)");
        }

        var value = altitude.Value ?? throw new DssInputException($"{field}.value", "is required");
        if (!double.IsFinite(value) || value < LowestAltitude || value > HighestAltitude)
        {
            throw new DssInputException($"{field}.value", $"must be between {LowestAltitude} and {HighestAltitude} m");
        }

        return value;
    }

    private static DateTimeOffset? Time(DssTime? time, string field, bool required)
    {
        if (time is null)
        {
            return required ? throw new DssInputException(field, "is required") : null;
        }

        if (time.Format is not null and not "RFC3339")
        {
            throw new DssInputException($"{field}.format", "must be \"RFC3339\"");
        }

        if (time.Value is null
            || !DateTimeOffset.TryParseExact(time.Value, RfcFormats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            throw new DssInputException($"{field}.value", $"'{time.Value}' is not an RFC 3339 date-time (e.g. 2026-11-25T12:00:00Z)");
        }

        return parsed;
    }

    private static readonly string[] RfcFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd't'HH:mm:ssK", "yyyy-MM-dd't'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
    ];

    public static Guid Id(string? text, string field) =>
        Guid.TryParse(text, out var id) ? id : throw new DssInputException(field, $"'{text}' is not a UUID");

    public static ReservationState State(string? text) => text switch
    {
        "Accepted" => ReservationState.Accepted,
        "Activated" => ReservationState.Activated,
        "Nonconforming" => ReservationState.Nonconforming,
        "Contingent" => ReservationState.Contingent,
        null => throw new DssInputException("state", "is required"),
        _ => throw new DssInputException("state", $"'{text}' is not Accepted, Activated, Nonconforming or Contingent"),
    };

    public static UssAvailability Availability(string? text) => text?.ToLowerInvariant() switch
    {
        "unknown" => UssAvailability.Unknown,
        "normal" => UssAvailability.Normal,
        "down" => UssAvailability.Down,
        null => throw new DssInputException("availability", "is required"),
        _ => throw new DssInputException("availability", $"'{text}' is not Unknown, Normal or Down"),
    };

    // ---- responses ------------------------------------------------------------------------------------------

    public DssOperationalIntentReference View(Reservation r, int viewer)
    {
        var manager = airspace.PartyName(r.Owner) ?? r.Owner.ToString(CultureInfo.InvariantCulture);
        var span = r.Span;
        return new DssOperationalIntentReference(
            r.Id.ToString(),
            manager,
            airspace.Availability(manager).Availability.ToString(),
            r.Version,
            r.State.ToString(),
            r.Owner == viewer ? r.Ovn : NoOvn,
            Time(span.Start),
            Time(span.End),
            r.UssBaseUrl ?? NativeBaseUrl(manager),
            r.SubscriptionId?.ToString() ?? NoSubscription);
    }

    public DssConstraintReference View(Constraint c, int viewer)
    {
        var manager = airspace.PartyName(c.Owner) ?? c.Owner.ToString(CultureInfo.InvariantCulture);
        var span = c.Span;
        return new DssConstraintReference(
            c.Id.ToString(),
            manager,
            airspace.Availability(manager).Availability.ToString(),
            c.Version,
            c.Owner == viewer ? c.Ovn : NoOvn,
            Time(span.Start),
            Time(span.End),
            c.UssBaseUrl ?? NativeBaseUrl(manager));
    }

    public DssSubscription View(Subscription s)
    {
        var span = s.Span;
        return new DssSubscription(
            s.Id.ToString(),
            s.Version.ToString(CultureInfo.InvariantCulture),
            s.NotificationIndex,
            Time(span.Start),
            Time(span.End),
            s.UssBaseUrl,
            s.NotifyForOperationalIntents,
            s.NotifyForConstraints,
            s.Implicit,
            [.. airspace.DependentsOf(s.Id).Select(id => id.ToString())]);
    }

    /// <summary>The subscribers to notify, one entry per USS base URL, in a stable order.</summary>
    public static IReadOnlyList<DssSubscriberToNotify> Subscribers(IReadOnlyList<SubscriptionNotice> notify) =>
        [.. notify.GroupBy(n => n.UssBaseUrl, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new DssSubscriberToNotify([.. g.Select(n => new DssSubscriptionState(n.SubscriptionId.ToString(), n.NotificationIndex))], g.Key))];

    public static DssTime Time(DateTimeOffset time) =>
        new(time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture), "RFC3339");

    private static string Format(DateTimeOffset time) => Time(time).Value!;

    /// <summary>Where a native party's filings are described: native parties run no USS, so this is the
    /// deployment's configured address for them.</summary>
    private string NativeBaseUrl(string manager) => $"{nativeUssBaseUrl}/{Uri.EscapeDataString(manager)}";
}
