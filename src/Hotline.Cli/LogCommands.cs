using System.CommandLine;
using System.Globalization;
using System.Net;
using Hotline.Ledger;

namespace Hotline.Cli;

/// <summary>
/// <c>hotline log</c>: check the transparency log without trusting the server. Fetch and verify checkpoints (keeping
/// the last one seen, to catch a rollback or a fork), mirror any C2SP tlog-tiles log, audit a mirror end to end, and
/// fetch and verify proof bundles. Verification failures exit 1; usage and input errors exit 2.
/// </summary>
internal static class LogCommands
{
    private const string CheckpointFile = "checkpoint";

    public static Command Create() => new("log", "The transparency log: checkpoints, proofs, mirroring and auditing")
    {
        CheckpointCommand(),
        VerifyCheckpointCommand(),
        VerifyProofCommand(),
        MirrorCommand(),
        AuditCommand(),
        ProofCommand(),
    };

    private static Option<string> LogKeyOption() => new("--log-key")
    {
        Description = "The log's verifier key, or @FILE (e.g. @data/log.pub); check it out of band",
        Required = true,
    };

    private static Option<string[]> WitnessKeyOption() => new("--witness-key")
    {
        Description = "A witness's cosignature verifier key, or @FILE (repeatable)",
        AllowMultipleArgumentsPerToken = true,
    };

    private static Option<string?> ServerOption() => new("--server")
    {
        Description = "Hotline server URL (default $HOTLINE_SERVER or " + Commands.DefaultServer + "); the log is at /log",
    };

    private static Command CheckpointCommand()
    {
        var logKey = LogKeyOption();
        var witnessKeys = WitnessKeyOption();
        var server = ServerOption();
        var save = new Option<string?>("--save")
        {
            Description = "Keep the checkpoint in FILE; when FILE holds one already, the new one must extend it",
        };
        var command = new Command("checkpoint", "Fetch the latest checkpoint, verify it and print it") { logKey, witnessKeys, server, save };
        command.SetAction(async (parse, ct) =>
        {
            var keys = LogKeys(parse.GetValue(logKey)!);
            var witnesses = WitnessKeys(parse.GetValue(witnessKeys));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var logUrl = LogUrl(ServerUrl(parse, server));
            var note = await GetTextAsync(http, new Uri(logUrl, CheckpointFile), ct);
            var verified = Verify(() => LightClient.VerifyCheckpoint(note, keys, witnesses));
            Print(verified);

            if (parse.GetValue(save) is { } path)
            {
                if (System.IO.File.Exists(path))
                {
                    var previous = Verify(() => LightClient.VerifyCheckpoint(System.IO.File.ReadAllText(path), keys), $"{path}: ").Checkpoint;
                    IReadOnlyList<Hash> proof = [];
                    if (LightClient.NeedsConsistencyProof(previous, verified.Checkpoint))
                    {
                        var query = string.Create(CultureInfo.InvariantCulture, $"consistency?from={previous.Size}&to={verified.Checkpoint.Size}");
                        proof = ParseHashes(await GetTextAsync(http, new Uri(logUrl, query), ct));
                    }

                    try
                    {
                        LightClient.VerifyExtends(previous, verified.Checkpoint, proof);
                    }
                    catch (VerificationException e)
                    {
                        throw new CliException($"rollback or fork: {e.Message} (kept {path} unchanged)", 1);
                    }

                    Console.WriteLine($"consistent with {path} (size {previous.Size})");
                }

                await WriteAtomicallyAsync(path, System.Text.Encoding.UTF8.GetBytes(note), ct);
                Console.WriteLine($"saved {path}");
            }

            return 0;
        });
        return command;
    }

    private static Command VerifyCheckpointCommand()
    {
        var file = new Argument<string>("file") { Description = "A signed checkpoint note" };
        var logKey = LogKeyOption();
        var witnessKeys = WitnessKeyOption();
        var command = new Command("verify-checkpoint", "Verify a checkpoint file offline and print it") { file, logKey, witnessKeys };
        command.SetAction(parse =>
        {
            var keys = LogKeys(parse.GetValue(logKey)!);
            var witnesses = WitnessKeys(parse.GetValue(witnessKeys));
            var note = ReadText(parse.GetValue(file)!);
            Print(Verify(() => LightClient.VerifyCheckpoint(note, keys, witnesses)));
            return 0;
        });
        return command;
    }

