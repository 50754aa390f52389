using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hotline.Server;

/// <summary>One 4D volume on the wire: a GeoJSON footprint, an altitude band (metres, W84) and a UTC time window.</summary>
public sealed record ExtentDto(JsonElement? Footprint = null, AltitudeDto? Altitude = null, TimeWindowDto? Time = null);

/// <summary>An altitude band in metres above the WGS84 ellipsoid.</summary>
public sealed record AltitudeDto(double Lower, double Upper);

/// <summary>A half-open time window [start, end), RFC 3339 with an explicit offset (<c>Z</c> or <c>±hh:mm</c>).</summary>
public sealed record TimeWindowDto(DateTimeOffset Start, DateTimeOffset End);

/// <summary>A reservation or constraint at a version: an acknowledgement.</summary>
public sealed record EntityVersionDto(Guid Id, long Version);

/// <summary>Create a party.</summary>
public sealed record CreatePartyRequest(string? Name = null, string? PublicKey = null);

/// <summary>A party and the secret of its credential (shown once).</summary>
public sealed record PartyCreated(int Id, string Name, string Token);

/// <summary>A new credential's secret (shown once).</summary>
public sealed record CredentialIssued(int PartyId, string Token);

/// <summary>A party as everyone sees it.</summary>
public sealed record PartyView(int Id, string Name);

/// <summary>Registers a public key: the standard base64 of a raw 32-byte Ed25519 key.</summary>
public sealed record RegisterKeyRequest(string? PublicKey = null);

/// <summary>A registered key: its id (as signatures name it), the key, the party (0: the operator), when.</summary>
public sealed record PartyKeyView(string KeyId, string PublicKey, int Party, DateTimeOffset AddedAt);

/// <summary>File a reservation.</summary>
public sealed record FileReservationRequest(
    IReadOnlyList<ExtentDto>? Extents = null,
    string? State = null,
    string? CallSign = null,
    string? Notes = null,
    IReadOnlyList<EntityVersionDto>? Acknowledge = null);

/// <summary>Change a reservation at a version.</summary>
public sealed record AmendReservationRequest(
    long? Version = null,
    IReadOnlyList<ExtentDto>? Extents = null,
    string? State = null,
    string? CallSign = null,
    string? Notes = null,
    IReadOnlyList<EntityVersionDto>? Acknowledge = null);

/// <summary>End a reservation at a version.</summary>
public sealed record EndReservationRequest(long? Version = null);

/// <summary>Close an area.</summary>
public sealed record CreateConstraintRequest(IReadOnlyList<ExtentDto>? Extents = null);

/// <summary>Ask what is in an area of interest.</summary>
public sealed record AreaQueryRequest(ExtentDto? Area = null);

/// <summary>
/// A reservation. Other parties see where and when only: <see cref="CallSign"/>, <see cref="Notes"/> and
/// <see cref="Ovn"/> (the F3548 opaque version, which a USS's key must hold to plan over it) are absent unless the
/// caller owns it.
/// </summary>
public sealed record ReservationView(
    Guid Id,
    int Owner,
    string State,
    long Version,
    IReadOnlyList<ExtentView> Extents,
    DateTimeOffset UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CallSign,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Notes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Ovn = null);

/// <summary>A constraint; <see cref="Ovn"/> (its F3548 opaque version) only for its owner.</summary>
public sealed record ConstraintView(
    Guid Id,
    int Owner,
    long Version,
    IReadOnlyList<ExtentView> Extents,
    DateTimeOffset UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Ovn = null);

/// <summary>One extent as stored: the footprint as a GeoJSON Feature.</summary>
public sealed record ExtentView(GeoJsonFootprint Footprint, AltitudeDto Altitude, TimeWindowDto Time);

/// <summary>An entity found by an area query, by reference: fetch it for its extents.</summary>
public sealed record EntityReference(
    Guid Id,
    int Owner,
    long Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? State);

/// <summary>What an area query found, by reference (<c>view=references</c>).</summary>
public sealed record AreaReferencesResult(IReadOnlyList<EntityReference> Reservations, IReadOnlyList<EntityReference> Constraints);

