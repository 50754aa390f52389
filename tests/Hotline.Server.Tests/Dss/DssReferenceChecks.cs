using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Hotline.Server.Tests;

/// <summary>What the F3548 schemas require of the references a DSS answers, checked member by member.</summary>
internal static partial class DssReferenceChecks
{
    /// <summary>What a USS sees instead of an OVN that is not its own.</summary>
    public const string NoOvn = "Available from USS";

    /// <summary>An OVN the DSS made itself: 128 random bits, base64url (F3548: 16 to 128 characters).</summary>
    public const string GeneratedOvn = "^[A-Za-z0-9_-]{22}$";

    public const string Intents = "/dss/v1/operational_intent_references";

    public const string Constraints = "/dss/v1/constraint_references";

    /// <summary>The required members of <c>OperationalIntentReference</c>, plus <c>ovn</c>, which this DSS always fills.</summary>
    public static readonly string[] IntentMembers =
        ["id", "manager", "uss_availability", "version", "state", "ovn", "time_start", "time_end", "uss_base_url", "subscription_id"];

    /// <summary>The required members of <c>ConstraintReference</c>, plus <c>ovn</c>.</summary>
    public static readonly string[] ConstraintMembers =
        ["id", "manager", "uss_availability", "version", "ovn", "time_start", "time_end", "uss_base_url"];

    /// <summary>The spec's <c>UUIDv4Format</c> pattern (EntityID and SubscriptionID).</summary>
    [GeneratedRegex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$")]
    public static partial Regex UuidV4();

    /// <summary>Asserts the status and returns the body as an object.</summary>
    public static JsonObject Expect(Reply reply, HttpStatusCode status)
    {
        Assert.True(reply.Status == status, $"expected {(int)status}, got {reply}");
        return reply.Object;
    }

    /// <summary>Asserts a refusal by the authentication filter (an RFC 9457 problem, without F3548's <c>message</c>).</summary>
    public static void Refused(Reply reply, HttpStatusCode status)
    {
        Assert.True(reply.Status == status, $"expected {(int)status}, got {reply}");
        Assert.Equal("application/problem+json", reply.MediaType);
    }

    /// <summary>Asserts an F3548 <c>ErrorResponse</c> (a <c>message</c>) with this status and returns the message.</summary>
    public static string Error(Reply reply, HttpStatusCode status)
    {
        var body = Expect(reply, status);
        var message = body["message"]?.ToString();
        Assert.False(string.IsNullOrWhiteSpace(message), $"an error names what went wrong: {reply}");
        return message!;
    }

    /// <summary>Asserts a 400 whose message names <paramref name="field"/>.</summary>
    public static void Invalid(Reply reply, string field)
    {
        var message = Error(reply, HttpStatusCode.BadRequest);
        Assert.True(message.Contains(field, StringComparison.Ordinal), $"the message should name {field}: {message}");
    }

    /// <summary>Asserts a 201 and returns its <c>operational_intent_reference</c>.</summary>
    public static JsonObject CreatedIntent(Reply reply) => Expect(reply, HttpStatusCode.Created)["operational_intent_reference"]!.AsObject();

    /// <summary>Asserts a 200 and returns its <c>operational_intent_reference</c>.</summary>
    public static JsonObject ChangedIntent(Reply reply) => Expect(reply, HttpStatusCode.OK)["operational_intent_reference"]!.AsObject();

    /// <summary>Asserts a 201 and returns its <c>constraint_reference</c>.</summary>
    public static JsonObject CreatedConstraint(Reply reply) => Expect(reply, HttpStatusCode.Created)["constraint_reference"]!.AsObject();

    /// <summary>Asserts exactly these members (no more, no fewer) and an F3548 <c>Time</c> in each time member.</summary>
    public static void HasExactly(JsonObject reference, string[] members)
    {
        Assert.Equal(members.Order(StringComparer.Ordinal), reference.Select(p => p.Key).Order(StringComparer.Ordinal));
        Time(reference["time_start"]);
        Time(reference["time_end"]);
    }

    /// <summary>An F3548 <c>Time</c>: RFC 3339 in UTC ('Z'), format "RFC3339".</summary>
    public static DateTimeOffset Time(JsonNode? time)
    {
        Assert.NotNull(time);
        Assert.Equal("RFC3339", time["format"]?.ToString());
        var value = time["value"]!.ToString();
        Assert.EndsWith("Z", value, StringComparison.Ordinal);
        return DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
    }

    /// <summary>The log index the write was recorded at.</summary>
    public static long LogIndex(Reply reply) =>
        long.Parse(reply.Headers.GetValues("Hotline-Log-Index").Single(), CultureInfo.InvariantCulture);

    /// <summary>A constraint reference PUT body.</summary>
    public static JsonObject Constraint(JsonObject extent, string baseUrl = "https://uss.example.com/utm") => new()
    {
        ["extents"] = new JsonArray(extent.DeepClone()),
        ["uss_base_url"] = baseUrl,
    };

    /// <summary>A subscription PUT body over <paramref name="area"/>.</summary>
    public static JsonObject Subscription(JsonObject area, string baseUrl, bool intents = true, bool constraints = false) => new()
    {
        ["extents"] = area.DeepClone(),
        ["uss_base_url"] = baseUrl,
        ["notify_for_operational_intents"] = intents,
        ["notify_for_constraints"] = constraints,
    };

    /// <summary>A polygon volume between two parallels and two meridians given exactly (so that two boxes can share
    /// an edge to the bit).</summary>
    public static JsonObject Box(double south, double west, double north, double east, DateTimeOffset start, DateTimeOffset end, double lower = 0, double upper = 120) => new()
    {
        ["volume"] = new JsonObject
        {
            ["outline_polygon"] = new JsonObject
            {
                ["vertices"] = new JsonArray(
                    DssDeployment.Point(south, west), DssDeployment.Point(south, east), DssDeployment.Point(north, east), DssDeployment.Point(north, west)),
            },
            ["altitude_lower"] = DssDeployment.Altitude(lower),
            ["altitude_upper"] = DssDeployment.Altitude(upper),
        },
        ["time_start"] = DssDeployment.Time(start),
        ["time_end"] = DssDeployment.Time(end),
    };

    /// <summary>Milliseconds as the DSS answers them (the builders send milliseconds).</summary>
    public static DateTimeOffset Ms(DateTimeOffset t) => DateTimeOffset.FromUnixTimeMilliseconds(t.ToUnixTimeMilliseconds());
}
