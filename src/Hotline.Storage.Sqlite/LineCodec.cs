using System.Buffers;
using System.Text;
using System.Text.Json;
using Hotline.Core;
using Hotline.Geo;

namespace Hotline.Storage.Sqlite;

/// <summary>
/// The stored form of the line's records (format version 1): JSON objects with camelCase members; times as UTC ticks;
/// proposals' extents and conflict footprints in the forms of <see cref="ExtentCodec"/> and GeoJSON.
/// </summary>
internal static class LineCodec
{
    private static readonly FootprintLimits Permissive = new(FootprintLimits.EngineMaxRadiusMeters);

    public static string Write(Message m) => Json(w =>
    {
        w.WriteString("id", m.Id);
        w.WriteNumber("from", m.From);
        Number(w, "to", m.To);
        w.WriteString("type", m.Type.ToString());
        w.WriteNumber("sentAt", m.SentAt.UtcTicks);
        Guid(w, "inReplyTo", m.InReplyTo);
        Guid(w, "about", m.About);
        if (m.Proposal is { } p)
        {
            w.WriteStartObject("proposal");
            w.WriteString("reservationId", p.ReservationId);
            w.WriteNumber("version", p.Version);
            w.WritePropertyName("extents");
            w.WriteRawValue(ExtentCodec.Write(p.Extents));
            w.WriteEndObject();
        }

        if (m.Decision is { } d)
        {
            w.WriteString("decision", d.ToString());
        }

        if (m.Emergency is { } e)
        {
            w.WriteStartObject("emergency");
            w.WriteNumber("lat", e.Position.Lat);
            w.WriteNumber("lng", e.Position.Lng);
            w.WriteString("need", e.Need);
            w.WriteEndObject();
        }

        if (m.Text is { } text)
        {
            w.WriteString("text", text);
        }

        w.WriteBoolean("disclosesLocation", m.DisclosesLocation);
        w.WriteNumber("logIndex", m.LogIndex);
    });

    public static Message ReadMessage(string json)
    {
        using var document = JsonDocument.Parse(json);
        var r = document.RootElement;
        Proposal? proposal = null;
        if (r.TryGetProperty("proposal", out var p))
        {
            proposal = new Proposal(p.GetProperty("reservationId").GetGuid(), p.GetProperty("version").GetInt64(), ExtentCodec.Read(p.GetProperty("extents").GetRawText()));
        }

        EmergencyInfo? emergency = null;
        if (r.TryGetProperty("emergency", out var e))
        {
            emergency = new EmergencyInfo(new LatLng(e.GetProperty("lat").GetDouble(), e.GetProperty("lng").GetDouble()), e.GetProperty("need").GetString()!);
        }

        return new Message(
            r.GetProperty("id").GetGuid(),
            r.GetProperty("from").GetInt32(),
            OptionalInt(r, "to"),
            Enum.Parse<MessageType>(r.GetProperty("type").GetString()!),
            Time(r.GetProperty("sentAt").GetInt64()),
            OptionalGuid(r, "inReplyTo"),
            OptionalGuid(r, "about"),
            proposal,
            r.TryGetProperty("decision", out var d) ? Enum.Parse<Decision>(d.GetString()!) : null,
            emergency,
            r.TryGetProperty("text", out var t) ? t.GetString() : null,
            r.GetProperty("disclosesLocation").GetBoolean(),
            r.GetProperty("logIndex").GetInt64());
    }

    public static string Write(MessageStatus s) => Json(w =>
    {
        w.WriteString("priority", s.Priority.ToString());
        Ticks(w, "deadline", s.Deadline);
        Ticks(w, "answeredAt", s.AnsweredAt);
        Guid(w, "answeredBy", s.AnsweredBy);
        w.WriteNumber("escalations", s.Escalations);
    });

    public static MessageStatus ReadStatus(Guid id, string json)
    {
        using var document = JsonDocument.Parse(json);
        var r = document.RootElement;
        return new MessageStatus(
            id,
            Enum.Parse<Priority>(r.GetProperty("priority").GetString()!),
            OptionalTime(r, "deadline"),
            OptionalTime(r, "answeredAt"),
            OptionalGuid(r, "answeredBy"),
            r.GetProperty("escalations").GetInt32());
    }

    public static string Write(LineStanding s) => Json(w =>
    {
        w.WriteBoolean("suspended", s.Suspended);
        if (s.Reason is { } reason)
        {
            w.WriteString("reason", reason);
        }

        w.WriteBoolean("down", s.Down);
        w.WriteNumber("missedChecks", s.MissedChecks);
    });

