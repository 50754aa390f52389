using System.CommandLine;
using Hotline.Ledger;
using Hotline.Server;

namespace Hotline.Cli;

/// <summary><c>hotline witness</c>: run a C2SP tlog-witness that cosigns a Hotline log (or any C2SP log).</summary>
internal static class WitnessCommands
{
    public static Command Create()
    {
        var name = new Option<string>("--name") { Description = "The witness's name (e.g. witness.example.org)", Required = true };
        var output = new Option<string>("--out") { Description = "Where to write the new secret key", DefaultValueFactory = _ => "witness.key" };
        var create = new Command("new", "Create a witness key and print its cosignature verifier key") { name, output };
        create.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(output)!;
            SecretFiles.RefuseExisting(path);

            string secret;
            try
            {
                using var signer = Ed25519NoteSigner.Generate(parse.GetValue(name)!);
                secret = signer.ToString();
            }
            catch (FormatException e)
            {
                throw new CliException($"--name: {e.Message}", 2);
            }

            await SecretFiles.WriteNewAsync(path, secret, ct);
            using var cosigner = Cosigner.Parse(secret);
            Console.WriteLine(cosigner.VerifierKey);
            return 0;
        });

        var key = new Option<string>("--key") { Description = "The witness's secret key file", DefaultValueFactory = _ => "witness.key" };
        var logs = new Option<string[]>("--log") { Description = "Verifier key of a log to witness (or @FILE), repeatable", Required = true, AllowMultipleArgumentsPerToken = true };
        var urls = new Option<string>("--urls") { Description = "Listen address", DefaultValueFactory = _ => "http://127.0.0.1:7880" };
        var data = new Option<string>("--data") { Description = "Folder for the latest cosigned checkpoints", DefaultValueFactory = _ => "witness-data" };
        var serve = new Command("serve", "Cosign checkpoints posted to /add-checkpoint (C2SP tlog-witness)") { key, logs, urls, data };
        serve.SetAction(async (parse, ct) =>
        {
            using var cosigner = ReadCosigner(parse.GetValue(key)!);
            var verifiers = parse.GetValue(logs)!.Select(ReadVerifier).ToList();
            var app = WitnessServer.Build(["--urls", parse.GetValue(urls)!], cosigner, verifiers, parse.GetValue(data)!);
            await using (app)
            {
                await app.StartAsync(ct);
                Console.WriteLine($"witness {cosigner.VerifierKey} listening on {parse.GetValue(urls)}");
                await Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.WaitForShutdownAsync(app, ct);
            }

            return 0;
        });
        return new Command("witness", "Run a witness: cosign a log's checkpoints only while it stays consistent") { create, serve };
    }

    private static Cosigner ReadCosigner(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"{path}: no such key file (create one with `hotline witness new`)", 2);
        }

        try
        {
            return Cosigner.Parse(File.ReadAllText(path).Trim());
        }
        catch (FormatException e)
        {
            throw new CliException($"{path}: {e.Message}", 2);
        }
    }

    private static NoteVerifier ReadVerifier(string text)
    {
        if (text.StartsWith('@'))
        {
            var path = text[1..];
            text = File.Exists(path) ? File.ReadAllText(path).Trim() : throw new CliException($"{path}: no such file", 2);
        }

        try
        {
            return NoteVerifier.Parse(text);
        }
        catch (FormatException e)
        {
            throw new CliException($"--log {text}: {e.Message}", 2);
        }
    }
}