    private static Command VerifyProofCommand()
    {
        var file = new Argument<string>("bundle") { Description = "A C2SP tlog-proof bundle (from `hotline log proof`)" };
        var logKey = LogKeyOption();
        var witnessKeys = WitnessKeyOption();
        var entry = new Option<string?>("--entry") { Description = "File holding the entry's exact bytes" };
        var leafHash = new Option<string?>("--leaf-hash") { Description = "The entry's leaf hash, base64 (SHA-256 of 0x00 || entry)" };
        var command = new Command("verify-proof", "Verify offline that an entry is in the log") { file, logKey, witnessKeys, entry, leafHash };
        command.SetAction(parse =>
        {
            var keys = LogKeys(parse.GetValue(logKey)!);
            var witnesses = WitnessKeys(parse.GetValue(witnessKeys));
            var bundle = ReadText(parse.GetValue(file)!);
            var (entryFile, hashText) = (parse.GetValue(entry), parse.GetValue(leafHash));
            if ((entryFile is null) == (hashText is null))
            {
                throw new CliException("give exactly one of --entry FILE and --leaf-hash B64", 2);
            }

            Hash leaf;
            if (entryFile is not null)
            {
                leaf = Rfc9162.LeafHash(ReadBytes(entryFile));
            }
            else
            {
                try
                {
                    leaf = Hash.FromBase64(hashText!);
                }
                catch (FormatException e)
                {
                    throw new CliException($"--leaf-hash {hashText}: {e.Message}", 2);
                }
            }

            var (proof, verified) = Verify(() => LightClient.VerifyLeafProof(bundle, leaf, keys, witnesses), "proof does not verify: ");
            var checkpoint = verified.Checkpoint;
            Console.WriteLine($"entry {proof.Index} is in {checkpoint.Origin} at size {checkpoint.Size} (root {checkpoint.Root.ToBase64()})");
            foreach (var cosigner in verified.Cosigners)
            {
                Console.WriteLine($"cosigned-by {cosigner}");
            }

            return 0;
        });
        return command;
    }

    private static Command MirrorCommand()
    {
        var url = new Argument<string>("url") { Description = "The log's prefix URL (e.g. http://127.0.0.1:7878/log); any C2SP tlog-tiles log" };
        var dir = new Argument<string>("dir") { Description = "The mirror folder (tlog-tiles layout: DIR/checkpoint, DIR/tile/...)" };
        var command = new Command("mirror", "Download the checkpoint and every tile and entry bundle of its size; full tiles already present are kept") { url, dir };
        command.SetAction(async (parse, ct) =>
        {
            var logUrl = LogPrefix(parse.GetValue(url)!);
            var folder = parse.GetValue(dir)!;
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            var note = await GetTextAsync(http, new Uri(logUrl, CheckpointFile), ct);
            Checkpoint checkpoint;
            try
            {
                checkpoint = Checkpoint.Parse(SignedNote.Parse(note).Text);
            }
            catch (Exception e) when (e is NoteException or FormatException)
            {
                throw new CliException($"{new Uri(logUrl, CheckpointFile)}: {e.Message}", 1);
            }

            var tiles = TreeTiles.EntryBundles(checkpoint.Size).Concat(TreeTiles.HashTiles(checkpoint.Size)).ToList();
            var fetched = 0;
            await Parallel.ForEachAsync(tiles, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (tile, token) =>
            {
                var path = Path.Combine(folder, tile.ToString());
                if (tile.IsFull && System.IO.File.Exists(path))
                {
                    return;
                }

                await WriteAtomicallyAsync(path, await GetTileAsync(http, logUrl, tile, token), token);
                Interlocked.Increment(ref fetched);
            });

            // Last, so that a mirror's checkpoint never names tiles the mirror lacks.
            await WriteAtomicallyAsync(Path.Combine(folder, CheckpointFile), System.Text.Encoding.UTF8.GetBytes(note), ct);
            Console.WriteLine($"mirrored {checkpoint.Origin} size {checkpoint.Size} into {folder}: {fetched} tile(s) fetched, {tiles.Count - fetched} already present");
            return 0;
        });
        return command;
    }

