using Hotline.Core;
using Hotline.Geo;
using Hotline.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Hotline.Storage.Tests;

/// <summary>The conformance suite on the embedded SQLite store, over a fresh file per test.</summary>
public sealed class SqliteAirspaceStoreTests : AirspaceStoreConformanceTests
{
    private readonly string _folder = Directory.CreateTempSubdirectory("hotline-store-").FullName;

    private string DatabasePath => Path.Combine(_folder, "hotline.db");

    protected override async Task<IAirspaceStore> OpenAsync() => await SqliteAirspaceStore.OpenAsync(DatabasePath, CancellationToken.None);

    public override Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task TheDatabaseRunsInWalModeWithFullSynchronousCommits()
    {
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync([new PartySaved(new Party(1, "p", DateTimeOffset.UnixEpoch))], CancellationToken.None);
        }

        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task ARowWhoseExtentsCannotBeReadFailsTheLoadAmongThousandsOfGoodOnes()
    {
        var now = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var volume = new Volume4D(CircleFootprint.Create(35, 38, 100), new AltitudeBand(0, 10), new TimeWindow(now, now.AddHours(1)));
        var reservations = Enumerable.Range(0, 5_000).Select(i => new Reservation(Guid.CreateVersion7(now.AddTicks(i)), 1, [volume], ReservationState.Accepted, 1, null, null, now)).ToList();
        await using (var store = await OpenAsync())
        {
            await store.CommitAsync([new PartySaved(new Party(1, "p", now)), .. reservations.Select(r => new ReservationSaved(r))], CancellationToken.None);
        }

        await ExecuteAsync(DatabasePath, $"UPDATE reservations SET extents = '[{{\"footprint\": 7}}]' WHERE id = '{reservations[3_000].Id}'");

        await using var reopened = await OpenAsync();
        // The decoder's own error, as reading row by row would give it (not wrapped, not lost in another thread).
        await Assert.ThrowsAsync<GeometryException>(() => reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None));
    }

    [Fact]
    public async Task AStoreOfAnotherSchemaVersionIsRefusedWithAClearMessage()
    {
        await (await OpenAsync()).DisposeAsync();
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE meta SET value = '99' WHERE key = 'schema_version'";
            await command.ExecuteNonQueryAsync();
        }

        var e = await Assert.ThrowsAsync<InvalidOperationException>(OpenAsync);
        Assert.EndsWith("schema version 99; this Hotline reads version 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANewerDatabaseIsRefusedBeforeAnythingInItChanges()
    {
        await ExecuteAsync(DatabasePath, """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO meta (key, value) VALUES ('schema_version', '4');
            """);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(OpenAsync);

        Assert.EndsWith("schema version 4; this Hotline reads version 3", e.Message, StringComparison.Ordinal);
        Assert.Equal(["meta"], await QueryAsync(DatabasePath, "SELECT name FROM sqlite_master WHERE type = 'table'"));
        Assert.Equal(["4"], await QueryAsync(DatabasePath, "SELECT value FROM meta WHERE key = 'schema_version'"));
    }

    [Fact]
    public async Task AVersion2DatabaseOpensAsVersion3WithEverythingInItKept()
    {
        await ExecuteAsync(DatabasePath, Version2Schema + Version2Rows);

        await using (var store = await OpenAsync())
        {
            var snapshot = await store.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None);
            Assert.Equal([new Party(1, "coalition", At(0))], snapshot.Parties);
            Assert.Equal([new Credential(new string('b', 64), Role.Party, 1, At(0))], snapshot.Credentials);
            var reservation = Assert.Single(snapshot.Reservations);
            Assert.Equal(
                new Reservation(Version2ReservationId, 1, [], ReservationState.Activated, 3, "VIPER11", "private note", At(5)),
                reservation with { Extents = [] });
            Assert.Equal("", reservation.Ovn);
            Assert.Null(reservation.UssBaseUrl);
            Assert.Null(reservation.SubscriptionId);
            var extent = Assert.Single(reservation.Extents);
            Assert.Equal(Version2Circle, GeoJson.Write(extent.Footprint));
            Assert.Equal((new AltitudeBand(0, 120.5), new TimeWindow(At(0), At(60))), (extent.Altitude, extent.Time));
            var constraint = Assert.Single(snapshot.Constraints);
            Assert.Equal(new Constraint(Version2ConstraintId, 1, [], 2, At(1)), constraint with { Extents = [] });
            Assert.Equal("", constraint.Ovn);
            Assert.Null(constraint.UssBaseUrl);
            Assert.Equal(Version2Polygon, GeoJson.Write(Assert.Single(constraint.Extents).Footprint));
            Assert.Single(snapshot.LeafHashes);
            Assert.Equal(new byte[] { 0x65, 0x00, 0x01 }, Assert.Single(await store.ReadLogEntriesAsync(0, 10, CancellationToken.None)));
            Assert.Empty(snapshot.Subscriptions);
            Assert.Empty(snapshot.UssAvailabilities);

            // The new columns and tables take writes.
            var subscription = new Subscription(Guid.CreateVersion7(At(0)), 1, reservation.Extents, "https://uss.example", true, true, true, 1, 0, At(0));
            await store.CommitAsync(
                [
                    new SubscriptionSaved(subscription),
                    new ReservationSaved(reservation with { Version = 4, Ovn = "ovn-4", UssBaseUrl = "https://uss.example", SubscriptionId = subscription.Id }),
                    new UssAvailabilitySaved(new UssAvailabilityStatus("uss", UssAvailability.Down, 1, At(0))),
                ],
                CancellationToken.None);
        }

        Assert.Equal(["3"], await QueryAsync(DatabasePath, "SELECT value FROM meta WHERE key = 'schema_version'"));
        await using var reopened = await OpenAsync();
        var upgraded = await reopened.LoadAsync(DateTimeOffset.MinValue, CancellationToken.None);
        Assert.Equal("ovn-4", Assert.Single(upgraded.Reservations).Ovn);
        Assert.Single(upgraded.Subscriptions);
        Assert.Single(upgraded.UssAvailabilities);
    }

    [Fact]
    public async Task AnUpgradedDatabaseHasExactlyTheTablesAndColumnsOfANewOne()
    {
        await ExecuteAsync(DatabasePath, Version2Schema + Version2Rows);
        await (await OpenAsync()).DisposeAsync();
        var newPath = Path.Combine(_folder, "new.db");
        await (await SqliteAirspaceStore.OpenAsync(newPath, CancellationToken.None)).DisposeAsync();

        var upgraded = await DescribeSchemaAsync(DatabasePath);
        Assert.Equal(await DescribeSchemaAsync(newPath), upgraded);
        Assert.Contains("reservations.ovn TEXT 1 '' 0", upgraded);
        Assert.Contains("constraints.uss_base_url TEXT 0 NULL 0", upgraded);
        Assert.Contains("subscriptions.area TEXT 1 NULL 0", upgraded);
        Assert.Contains("uss_availability.uss TEXT 0 NULL 1", upgraded);
    }

    [Fact]
    public async Task AnUpgradeThatFailsLeavesTheVersion2DatabaseAsItWas()
    {
        // An index already named like a new table: creating the table fails after the columns were added.
        await ExecuteAsync(DatabasePath, Version2Schema + Version2Rows + "CREATE INDEX subscriptions ON parties (created_at);");
        var before = await DescribeSchemaAsync(DatabasePath);

        var e = await Assert.ThrowsAsync<SqliteException>(OpenAsync);
        Assert.Contains("subscriptions", e.Message, StringComparison.Ordinal);

        Assert.Equal(before, await DescribeSchemaAsync(DatabasePath));
        Assert.DoesNotContain(before, column => column.StartsWith("reservations.ovn ", StringComparison.Ordinal));
        Assert.Equal(["2"], await QueryAsync(DatabasePath, "SELECT value FROM meta WHERE key = 'schema_version'"));
        Assert.Equal(["1"], await QueryAsync(DatabasePath, "SELECT COUNT(*) FROM reservations"));
    }

    /// <summary>The schema of version 2, exactly as the store created it before version 3
    /// (<c>git show 2101200~1:src/Hotline.Storage.Sqlite/SqliteAirspaceStore.cs</c>).</summary>
    private const string Version2Schema = """
        PRAGMA journal_mode = WAL;
        PRAGMA synchronous = FULL;
        PRAGMA foreign_keys = ON;
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS parties (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, created_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS credentials (secret_hash TEXT PRIMARY KEY, role TEXT NOT NULL, party_id INTEGER REFERENCES parties(id), created_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS reservations (id TEXT PRIMARY KEY, owner INTEGER NOT NULL REFERENCES parties(id), state TEXT NOT NULL,
            version INTEGER NOT NULL, call_sign TEXT, notes TEXT, updated_at INTEGER NOT NULL, extents TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS constraints (id TEXT PRIMARY KEY, owner INTEGER NOT NULL REFERENCES parties(id), version INTEGER NOT NULL,
            updated_at INTEGER NOT NULL, extents TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS party_keys (key_id TEXT PRIMARY KEY, party_id INTEGER NOT NULL, public_key BLOB NOT NULL, added_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS log_entries (idx INTEGER PRIMARY KEY, entry BLOB NOT NULL, leaf BLOB NOT NULL, recorded_at INTEGER NOT NULL,
            nonce TEXT NOT NULL, body BLOB NOT NULL);
        CREATE INDEX IF NOT EXISTS log_entries_recorded_at ON log_entries (recorded_at);
        CREATE TABLE IF NOT EXISTS line_messages (id TEXT PRIMARY KEY, message TEXT NOT NULL, status TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS line_standings (party INTEGER PRIMARY KEY, standing TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS line_events (id INTEGER PRIMARY KEY, recipient INTEGER, event TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS line_events_recipient ON line_events (recipient, id);
        INSERT INTO meta (key, value) VALUES ('schema_version', '2') ON CONFLICT (key) DO NOTHING;
        -- Version 1 had no keys and no log: the tables above are all it lacks, and its log starts empty.
        UPDATE meta SET value = '2' WHERE key = 'schema_version' AND value = '1';

        """;

    private static readonly Guid Version2ReservationId = Guid.Parse("01920000-0000-7000-8000-000000000001");

    private static readonly Guid Version2ConstraintId = Guid.Parse("01920000-0000-7000-8000-000000000002");

    private const string Version2Circle = """{"type":"Feature","geometry":{"type":"Point","coordinates":[38.5,36.25]},"properties":{"radius":500}}""";

    private const string Version2Polygon = """{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[38,36],[38.1,36],[38.1,36.1],[38,36.1],[38,36]]]},"properties":{}}""";

    /// <summary>A party, its credential, a reservation, a constraint and a log entry, as version 2 stored them (times
    /// are UTC ticks from 2030-01-01 09:00).</summary>
    private const string Version2Rows = $$"""
        INSERT INTO parties (id, name, created_at) VALUES (1, 'coalition', 640290852000000000);
        INSERT INTO credentials (secret_hash, role, party_id, created_at) VALUES ('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'Party', 1, 640290852000000000);
        INSERT INTO reservations (id, owner, state, version, call_sign, notes, updated_at, extents)
        VALUES ('01920000-0000-7000-8000-000000000001', 1, 'Activated', 3, 'VIPER11', 'private note', 640290855000000000,
            '[{"footprint":{{Version2Circle}},"lower":0,"upper":120.5,"start":640290852000000000,"end":640290888000000000}]');
        INSERT INTO constraints (id, owner, version, updated_at, extents)
        VALUES ('01920000-0000-7000-8000-000000000002', 1, 2, 640290852600000000,
            '[{"footprint":{{Version2Polygon}},"lower":10,"upper":20,"start":640290852000000000,"end":640290888000000000}]');
        INSERT INTO log_entries (idx, entry, leaf, recorded_at, nonce, body)
        VALUES (0, x'650001', zeroblob(32), 640290852000000000, '01920000-0000-7000-8000-000000000003', x'7b7d');

        """;

    /// <summary>2030-01-01 09:00 UTC plus <paramref name="minutes"/>.</summary>
    private static DateTimeOffset At(int minutes) => new DateTimeOffset(2030, 1, 1, 9, 0, 0, TimeSpan.Zero).AddMinutes(minutes);

    /// <summary>Every table's columns (name, type, not null, default, key) and every index, one line each, sorted.</summary>
    private static async Task<List<string>> DescribeSchemaAsync(string path) => await QueryAsync(path, """
        SELECT m.name || '.' || c.name || ' ' || c.type || ' ' || c."notnull" || ' ' || COALESCE(c.dflt_value, 'NULL') || ' ' || c.pk
        FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS c WHERE m.type = 'table'
        UNION ALL
        SELECT 'index ' || name || ' on ' || tbl_name FROM sqlite_master WHERE type = 'index'
        ORDER BY 1
        """);

    private static async Task ExecuteAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<string>> QueryAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return rows;
    }
}
