using System.Net;
using System.Text;
using Hotline.Ledger;
using Microsoft.Extensions.Options;

namespace Hotline.Server;

/// <summary>A signed checkpoint as served: the checkpoint and its note text with the log's signature and every
/// witness cosignature collected for it so far.</summary>
public sealed record PublishedCheckpoint(Checkpoint Checkpoint, string Note)
{
    /// <summary>The names of the witnesses whose cosignatures the note carries.</summary>
    public IReadOnlySet<string> CosignedBy { get; init; } = new HashSet<string>();
}

/// <summary>
/// Integrates the log: at most every <see cref="LogOptions.CheckpointIntervalSeconds"/>, when entries were added,
/// signs a checkpoint of the tree (which holds only committed entries, so a checkpoint never covers a write that
/// could be lost) and publishes it at once; then asks the configured witnesses to cosign it, in the background, and
/// adds each cosignature to the published note as it arrives. A slow or absent witness never holds the log back; one
/// that has not cosigned the latest checkpoint is asked again at the next interval.
/// </summary>
public sealed partial class LogPublisher(
    AirspaceHost host, IOptions<HotlineServerOptions> options, TimeProvider time, ILogger<LogPublisher> logger) : BackgroundService
{
    private static readonly HttpClient WitnessClient = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly Dictionary<string, long> _witnessSizes = [];
    private readonly Dictionary<string, Task> _asking = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _publish = new();
    private Ed25519NoteSigner? _signer;
    private List<(WitnessOptions Options, CosignatureVerifier Verifier)> _witnesses = [];
    private volatile PublishedCheckpoint? _latest;

    /// <summary>The latest published checkpoint, or null before the first.</summary>
    public PublishedCheckpoint? Latest => _latest;

    /// <summary>The log's verifier key (<c>origin+hash+base64</c>), which checks every checkpoint.</summary>
    public string VerifierKey => _signer?.VerifierKey ?? throw new InvalidOperationException("the log is not open yet");

    /// <summary>Where the log's private key is kept.</summary>
    public string KeyPath => Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "log.key");

    /// <inheritdoc />
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value.Log;
        if (File.Exists(KeyPath))
        {
            _signer = Ed25519NoteSigner.Parse((await File.ReadAllTextAsync(KeyPath, cancellationToken)).Trim());
            if (_signer.Name != o.Origin)
            {
                throw new InvalidOperationException($"{KeyPath} is the key of log '{_signer.Name}', but Hotline:Log:Origin is '{o.Origin}'; a log cannot be renamed");
            }
        }
        else
        {
            _signer = Ed25519NoteSigner.Generate(o.Origin);
            await AirspaceHost.WriteSecretAsync(KeyPath, _signer.ToString(), cancellationToken);
            LogNewKey(KeyPath);
        }

        await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(KeyPath)!, "log.pub"), _signer.VerifierKey + "\n", cancellationToken);
        _witnesses = [.. o.Witnesses.Select(w => (w, CosignatureVerifier.Parse(w.VerifierKey)))];
        await PublishAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.Log.CheckpointIntervalSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await PublishAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogPublishFailed(e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await base.StopAsync(cancellationToken);
        Task[] asking;
        lock (_asking)
        {
            asking = [.. _asking.Values];
        }

        await Task.WhenAll(asking).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _stopping.Dispose();
        _signer?.Dispose();
        base.Dispose();
    }

    /// <summary>Signs and publishes a checkpoint of the tree now, when it grew (or when none is published yet), and
    /// asks every witness that has not cosigned the latest checkpoint (and is not being asked already).</summary>
    public Task PublishAsync(CancellationToken cancellationToken)
    {
        if (!host.IsReady || _signer is null)
        {
            return Task.CompletedTask;
        }

        var tree = host.Airspace.Log;
        var size = tree.Size;
        var latest = _latest;
        if (latest is null || latest.Checkpoint.Size != size)
        {
            var checkpoint = new Checkpoint(_signer.Name, size, tree.Root(size));
            latest = new PublishedCheckpoint(checkpoint, SignedNote.Sign(checkpoint.ToString(), _signer));
            lock (_publish)
            {
                _latest = latest;
            }
        }

        foreach (var (witness, verifier) in _witnesses)
        {
            lock (_asking)
            {
                if (latest.CosignedBy.Contains(verifier.Name) || (_asking.TryGetValue(witness.Url, out var running) && !running.IsCompleted))
                {
                    continue;
                }

                var asked = latest;
                _asking[witness.Url] = Task.Run(async () =>
                {
                    if (await CosignAsync(witness, verifier, asked.Checkpoint, asked.Note, tree, _stopping.Token) is { } cosignature)
                    {
                        Attach(asked.Checkpoint, verifier.Name, cosignature);
                    }
                }, CancellationToken.None);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Adds a cosignature to the published note, if it is still the checkpoint cosigned.</summary>
    private void Attach(Checkpoint checkpoint, string witness, NoteSignature cosignature)
    {
        lock (_publish)
        {
            if (_latest is not { } latest || !latest.Checkpoint.Equals(checkpoint) || latest.CosignedBy.Contains(witness))
            {
                return;
            }

            var note = SignedNote.Parse(latest.Note);
            _latest = latest with
            {
                Note = (note with { Signatures = [.. note.Signatures, cosignature] }).Format(),
                CosignedBy = new HashSet<string>(latest.CosignedBy) { witness },
            };
        }
    }

    /// <summary>Asks one witness to cosign (c2sp.org/tlog-witness add-checkpoint), from the size it last cosigned;
    /// null when it does not (it is down, or refuses: then the log is served without its cosignature).</summary>
    private async Task<NoteSignature?> CosignAsync(WitnessOptions witness, CosignatureVerifier verifier, Checkpoint checkpoint, string note, MerkleTree tree, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            long oldSize;
            lock (_witnessSizes)
            {
                oldSize = _witnessSizes.GetValueOrDefault(witness.Url);
            }

            if (oldSize > checkpoint.Size)
            {
                LogWitnessAhead(witness.Url, oldSize, checkpoint.Size);
                return null;
            }

            var proof = oldSize == 0 ? [] : tree.ConsistencyProof(oldSize, checkpoint.Size);
            var body = new AddCheckpointRequest(oldSize, proof, note).Format();
            try
            {
                using var content = new StringContent(body, Encoding.UTF8, "text/plain");
                using var response = await WitnessClient.PostAsync(new Uri(witness.Url.TrimEnd('/') + "/add-checkpoint"), content, cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.StatusCode == HttpStatusCode.Conflict && long.TryParse(text.Trim(), out var held))
                {
                    lock (_witnessSizes)
                    {
                        _witnessSizes[witness.Url] = held;
                    }

                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    LogWitnessRefused(witness.Url, (int)response.StatusCode, text.Trim());
                    return null;
                }

                foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    var signature = NoteSignature.ParseLine(line + "\n");
                    if (signature.KeyId == verifier.KeyId && signature.Name == verifier.Name
                        && verifier.TryVerify(Encoding.UTF8.GetBytes(checkpoint.ToString()), signature.Signature, out _))
                    {
                        lock (_witnessSizes)
                        {
                            _witnessSizes[witness.Url] = checkpoint.Size;
                        }

                        return signature;
                    }
                }

                LogWitnessRefused(witness.Url, (int)response.StatusCode, "no valid cosignature in the answer");
                return null;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or FormatException)
            {
                LogWitnessRefused(witness.Url, 0, e.Message);
                return null;
            }
        }

        return null;
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "First start of the log: its private key is in {Path} (keep it secret; log.pub beside it is public)")]
    private partial void LogNewKey(string path);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Publishing a checkpoint failed; retrying at the next interval")]
    private partial void LogPublishFailed(Exception exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Witness {Url} did not cosign ({Status}): {Reason}")]
    private partial void LogWitnessRefused(string url, int status, string reason);

    [LoggerMessage(EventId = 13, Level = LogLevel.Critical, Message = "Witness {Url} holds a checkpoint of size {Held}, larger than this log's {Size}: the log was rolled back")]
    private partial void LogWitnessAhead(string url, long held, long size);
}