    private static Command AuditCommand()
    {
        var dir = new Argument<string>("dir") { Description = "A mirror folder (from `hotline log mirror`)" };
        var logKey = LogKeyOption();
        var witnessKeys = WitnessKeyOption();
        var seen = new Option<string?>("--seen")
        {
            Description = "The last checkpoint you saw (e.g. from `log checkpoint --save`): the log must extend it; updated when the audit passes",
        };
        var command = new Command("audit", "Audit a mirror: signatures, every entry and tile, the root, consistency, and Hotline entry signatures") { dir, logKey, witnessKeys, seen };
        command.SetAction(async (parse, ct) =>
        {
            var keys = LogKeys(parse.GetValue(logKey)!);
            var witnesses = WitnessKeys(parse.GetValue(witnessKeys));
            var folder = parse.GetValue(dir)!;
            var note = ReadText(Path.Combine(folder, CheckpointFile));
            var seenPath = parse.GetValue(seen);
            var previous = seenPath is not null && System.IO.File.Exists(seenPath) ? ReadText(seenPath) : null;
            var report = LogAuditor.Audit(new AuditInput(keys, note, tile =>
            {
                var path = Path.Combine(folder, tile.ToString());
                return System.IO.File.Exists(path) ? System.IO.File.ReadAllBytes(path) : null;
            })
            {
                Witnesses = witnesses,
                PreviousCheckpoint = previous,
            });

            if (report.Checkpoint is { } checkpoint)
            {
                Console.WriteLine($"origin {checkpoint.Origin}");
                Console.WriteLine($"size {checkpoint.Size}");
                Console.WriteLine($"root {checkpoint.Root.ToBase64()}");
                Console.WriteLine($"entries {report.Entries} ({(report.HotlineEntries ? "Hotline entries: encodings and signatures checked" : "opaque entries")})");
            }

            foreach (var cosigner in report.Cosigners)
            {
                Console.WriteLine($"cosigned-by {cosigner}");
            }

            foreach (var warning in report.Warnings)
            {
                Console.WriteLine($"warning: {warning}");
            }

            if (!report.IsClean)
            {
                foreach (var error in report.Errors)
                {
                    await Console.Error.WriteLineAsync($"hotline: audit failed: {error}");
                }

                return 1;
            }

            if (seenPath is not null)
            {
                await WriteAtomicallyAsync(seenPath, System.Text.Encoding.UTF8.GetBytes(note), ct);
                Console.WriteLine(previous is null ? $"saved {seenPath}" : $"consistent with {seenPath}; updated it");
            }

            Console.WriteLine("audit passed");
            return 0;
        });
        return command;
    }