/// <summary>What an area query found.</summary>
public sealed record AreaQueryResult(IReadOnlyList<ReservationView> Reservations, IReadOnlyList<ConstraintView> Constraints);

/// <summary>
/// A conflict between the caller's reservation extent and another party's reservation or constraint extent.
/// <see cref="ReservationId"/> is absent for a filing that was refused (it has no id yet).
/// </summary>
public sealed record ConflictView(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? ReservationId,
    int ReservationExtent,
    string OtherKind,
    Guid OtherId,
    int OtherOwner,
    long OtherVersion,
    int OtherExtent,
    ConflictRegionView Region);

/// <summary>Where and when two extents meet (or, within the minima, the gap between them).</summary>
public sealed record ConflictRegionView(TimeWindowDto Time, AltitudeDto Altitude, GeoJsonFootprint Footprint, GeoJsonFootprint OtherFootprint);

/// <summary>A footprint written as its GeoJSON Feature straight onto the response (no intermediate document).</summary>
[JsonConverter(typeof(GeoJsonFootprintConverter))]
public readonly record struct GeoJsonFootprint(Hotline.Geo.Footprint Value);

/// <summary>Writes <see cref="GeoJsonFootprint"/> with <see cref="Hotline.Geo.GeoJson.Write(Utf8JsonWriter, Hotline.Geo.Footprint)"/>.</summary>
public sealed class GeoJsonFootprintConverter : JsonConverter<GeoJsonFootprint>
{
    /// <inheritdoc />
    public override GeoJsonFootprint Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new GeoJsonFootprint(Hotline.Geo.GeoJson.ReadFootprint(document.RootElement, new Hotline.Geo.FootprintLimits(Hotline.Geo.FootprintLimits.EngineMaxRadiusMeters)));
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, GeoJsonFootprint value, JsonSerializerOptions options) =>
        Hotline.Geo.GeoJson.Write(writer, value.Value);
}

/// <summary>A proposed change of a reservation at a version.</summary>
public sealed record ProposalDto(Guid? ReservationId = null, long? Version = null, IReadOnlyList<ExtentDto>? Extents = null);

/// <summary>A position in WGS84 degrees.</summary>
public sealed record PositionDto(double Lat, double Lng);

/// <summary>An emergency's position and what is needed.</summary>
public sealed record EmergencyDto(PositionDto? Position = null, string? Need = null);

/// <summary>A message to send on the line. <c>to</c> null: to all parties.</summary>
public sealed record SendMessageRequest(
    string? Type = null,
    int? To = null,
    Guid? InReplyTo = null,
    Guid? About = null,
    ProposalDto? Proposal = null,
    string? Decision = null,
    EmergencyDto? Emergency = null,
    string? Text = null,
    bool DiscloseLocation = false);

/// <summary>A proposal as shown.</summary>
public sealed record ProposalView(Guid ReservationId, long Version, IReadOnlyList<ExtentView> Extents);

/// <summary>A message on the line with where it stands.</summary>
public sealed record MessageView(
    Guid Id,
    int From,
    int? To,
    string Type,
    DateTimeOffset SentAt,
    string Priority,
    DateTimeOffset? Deadline,
    DateTimeOffset? AnsweredAt,
    Guid? AnsweredBy,
    int Escalations,
    Guid? InReplyTo,
    Guid? About,
    ProposalView? Proposal,
    string? Decision,
    EmergencyDto? Emergency,
    string? Text,
    bool DisclosesLocation,
    long LogIndex);

/// <summary>Suspends the caller's participation, with its reason.</summary>
public sealed record SuspendRequest(string? Reason = null);

/// <summary>A party's standing on the line.</summary>
public sealed record StandingView(int Party, bool Suspended, string? Reason, bool Down, int MissedChecks);

/// <summary>An event of a party's stream; <c>message</c> is embedded for message and escalation events.</summary>
public sealed record EventView(
    long Id,
    string Kind,
    DateTimeOffset At,
    int? Recipient,
    Guid? MessageId,
    int? Party,
    string? Reason,
    Guid? ReservationId,
    long? Version,
    ConflictView? Conflict,
    MessageView? Message);
