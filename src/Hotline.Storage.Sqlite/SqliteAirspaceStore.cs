using System.Collections.Concurrent;
using System.Globalization;
using Hotline.Core;
using Hotline.Ledger;
using Microsoft.Data.Sqlite;

namespace Hotline.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite file. Durability: WAL journal with <c>synchronous = FULL</c>, so a commit
/// returns only after the WAL is fsynced; an acknowledged write survives <c>kill -9</c> and power loss (given a
/// disk that honours fsync). A batch is one transaction: all or nothing.
/// </summary>
public sealed class SqliteAirspaceStore : IAirspaceStore
{
    private const int SchemaVersion = 3;

    private readonly SqliteConnection _connection;
    private readonly string _readOnly;
    private readonly ConcurrentBag<SqliteConnection> _readers = [];
    private long? _logSize;

    /// <summary>How many of the newest line events are loaded at start (the stream reads older ones on demand).</summary>
    private const int RecentEvents = 65_536;

    /// <summary>How many of the newest messages are loaded at start, besides every open one.</summary>
    private const int ClosedMessages = 200_000;

    private SqliteAirspaceStore(SqliteConnection connection, string path)
    {
        _connection = connection;
        _readOnly = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
    }

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/>.</summary>
    public static async Task<SqliteAirspaceStore> OpenAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            return await OpenAsync(connection, path, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Every table in its current form. <c>IF NOT EXISTS</c> throughout: over an older database it creates only the
    /// tables that database lacks (version 1 had no keys and no log, version 2 no subscriptions and no USS
    /// availability, and the line's tables came within version 2). The columns added to existing tables come last, in
    /// the order <see cref="AddedColumns"/> adds them, so an upgraded database has exactly the columns of a new one.
    /// </summary>
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS parties (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, created_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS credentials (secret_hash TEXT PRIMARY KEY, role TEXT NOT NULL, party_id INTEGER REFERENCES parties(id), created_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS reservations (id TEXT PRIMARY KEY, owner INTEGER NOT NULL REFERENCES parties(id), state TEXT NOT NULL,
            version INTEGER NOT NULL, call_sign TEXT, notes TEXT, updated_at INTEGER NOT NULL, extents TEXT NOT NULL,
            ovn TEXT NOT NULL DEFAULT '', uss_base_url TEXT, subscription_id TEXT);
        CREATE TABLE IF NOT EXISTS constraints (id TEXT PRIMARY KEY, owner INTEGER NOT NULL REFERENCES parties(id), version INTEGER NOT NULL,
            updated_at INTEGER NOT NULL, extents TEXT NOT NULL, ovn TEXT NOT NULL DEFAULT '', uss_base_url TEXT);
        CREATE TABLE IF NOT EXISTS party_keys (key_id TEXT PRIMARY KEY, party_id INTEGER NOT NULL, public_key BLOB NOT NULL, added_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS log_entries (idx INTEGER PRIMARY KEY, entry BLOB NOT NULL, leaf BLOB NOT NULL, recorded_at INTEGER NOT NULL,
            nonce TEXT NOT NULL, body BLOB NOT NULL);
        CREATE INDEX IF NOT EXISTS log_entries_recorded_at ON log_entries (recorded_at);
        CREATE TABLE IF NOT EXISTS line_messages (id TEXT PRIMARY KEY, message TEXT NOT NULL, status TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS line_standings (party INTEGER PRIMARY KEY, standing TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS line_events (id INTEGER PRIMARY KEY, recipient INTEGER, event TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS line_events_recipient ON line_events (recipient, id);
        CREATE TABLE IF NOT EXISTS subscriptions (id TEXT PRIMARY KEY, owner INTEGER NOT NULL REFERENCES parties(id), version INTEGER NOT NULL,
            notification_index INTEGER NOT NULL, uss_base_url TEXT NOT NULL, notify_ois INTEGER NOT NULL, notify_constraints INTEGER NOT NULL,
            implicit INTEGER NOT NULL, updated_at INTEGER NOT NULL, area TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS uss_availability (uss TEXT PRIMARY KEY, availability TEXT NOT NULL, version INTEGER NOT NULL, updated_at INTEGER NOT NULL);
        """;

    /// <summary>The columns version 3 added to tables that older versions already had (table, column, definition).
    /// No foreign key on <c>subscription_id</c>: an ended reservation keeps naming the implicit subscription that was
    /// deleted with it, and which subscriptions may go is the airspace's decision, not the store's.</summary>
    private static readonly (string Table, string Column, string Definition)[] AddedColumns =
    [
        ("reservations", "ovn", "TEXT NOT NULL DEFAULT ''"),
        ("reservations", "uss_base_url", "TEXT"),
        ("reservations", "subscription_id", "TEXT"),
        ("constraints", "ovn", "TEXT NOT NULL DEFAULT ''"),
        ("constraints", "uss_base_url", "TEXT"),
    ];

    private static async Task<SqliteAirspaceStore> OpenAsync(SqliteConnection connection, string path, CancellationToken cancellationToken)
    {
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Before the transaction: SQLite cannot change the journal mode, and ignores foreign_keys, inside one.
        await ExecuteAsync(connection, null, """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            PRAGMA foreign_keys = ON;
            """, cancellationToken).ConfigureAwait(false);

        // One (immediate) transaction for the check and the whole upgrade: a crash or an error part way leaves the
        // database at its old version, whole, and two processes opening it at once cannot both upgrade it.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)", cancellationToken).ConfigureAwait(false);
        string? stored;
        await using (var check = connection.CreateCommand())
        {
            check.Transaction = transaction;
            check.CommandText = "SELECT value FROM meta WHERE key = 'schema_version'";
            stored = (string?)await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }

        int? version = null;
        if (stored is not null)
        {
            // Refused before anything is written: a newer Hotline's database is not ours to change.
            if (!int.TryParse(stored, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed is < 1 or > SchemaVersion)
            {
                throw new InvalidOperationException($"{path}: schema version {stored}; this Hotline reads version {SchemaVersion}");
            }

            version = parsed;
        }

        if (version != SchemaVersion)
        {
            if (version is not null)
            {
                await AddMissingColumnsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, transaction, $"""
                {Schema}
                INSERT INTO meta (key, value) VALUES ('schema_version', '{SchemaVersion}') ON CONFLICT (key) DO UPDATE SET value = excluded.value;
                """, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new SqliteAirspaceStore(connection, path);
    }

    /// <summary>Adds the <see cref="AddedColumns"/> an older database lacks. SQLite's <c>ADD COLUMN</c> has no
    /// <c>IF NOT EXISTS</c>, so each is looked up first; a row already there reads the column's default.</summary>
    private static async Task AddMissingColumnsAsync(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        foreach (var (table, column, definition) in AddedColumns)
        {
            await using var exists = connection.CreateCommand();
            exists.Transaction = transaction;
            exists.CommandText = "SELECT COUNT(*) FROM pragma_table_info($table) WHERE name = $column";
            exists.Parameters.AddWithValue("$table", table);
            exists.Parameters.AddWithValue("$column", column);
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
            {
                await ExecuteAsync(connection, transaction, $"ALTER TABLE {table} ADD COLUMN {column} {definition}", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async Task<AirspaceSnapshot> LoadAsync(DateTimeOffset noncesSince, CancellationToken cancellationToken)
    {
        var parties = await ReadAllAsync(
            "SELECT id, name, created_at FROM parties ORDER BY id",
            r => new Party(r.GetInt32(0), r.GetString(1), Time(r.GetInt64(2))),
            cancellationToken).ConfigureAwait(false);
        var credentials = await ReadAllAsync(
            "SELECT secret_hash, role, party_id, created_at FROM credentials",
            r => new Credential(r.GetString(0), Enum.Parse<Role>(r.GetString(1)), r.IsDBNull(2) ? null : r.GetInt32(2), Time(r.GetInt64(3))),
            cancellationToken).ConfigureAwait(false);
        // Decoding extents (JSON and geometry checks) costs far more than reading them: rows are read here and
        // decoded on every core (see ReadAllDecodedAsync).
        var reservations = await ReadAllDecodedAsync(
            "SELECT id, owner, state, version, call_sign, notes, updated_at, extents, ovn, uss_base_url, subscription_id FROM reservations",
            r => (Id: r.GetString(0), Owner: r.GetInt32(1), State: r.GetString(2), Version: r.GetInt64(3), CallSign: r.IsDBNull(4) ? null : r.GetString(4),
                Notes: r.IsDBNull(5) ? null : r.GetString(5), UpdatedAt: r.GetInt64(6), Extents: r.GetString(7), Ovn: r.GetString(8),
                UssBaseUrl: r.IsDBNull(9) ? null : r.GetString(9), SubscriptionId: r.IsDBNull(10) ? null : r.GetString(10)),
            row => new Reservation(
                Guid.Parse(row.Id),
                row.Owner,
                ExtentCodec.Read(row.Extents),
                Enum.Parse<ReservationState>(row.State),
                row.Version,
                row.CallSign,
                row.Notes,
                Time(row.UpdatedAt))
            {
                Ovn = row.Ovn,
                UssBaseUrl = row.UssBaseUrl,
                SubscriptionId = row.SubscriptionId is null ? null : Guid.Parse(row.SubscriptionId),
            },
            cancellationToken).ConfigureAwait(false);
        var constraints = await ReadAllDecodedAsync(
            "SELECT id, owner, version, updated_at, extents, ovn, uss_base_url FROM constraints",
            r => (Id: r.GetString(0), Owner: r.GetInt32(1), Version: r.GetInt64(2), UpdatedAt: r.GetInt64(3), Extents: r.GetString(4), Ovn: r.GetString(5),
                UssBaseUrl: r.IsDBNull(6) ? null : r.GetString(6)),
            row => new Constraint(Guid.Parse(row.Id), row.Owner, ExtentCodec.Read(row.Extents), row.Version, Time(row.UpdatedAt))
            {
                Ovn = row.Ovn,
                UssBaseUrl = row.UssBaseUrl,
            },
            cancellationToken).ConfigureAwait(false);
        var subscriptions = await ReadAllDecodedAsync(
            """
            SELECT id, owner, area, uss_base_url, notify_ois, notify_constraints, implicit, version, notification_index, updated_at
            FROM subscriptions
            """,
            r => (Id: r.GetString(0), Owner: r.GetInt32(1), Area: r.GetString(2), UssBaseUrl: r.GetString(3), NotifyOis: r.GetBoolean(4),
                NotifyConstraints: r.GetBoolean(5), Implicit: r.GetBoolean(6), Version: r.GetInt64(7), NotificationIndex: r.GetInt64(8), UpdatedAt: r.GetInt64(9)),
            row => new Subscription(
                Guid.Parse(row.Id),
                row.Owner,
                ExtentCodec.Read(row.Area),
                row.UssBaseUrl,
                row.NotifyOis,
                row.NotifyConstraints,
                row.Implicit,
                row.Version,
                row.NotificationIndex,
                Time(row.UpdatedAt)),
            cancellationToken).ConfigureAwait(false);
        var availabilities = await ReadAllAsync(
            "SELECT uss, availability, version, updated_at FROM uss_availability",
            r => new UssAvailabilityStatus(r.GetString(0), Enum.Parse<UssAvailability>(r.GetString(1)), r.GetInt64(2), Time(r.GetInt64(3))),
            cancellationToken).ConfigureAwait(false);
        var keys = await ReadAllAsync(
            "SELECT party_id, public_key, added_at FROM party_keys",
            r => new PartyKey(r.GetInt32(0), PartyPublicKey.FromBytes((byte[])r.GetValue(1)), Time(r.GetInt64(2))),
            cancellationToken).ConfigureAwait(false);
        var leaves = await ReadAllAsync(
            "SELECT leaf FROM log_entries ORDER BY idx",
            r => new Hash((byte[])r.GetValue(0)),
            cancellationToken).ConfigureAwait(false);
        await using var recent = _connection.CreateCommand();
        // By time, not by position: after a clock step back, times do not grow along the log.
        recent.CommandText = "SELECT nonce, recorded_at FROM log_entries WHERE recorded_at >= $since";
        recent.Parameters.AddWithValue("$since", noncesSince.UtcTicks);
        var nonces = new List<RecordedNonce>();
        await using (var reader = await recent.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                nonces.Add(new RecordedNonce(Guid.Parse(reader.GetString(0)), Time(reader.GetInt64(1))));
            }
        }

        var messages = await ReadAllAsync(
            // The open ones, and the newest closed ones (the airspace keeps no more in memory).
            $"""
            SELECT id, message, status FROM line_messages
            WHERE json_extract(status, '$.deadline') IS NOT NULL AND json_extract(status, '$.answeredAt') IS NULL
            UNION
            SELECT * FROM (SELECT id, message, status FROM line_messages ORDER BY rowid DESC LIMIT {ClosedMessages})
            """,
            r => (LineCodec.ReadMessage(r.GetString(1)), LineCodec.ReadStatus(Guid.Parse(r.GetString(0)), r.GetString(2))),
            cancellationToken).ConfigureAwait(false);
        var standings = await ReadAllAsync(
            "SELECT party, standing FROM line_standings",
            r => LineCodec.ReadStanding(r.GetInt32(0), r.GetString(1)),
            cancellationToken).ConfigureAwait(false);
        var events = await ReadAllAsync(
            $"SELECT id, recipient, event FROM (SELECT * FROM line_events ORDER BY id DESC LIMIT {RecentEvents}) ORDER BY id",
            r => LineCodec.ReadEvent(r.GetInt64(0), r.IsDBNull(1) ? null : r.GetInt32(1), r.GetString(2)),
            cancellationToken).ConfigureAwait(false);
        var line = new LineSnapshot(messages, standings, events, events.Count == 0 ? 0 : events[^1].Id);
        return new AirspaceSnapshot(parties, credentials, reservations, constraints, keys, leaves, nonces, line)
        {
            Subscriptions = subscriptions,
            UssAvailabilities = availabilities,
        };
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<byte[]>> ReadLogEntriesAsync(long start, int count, CancellationToken cancellationToken)
    {
        var connection = await RentReaderAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT entry FROM log_entries WHERE idx >= $start AND idx < $end ORDER BY idx";
            command.Parameters.AddWithValue("$start", start);
            command.Parameters.AddWithValue("$end", start + count);
            var entries = new List<byte[]>(count);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                entries.Add((byte[])reader.GetValue(0));
            }

            return entries;
        }
        finally
        {
            _readers.Add(connection);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<LineEvent>> ReadLineEventsAsync(int party, long afterId, int limit, CancellationToken cancellationToken)
    {
        var connection = await RentReaderAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, recipient, event FROM line_events WHERE id > $after AND (recipient IS NULL OR recipient = $party) ORDER BY id LIMIT $limit";
            command.Parameters.AddWithValue("$after", afterId);
            command.Parameters.AddWithValue("$party", party);
            command.Parameters.AddWithValue("$limit", limit);
            var events = new List<LineEvent>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                events.Add(LineCodec.ReadEvent(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt32(1), reader.GetString(2)));
            }

            return events;
        }
        finally
        {
            _readers.Add(connection);
        }
    }

    /// <inheritdoc />
    public async Task<byte[]?> ReadRequestBodyAsync(long index, CancellationToken cancellationToken)
    {
        var connection = await RentReaderAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT body FROM log_entries WHERE idx = $idx";
            command.Parameters.AddWithValue("$idx", index);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
        }
        finally
        {
            _readers.Add(connection);
        }
    }

    /// <summary>A read-only connection: WAL lets it read committed data while the writer commits.</summary>
    private async Task<SqliteConnection> RentReaderAsync(CancellationToken cancellationToken)
    {
        if (_readers.TryTake(out var connection))
        {
            return connection;
        }

        connection = new SqliteConnection(_readOnly);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <inheritdoc />
    public async Task CommitAsync(IReadOnlyList<Change> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        SqliteCommand? appendEntry = null, saveMessage = null, appendEvent = null, notifySubscription = null, saveReservation = null, saveSubscription = null;
        var logSize = _logSize ??= await CountEntriesAsync(transaction, cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var change in changes)
            {
                await using var command = _connection.CreateCommand();
                command.Transaction = transaction;
                switch (change)
                {
                    case PartySaved p:
                        command.CommandText = "INSERT INTO parties (id, name, created_at) VALUES ($id, $name, $at)";
                        command.Parameters.AddWithValue("$id", p.Party.Id);
                        command.Parameters.AddWithValue("$name", p.Party.Name);
                        command.Parameters.AddWithValue("$at", p.Party.CreatedAt.UtcTicks);
                        break;
                    case CredentialSaved c:
                        command.CommandText = "INSERT INTO credentials (secret_hash, role, party_id, created_at) VALUES ($hash, $role, $party, $at)";
                        command.Parameters.AddWithValue("$hash", c.Credential.SecretHash);
                        command.Parameters.AddWithValue("$role", c.Credential.Role.ToString());
                        command.Parameters.AddWithValue("$party", (object?)c.Credential.PartyId ?? DBNull.Value);
                        command.Parameters.AddWithValue("$at", c.Credential.CreatedAt.UtcTicks);
                        break;
                    case ReservationSaved r:
                        // Prepared once per batch: under load most of a batch is reservations and their log entries.
                        saveReservation ??= Prepare(transaction, """
                            INSERT INTO reservations (id, owner, state, version, call_sign, notes, updated_at, extents, ovn, uss_base_url, subscription_id)
                            VALUES ($id, $owner, $state, $version, $callSign, $notes, $at, $extents, $ovn, $ussBaseUrl, $subscription)
                            ON CONFLICT (id) DO UPDATE SET state = excluded.state, version = excluded.version, call_sign = excluded.call_sign,
                                notes = excluded.notes, updated_at = excluded.updated_at, extents = excluded.extents, ovn = excluded.ovn,
                                uss_base_url = excluded.uss_base_url, subscription_id = excluded.subscription_id
                            """, "$id", "$owner", "$state", "$version", "$callSign", "$notes", "$at", "$extents", "$ovn", "$ussBaseUrl", "$subscription");
                        saveReservation.Parameters[0].Value = r.Reservation.Id.ToString();
                        saveReservation.Parameters[1].Value = r.Reservation.Owner;
                        saveReservation.Parameters[2].Value = r.Reservation.State.ToString();
                        saveReservation.Parameters[3].Value = r.Reservation.Version;
                        saveReservation.Parameters[4].Value = (object?)r.Reservation.CallSign ?? DBNull.Value;
                        saveReservation.Parameters[5].Value = (object?)r.Reservation.Notes ?? DBNull.Value;
                        saveReservation.Parameters[6].Value = r.Reservation.UpdatedAt.UtcTicks;
                        saveReservation.Parameters[7].Value = ExtentCodec.Write(r.Reservation.Extents);
                        saveReservation.Parameters[8].Value = r.Reservation.Ovn;
                        saveReservation.Parameters[9].Value = (object?)r.Reservation.UssBaseUrl ?? DBNull.Value;
                        saveReservation.Parameters[10].Value = (object?)r.Reservation.SubscriptionId?.ToString() ?? DBNull.Value;
                        await saveReservation.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                    case ConstraintSaved c:
                        command.CommandText = """
                            INSERT INTO constraints (id, owner, version, updated_at, extents, ovn, uss_base_url)
                            VALUES ($id, $owner, $version, $at, $extents, $ovn, $ussBaseUrl)
                            ON CONFLICT (id) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at, extents = excluded.extents,
                                ovn = excluded.ovn, uss_base_url = excluded.uss_base_url
                            """;
                        command.Parameters.AddWithValue("$id", c.Constraint.Id.ToString());
                        command.Parameters.AddWithValue("$owner", c.Constraint.Owner);
                        command.Parameters.AddWithValue("$version", c.Constraint.Version);
                        command.Parameters.AddWithValue("$at", c.Constraint.UpdatedAt.UtcTicks);
                        command.Parameters.AddWithValue("$extents", ExtentCodec.Write(c.Constraint.Extents));
                        command.Parameters.AddWithValue("$ovn", c.Constraint.Ovn);
                        command.Parameters.AddWithValue("$ussBaseUrl", (object?)c.Constraint.UssBaseUrl ?? DBNull.Value);
                        break;
                    case ConstraintDeleted d:
                        command.CommandText = "DELETE FROM constraints WHERE id = $id";
                        command.Parameters.AddWithValue("$id", d.Id.ToString());
                        break;
                    case SubscriptionSaved s:
                        // Prepared once per batch: every F3548 plan with an implicit subscription saves one.
                        saveSubscription ??= Prepare(transaction, """
                            INSERT INTO subscriptions (id, owner, version, notification_index, uss_base_url, notify_ois, notify_constraints, implicit, updated_at, area)
                            VALUES ($id, $owner, $version, $index, $ussBaseUrl, $notifyOis, $notifyConstraints, $implicit, $at, $area)
                            ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, version = excluded.version, notification_index = excluded.notification_index,
                                uss_base_url = excluded.uss_base_url, notify_ois = excluded.notify_ois, notify_constraints = excluded.notify_constraints,
                                implicit = excluded.implicit, updated_at = excluded.updated_at, area = excluded.area
                            """, "$id", "$owner", "$version", "$index", "$ussBaseUrl", "$notifyOis", "$notifyConstraints", "$implicit", "$at", "$area");
                        saveSubscription.Parameters[0].Value = s.Subscription.Id.ToString();
                        saveSubscription.Parameters[1].Value = s.Subscription.Owner;
                        saveSubscription.Parameters[2].Value = s.Subscription.Version;
                        saveSubscription.Parameters[3].Value = s.Subscription.NotificationIndex;
                        saveSubscription.Parameters[4].Value = s.Subscription.UssBaseUrl;
                        saveSubscription.Parameters[5].Value = s.Subscription.NotifyForOperationalIntents;
                        saveSubscription.Parameters[6].Value = s.Subscription.NotifyForConstraints;
                        saveSubscription.Parameters[7].Value = s.Subscription.Implicit;
                        saveSubscription.Parameters[8].Value = s.Subscription.UpdatedAt.UtcTicks;
                        saveSubscription.Parameters[9].Value = ExtentCodec.Write(s.Subscription.Area);
                        await saveSubscription.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                    case SubscriptionNotified n:
                        // Every change in a busy area moves the index of every subscription over it: one prepared
                        // statement for all of a batch.
                        notifySubscription ??= Prepare(transaction, "UPDATE subscriptions SET notification_index = $index WHERE id = $id", "$id", "$index");
                        notifySubscription.Parameters[0].Value = n.Id.ToString();
                        notifySubscription.Parameters[1].Value = n.NotificationIndex;
                        // An index for a subscription that is not there would be lost without a trace: that is a bug
                        // in the caller, and the batch must not pretend it was kept.
                        if (await notifySubscription.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                        {
                            throw new InvalidOperationException($"subscription {n.Id} is not stored");
                        }

                        continue;
                    case SubscriptionDeleted d:
                        command.CommandText = "DELETE FROM subscriptions WHERE id = $id";
                        command.Parameters.AddWithValue("$id", d.Id.ToString());
                        break;
                    case UssAvailabilitySaved a:
                        command.CommandText = """
                            INSERT INTO uss_availability (uss, availability, version, updated_at) VALUES ($uss, $availability, $version, $at)
                            ON CONFLICT (uss) DO UPDATE SET availability = excluded.availability, version = excluded.version, updated_at = excluded.updated_at
                            """;
                        command.Parameters.AddWithValue("$uss", a.Status.Uss);
                        command.Parameters.AddWithValue("$availability", a.Status.Availability.ToString());
                        command.Parameters.AddWithValue("$version", a.Status.Version);
                        command.Parameters.AddWithValue("$at", a.Status.UpdatedAt.UtcTicks);
                        break;
                    case MessageSaved m:
                        saveMessage ??= Prepare(transaction, """
                            INSERT INTO line_messages (id, message, status) VALUES ($id, $message, $status)
                            ON CONFLICT (id) DO UPDATE SET status = excluded.status
                            """, "$id", "$message", "$status");
                        saveMessage.Parameters[0].Value = m.Message.Id.ToString();
                        saveMessage.Parameters[1].Value = LineCodec.Write(m.Message);
                        saveMessage.Parameters[2].Value = LineCodec.Write(m.Status);
                        await saveMessage.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                    case LineStandingSaved st:
                        command.CommandText = """
                            INSERT INTO line_standings (party, standing) VALUES ($party, $standing)
                            ON CONFLICT (party) DO UPDATE SET standing = excluded.standing
                            """;
                        command.Parameters.AddWithValue("$party", st.Standing.Party);
                        command.Parameters.AddWithValue("$standing", LineCodec.Write(st.Standing));
                        break;
                    case LineEventAppended ev:
                        appendEvent ??= Prepare(transaction, "INSERT INTO line_events (id, recipient, event) VALUES ($id, $recipient, $event)", "$id", "$recipient", "$event");
                        appendEvent.Parameters[0].Value = ev.Event.Id;
                        appendEvent.Parameters[1].Value = (object?)ev.Event.Recipient ?? DBNull.Value;
                        appendEvent.Parameters[2].Value = LineCodec.Write(ev.Event);
                        await appendEvent.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                    case PartyKeySaved k:
                        command.CommandText = "INSERT INTO party_keys (key_id, party_id, public_key, added_at) VALUES ($id, $party, $key, $at)";
                        command.Parameters.AddWithValue("$id", k.Key.Key.KeyId);
                        command.Parameters.AddWithValue("$party", k.Key.PartyId);
                        command.Parameters.AddWithValue("$key", k.Key.Key.Bytes);
                        command.Parameters.AddWithValue("$at", k.Key.AddedAt.UtcTicks);
                        break;
                    case EntryAppended e:
                        // The log only appends: an entry must be at the next index (the primary key refuses a repeat).
                        if (e.Index != logSize)
                        {
                            throw new InvalidOperationException($"log entry {e.Index} is not the next index ({logSize})");
                        }

                        // One prepared statement for all the entries of a batch: it is the hot part of a big batch.
                        appendEntry ??= Prepare(transaction, "INSERT INTO log_entries (idx, entry, leaf, recorded_at, nonce, body) VALUES ($idx, $entry, $leaf, $at, $nonce, $body)",
                            "$idx", "$entry", "$leaf", "$at", "$nonce", "$body");

                        appendEntry.Parameters[0].Value = e.Index;
                        appendEntry.Parameters[1].Value = e.Entry;
                        appendEntry.Parameters[2].Value = e.LeafHash.ToArray();
                        appendEntry.Parameters[3].Value = e.RecordedAt.UtcTicks;
                        appendEntry.Parameters[4].Value = e.Nonce.ToString("D");
                        appendEntry.Parameters[5].Value = e.Body;
                        await appendEntry.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        logSize++;
                        continue;
                    default:
                        throw new ArgumentException($"unknown change {change.GetType().Name}", nameof(changes));
                }

                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The transaction rolls back: the size must be read again (the store may even have kept the commit).
            _logSize = null;
            throw;
        }
        finally
        {
            foreach (var prepared in (SqliteCommand?[])[appendEntry, saveMessage, appendEvent, notifySubscription, saveReservation, saveSubscription])
            {
                if (prepared is not null)
                {
                    await prepared.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        _logSize = logSize;
    }

    /// <summary>A statement prepared once for every row of its kind in a batch.</summary>
    private SqliteCommand Prepare(SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    private async Task<long> CountEntriesAsync(SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        while (_readers.TryTake(out var reader))
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    private async Task<List<T>> ReadAllAsync<T>(string sql, Func<SqliteDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var command = _connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    /// <summary>
    /// <see cref="ReadAllAsync"/> for rows whose decoding costs far more than reading them: this thread reads raw rows
    /// and hands them in batches to the thread pool, which decodes while the next batches are read, so loading uses
    /// every core. The order of the rows is kept; a row that fails to decode fails the load, as it would one by one.
    /// </summary>
    private async Task<List<T>> ReadAllDecodedAsync<TRaw, T>(string sql, Func<SqliteDataReader, TRaw> read, Func<TRaw, T> decode, CancellationToken cancellationToken)
    {
        const int BatchSize = 2048;
        var inFlight = 2 * Environment.ProcessorCount; // enough to keep every core busy, few enough to bound memory
        var decoding = new Queue<Task<List<T>>>();
        var rows = new List<T>();
        try
        {
            await using var command = _connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var batch = new List<TRaw>(BatchSize);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                batch.Add(read(reader));
                if (batch.Count == BatchSize)
                {
                    decoding.Enqueue(Decode(batch));
                    batch = new List<TRaw>(BatchSize);
                    if (decoding.Count > inFlight)
                    {
                        rows.AddRange(await decoding.Dequeue().ConfigureAwait(false));
                    }
                }
            }

            decoding.Enqueue(Decode(batch));
            while (decoding.Count > 0)
            {
                rows.AddRange(await decoding.Dequeue().ConfigureAwait(false));
            }

            return rows;
        }
        catch
        {
            // Let the batches still decoding finish before the failure propagates, their own failures observed.
            await Task.WhenAll(decoding).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            throw;
        }

        Task<List<T>> Decode(List<TRaw> raw) => Task.Run(() => raw.ConvertAll(row => decode(row)), cancellationToken);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