    private static Command ProofCommand()
    {
        var index = new Argument<long>("index") { Description = "The entry's index in the log" };
        var server = ServerOption();
        var output = new Option<string?>("--out") { Description = "Write the bundle to FILE instead of standard output" };
        var command = new Command("proof", "Fetch the C2SP tlog-proof bundle of an entry (verify it with `log verify-proof`)") { index, server, output };
        command.SetAction(async (parse, ct) =>
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var at = parse.GetValue(index).ToString(CultureInfo.InvariantCulture);
            var bundle = await GetTextAsync(http, new Uri(LogUrl(ServerUrl(parse, server)), $"proof/{at}"), ct);
            if (parse.GetValue(output) is { } path)
            {
                await WriteAtomicallyAsync(path, System.Text.Encoding.UTF8.GetBytes(bundle), ct);
                Console.WriteLine($"wrote {path}");
            }
            else
            {
                Console.Write(bundle);
            }

            return 0;
        });
        return command;
    }

    private static void Print(VerifiedCheckpoint verified)
    {
        Console.WriteLine($"origin {verified.Checkpoint.Origin}");
        Console.WriteLine($"size {verified.Checkpoint.Size}");
        Console.WriteLine($"root {verified.Checkpoint.Root.ToBase64()}");
        foreach (var cosigner in verified.Cosigners)
        {
            Console.WriteLine($"cosigned-by {cosigner}");
        }
    }

    private static T Verify<T>(Func<T> verify, string prefix = "")
    {
        try
        {
            return verify();
        }
        catch (VerificationException e)
        {
            throw new CliException(prefix + e.Message, 1);
        }
    }

    /// <summary>The tile, or for a partial tile the server no longer has, the prefix of the full tile (as C2SP allows).</summary>
    private static async Task<byte[]> GetTileAsync(HttpClient http, Uri logUrl, TilePath tile, CancellationToken ct)
    {
        var bytes = await GetBytesAsync(http, new Uri(logUrl, tile.ToString()), allowNotFound: !tile.IsFull, ct);
        if (bytes is not null)
        {
            return bytes;
        }

        var fullTile = new TilePath(tile.IsEntries, tile.Level, tile.Index, TilePath.FullWidth);
        var full = await GetBytesAsync(http, new Uri(logUrl, fullTile.ToString()), allowNotFound: false, ct);
        if (!tile.IsEntries)
        {
            return full![..(tile.Width * Hash.Size)];
        }

        try
        {
            return EntryBundle.Encode([.. EntryBundle.Decode(full!, TilePath.FullWidth).Take(tile.Width).Select(e => (ReadOnlyMemory<byte>)e)]);
        }
        catch (FormatException e)
        {
            throw new CliException($"{fullTile}: {e.Message}", 1);
        }
    }

    private static async Task<string> GetTextAsync(HttpClient http, Uri url, CancellationToken ct) =>
        System.Text.Encoding.UTF8.GetString((await GetBytesAsync(http, url, allowNotFound: false, ct))!);

    private static async Task<byte[]?> GetBytesAsync(HttpClient http, Uri url, bool allowNotFound, CancellationToken ct)
    {
        using var response = await http.GetAsync(url, ct);
        if (allowNotFound && response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new CliException($"GET {url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}", 1);
        }

        return await response.Content.ReadAsByteArrayAsync(ct);
    }

    private static List<Hash> ParseHashes(string text)
    {
        try
        {
            return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Hash.FromBase64)];
        }
        catch (FormatException e)
        {
            throw new CliException($"consistency proof: {e.Message}", 1);
        }
    }

    private static async Task WriteAtomicallyAsync(string path, byte[] bytes, CancellationToken ct)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        await System.IO.File.WriteAllBytesAsync(temporary, bytes, ct);
        System.IO.File.Move(temporary, path, overwrite: true);
    }

    private static string ReadText(string path) =>
        System.IO.File.Exists(path) ? System.IO.File.ReadAllText(path) : throw new CliException($"{path}: no such file", 2);

    private static byte[] ReadBytes(string path) =>
        System.IO.File.Exists(path) ? System.IO.File.ReadAllBytes(path) : throw new CliException($"{path}: no such file", 2);

    private static string KeyText(string text) =>
        text.StartsWith('@') ? ReadText(text[1..]).Trim() : text;

    private static NoteVerifier[] LogKeys(string text)
    {
        var key = KeyText(text);
        try
        {
            return [NoteVerifier.Parse(key)];
        }
        catch (FormatException e)
        {
            throw new CliException($"--log-key {text}: {e.Message}", 2);
        }
    }

    private static CosignatureVerifier[] WitnessKeys(string[]? texts) =>
        [.. (texts ?? []).Select(text =>
        {
            try
            {
                return CosignatureVerifier.Parse(KeyText(text));
            }
            catch (FormatException e)
            {
                throw new CliException($"--witness-key {text}: {e.Message}", 2);
            }
        })];

    /// <summary>This command's --server, else the one given before the subcommand, else $HOTLINE_SERVER, else the default.</summary>
    private static string ServerUrl(ParseResult parse, Option<string?> local)
    {
        var root = parse.RootCommandResult.Command.Options.OfType<Option<string>>().FirstOrDefault(o => o.Name == "--server");
        return parse.GetValue(local)
            ?? (root is null ? null : parse.GetValue(root))
            ?? Environment.GetEnvironmentVariable("HOTLINE_SERVER")
            ?? Commands.DefaultServer;
    }

    private static Uri LogUrl(string server) => LogPrefix(server.TrimEnd('/') + "/log");

    private static Uri LogPrefix(string url) =>
        Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new CliException($"{url}: not an http(s) URL", 2);
}
