using Hotline.Core;
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
        Assert.EndsWith("schema version 99; this Hotline reads version 2", e.Message, StringComparison.Ordinal);
    }
}
