using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hotline.Server;

// The wire shapes of ASTM F3548-21 (InterUSS OpenAPI v1.0.0), snake_case as the standard spells them. Requests are
// read leniently (unknown members ignored, as the standard says) and checked field by field in DssMapping, so that a
// missing or wrong member gets a message that names it.

/// <summary>The JSON settings of the DSS API.</summary>
internal static class DssJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        // An API for programs, never embedded in HTML: quotes and backticks in messages stay readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };
}

internal sealed record DssTime(string? Value, string? Format = "RFC3339");

internal sealed record DssLatLng(double? Lat, double? Lng);

internal sealed record DssRadius(double? Value, string? Units);

internal sealed record DssCircle(DssLatLng? Center, DssRadius? Radius);

internal sealed record DssPolygon(List<DssLatLng?>? Vertices);

internal sealed record DssAltitude(double? Value, string? Reference, string? Units);

internal sealed record DssVolume3D(DssCircle? OutlineCircle, DssPolygon? OutlinePolygon, DssAltitude? AltitudeLower, DssAltitude? AltitudeUpper);

internal sealed record DssVolume4D(DssVolume3D? Volume, DssTime? TimeStart, DssTime? TimeEnd);

internal sealed record DssAreaQuery(DssVolume4D? AreaOfInterest);

internal sealed record DssImplicitSubscription(string? UssBaseUrl, bool? NotifyForConstraints);

internal sealed record DssPutOperationalIntent(
    List<DssVolume4D?>? Extents,
    List<string?>? Key,
    string? State,
    string? UssBaseUrl,
    string? SubscriptionId,
    DssImplicitSubscription? NewSubscription,
    string? RequestedOvnSuffix);

internal sealed record DssPutConstraint(List<DssVolume4D?>? Extents, string? UssBaseUrl);

internal sealed record DssPutSubscription(DssVolume4D? Extents, string? UssBaseUrl, bool? NotifyForOperationalIntents, bool? NotifyForConstraints);

internal sealed record DssSetAvailability(string? OldVersion, string? Availability);

internal sealed record DssOperationalIntentReference(
    string Id,
    string Manager,
    string UssAvailability,
    long Version,
    string State,
    string? Ovn,
    DssTime TimeStart,
    DssTime TimeEnd,
    string UssBaseUrl,
    string SubscriptionId);

internal sealed record DssConstraintReference(
    string Id,
    string Manager,
    string UssAvailability,
    long Version,
    string? Ovn,
    DssTime TimeStart,
    DssTime TimeEnd,
    string UssBaseUrl);

internal sealed record DssSubscription(
    string Id,
    string Version,
    long NotificationIndex,
    DssTime TimeStart,
    DssTime TimeEnd,
    string UssBaseUrl,
    bool NotifyForOperationalIntents,
    bool NotifyForConstraints,
    bool ImplicitSubscription,
    IReadOnlyList<string> DependentOperationalIntents);

internal sealed record DssSubscriptionState(string SubscriptionId, long NotificationIndex);

internal sealed record DssSubscriberToNotify(IReadOnlyList<DssSubscriptionState> Subscriptions, string UssBaseUrl);

internal sealed record DssGetOperationalIntentResponse(DssOperationalIntentReference OperationalIntentReference);

internal sealed record DssChangeOperationalIntentResponse(IReadOnlyList<DssSubscriberToNotify> Subscribers, DssOperationalIntentReference OperationalIntentReference);

internal sealed record DssQueryOperationalIntentsResponse(IReadOnlyList<DssOperationalIntentReference> OperationalIntentReferences);

internal sealed record DssGetConstraintResponse(DssConstraintReference ConstraintReference);

internal sealed record DssChangeConstraintResponse(IReadOnlyList<DssSubscriberToNotify> Subscribers, DssConstraintReference ConstraintReference);

internal sealed record DssQueryConstraintsResponse(IReadOnlyList<DssConstraintReference> ConstraintReferences);

internal sealed record DssGetSubscriptionResponse(DssSubscription Subscription);

internal sealed record DssPutSubscriptionResponse(
    DssSubscription Subscription,
    IReadOnlyList<DssOperationalIntentReference> OperationalIntentReferences,
    IReadOnlyList<DssConstraintReference> ConstraintReferences);

internal sealed record DssQuerySubscriptionsResponse(IReadOnlyList<DssSubscription> Subscriptions);

internal sealed record DssAvailabilityStatus(string Uss, string Availability);

internal sealed record DssAvailabilityResponse(DssAvailabilityStatus Status, string Version);

internal sealed record DssVersionResponse(string Version);

/// <summary>
/// An error as both F3548 (<c>ErrorResponse.message</c>) and RFC 9457 (type, title, status, detail) read it; a 409
/// for a key adds the standard's <c>missing_operational_intents</c> and <c>missing_constraints</c>.
/// </summary>
internal sealed record DssProblem(
    string Type,
    string Title,
    int Status,
    string Detail,
    string Message,
    string? Field = null,
    IReadOnlyList<DssOperationalIntentReference>? MissingOperationalIntents = null,
    IReadOnlyList<DssConstraintReference>? MissingConstraints = null);
