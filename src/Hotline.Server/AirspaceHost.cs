using Hotline.Core;
using Hotline.Geo;
using Hotline.Ledger;
using Hotline.Storage.Sqlite;
using Microsoft.Extensions.Options;

namespace Hotline.Server;

/// <summary>Opens the airspace (store, state, conflict index) when the host starts and closes it when it stops.</summary>
public sealed partial class AirspaceHost(IOptions<HotlineServerOptions> options, TimeProvider time, ILogger<AirspaceHost> logger) : IHostedService
{
    private Airspace? _airspace;
    private PartySigningKey? _operatorKey;

    /// <summary>The open airspace; throws before start-up has finished.</summary>
    public Airspace Airspace => _airspace ?? throw new InvalidOperationException("the airspace is not open yet");

    /// <summary>The deployment's settings.</summary>
    public HotlineServerOptions Options => options.Value;

    /// <summary>True once the airspace is open and its store has not failed.</summary>
    public bool IsReady => _airspace is { Failure: null };

    /// <summary>Where the operator's credential is written on first start.</summary>
    public string OperatorCredentialPath => Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "operator.token");

    /// <summary>Where the operator's signing key (base64 Ed25519 seed) is kept: the CLI signs operator requests with it.</summary>
    public string OperatorKeyPath => Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "operator.key");

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var directory = Path.GetFullPath(o.DataDirectory);
        Directory.CreateDirectory(directory);
        var store = await SqliteAirspaceStore.OpenAsync(Path.Combine(directory, "hotline.db"), cancellationToken);
        var rules = new AirspaceOptions
        {
            Separation = new Separation(o.LateralSeparationMeters, o.VerticalSeparationMeters, TimeSpan.FromSeconds(o.TimeSeparationSeconds)),
            FootprintLimits = new FootprintLimits(o.MaxFootprintRadiusMeters),
        };
        var airspace = await Airspace.OpenAsync(store, rules, time, cancellationToken);
        // A missing token file (first start, or lost before it was written) gets a fresh operator credential.
        if (await airspace.EnsureOperatorCredentialAsync(!File.Exists(OperatorCredentialPath), cancellationToken) is { } secret)
        {
            await WriteSecretAsync(OperatorCredentialPath, secret, cancellationToken);
            LogOperatorCredential(OperatorCredentialPath);
        }

        // The operator signs its requests like any party; its key is registered, self-signed, as the log's first entry
        // (or again when the key file was lost).
        PartySigningKey operatorKey;
        if (File.Exists(OperatorKeyPath))
        {
            operatorKey = PartySigningKey.FromSeed(await File.ReadAllTextAsync(OperatorKeyPath, cancellationToken));
        }
        else
        {
            operatorKey = PartySigningKey.Generate();
            await WriteSecretAsync(OperatorKeyPath, operatorKey.ExportSeed(), cancellationToken);
        }

        await airspace.EnsureOperatorKeyAsync(operatorKey, cancellationToken);
        // The line records what it does on its own (escalations, lines down) signed with the operator's key.
        _operatorKey = operatorKey;
        airspace.UseSystemKey(operatorKey);
        var line = o.Line;
        airspace.UseLineOptions(new LineOptions
        {
            DeconflictionDeadline = TimeSpan.FromSeconds(line.DeconflictionDeadlineSeconds),
            EmergencyDeadline = TimeSpan.FromSeconds(line.EmergencyDeadlineSeconds),
            LineCheckDeadline = TimeSpan.FromSeconds(line.LineCheckDeadlineSeconds),
            MissedChecksForDown = line.MissedChecksForDown,
            MaxEscalations = line.MaxEscalations,
            DisclosurePolicy = Enum.TryParse<DisclosurePolicy>(line.DisclosurePolicy, out var policy) && Enum.IsDefined(policy)
                ? policy
                : throw new InvalidOperationException($"Hotline:Line:DisclosurePolicy '{line.DisclosurePolicy}': use RequireFlag or Block"),
        });

        _airspace = airspace;
        LogOpened(directory, airspace.LiveReservationCount);
    }

    /// <summary>Writes the secret to a new file readable by the owner only (never briefly by others), durably, and
    /// moves it into place.</summary>
    internal static async Task WriteSecretAsync(string path, string secret, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        File.Delete(temporary);
        await using (var stream = new FileStream(temporary, options))
        {
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(secret + "\n"), cancellationToken);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_airspace is { } airspace)
        {
            _airspace = null;
            await airspace.DisposeAsync();
        }

        _operatorKey?.Dispose();
        _operatorKey = null;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Airspace open in {Directory} with {Reservations} live reservations")]
    private partial void LogOpened(string directory, int reservations);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "First start: the operator's credential is in {Path} (keep it secret)")]
    private partial void LogOperatorCredential(string path);
}