    public static LineStanding ReadStanding(int party, string json)
    {
        using var document = JsonDocument.Parse(json);
        var r = document.RootElement;
        return new LineStanding(party, r.GetProperty("suspended").GetBoolean(), r.TryGetProperty("reason", out var reason) ? reason.GetString() : null,
            r.GetProperty("down").GetBoolean(), r.GetProperty("missedChecks").GetInt32());
    }

    public static string Write(LineEvent e) => Json(w =>
    {
        w.WriteString("kind", e.Kind.ToString());
        w.WriteNumber("at", e.At.UtcTicks);
        Guid(w, "messageId", e.MessageId);
        Number(w, "party", e.Party);
        if (e.Reason is { } reason)
        {
            w.WriteString("reason", reason);
        }

        Guid(w, "reservationId", e.ReservationId);
        if (e.Version is { } version)
        {
            w.WriteNumber("version", version);
        }

        if (e.Conflict is { } c)
        {
            w.WriteStartObject("conflict");
            w.WriteString("reservationId", c.ReservationId);
            w.WriteNumber("reservationOwner", c.ReservationOwner);
            w.WriteNumber("reservationExtent", c.ReservationExtent);
            w.WriteString("otherKind", c.OtherKind.ToString());
            w.WriteString("otherId", c.OtherId);
            w.WriteNumber("otherOwner", c.OtherOwner);
            w.WriteNumber("otherVersion", c.OtherVersion);
            w.WriteNumber("otherExtent", c.OtherExtent);
            w.WriteNumber("start", c.Region.Start.UtcTicks);
            w.WriteNumber("end", c.Region.End.UtcTicks);
            w.WriteNumber("lower", c.Region.AltitudeLower);
            w.WriteNumber("upper", c.Region.AltitudeUpper);
            w.WritePropertyName("footprint");
            GeoJson.Write(w, c.Region.Footprint);
            w.WritePropertyName("otherFootprint");
            GeoJson.Write(w, c.Region.OtherFootprint);
            w.WriteEndObject();
        }
    });

    public static LineEvent ReadEvent(long id, int? recipient, string json)
    {
        using var document = JsonDocument.Parse(json);
        var r = document.RootElement;
        Conflict? conflict = null;
        if (r.TryGetProperty("conflict", out var c))
        {
            conflict = new Conflict(
                c.GetProperty("reservationId").GetGuid(),
                c.GetProperty("reservationOwner").GetInt32(),
                c.GetProperty("reservationExtent").GetInt32(),
                Enum.Parse<EntityKind>(c.GetProperty("otherKind").GetString()!),
                c.GetProperty("otherId").GetGuid(),
                c.GetProperty("otherOwner").GetInt32(),
                c.GetProperty("otherVersion").GetInt64(),
                c.GetProperty("otherExtent").GetInt32(),
                new ConflictRegion(
                    Time(c.GetProperty("start").GetInt64()),
                    Time(c.GetProperty("end").GetInt64()),
                    c.GetProperty("lower").GetDouble(),
                    c.GetProperty("upper").GetDouble(),
                    GeoJson.ReadFootprint(c.GetProperty("footprint"), Permissive),
                    GeoJson.ReadFootprint(c.GetProperty("otherFootprint"), Permissive)));
        }

        return new LineEvent(
            id,
            recipient,
            Enum.Parse<LineEventKind>(r.GetProperty("kind").GetString()!),
            Time(r.GetProperty("at").GetInt64()),
            OptionalGuid(r, "messageId"),
            OptionalInt(r, "party"),
            r.TryGetProperty("reason", out var reason) ? reason.GetString() : null,
            conflict,
            OptionalGuid(r, "reservationId"),
            r.TryGetProperty("version", out var v) ? v.GetInt64() : null);
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    private static void Number(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
    }

    private static void Guid(Utf8JsonWriter w, string name, Guid? value)
    {
        if (value is { } v)
        {
            w.WriteString(name, v);
        }
    }

    private static void Ticks(Utf8JsonWriter w, string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v.UtcTicks);
        }
    }

    private static int? OptionalInt(JsonElement r, string name) => r.TryGetProperty(name, out var v) ? v.GetInt32() : null;

    private static Guid? OptionalGuid(JsonElement r, string name) => r.TryGetProperty(name, out var v) ? v.GetGuid() : null;

    private static DateTimeOffset? OptionalTime(JsonElement r, string name) => r.TryGetProperty(name, out var v) ? Time(v.GetInt64()) : null;
}
