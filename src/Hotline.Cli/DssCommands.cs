using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using Hotline.Server;

namespace Hotline.Cli;

/// <summary>
/// <c>hotline dss</c>: a development token authority for the F3548 DSS API, like InterUSS's dummy OAuth, so that the
/// API can be tried and tested without a real one. Production deployments configure their authority's public keys.
/// </summary>
internal static class DssCommands
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Where to write the authority's private key (PEM)", DefaultValueFactory = _ => "dss-authority.key" };
        var publicOut = new Option<string>("--public") { Description = "Where to write its public key (PEM), for Hotline:Dss:PublicKeyFiles", DefaultValueFactory = _ => "dss-authority.pem" };
        var create = new Command("authority", "Create a development token authority (an RSA key pair) for the DSS API") { output, publicOut };
        create.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(output)!;
            var pub = parse.GetValue(publicOut)!;
            SecretFiles.RefuseExisting(path);
            using var rsa = RSA.Create(2048);
            await SecretFiles.WriteNewAsync(path, rsa.ExportPkcs8PrivateKeyPem(), ct);

            await File.WriteAllTextAsync(pub, rsa.ExportSubjectPublicKeyInfoPem(), ct);
            Console.WriteLine($"serve with: --Hotline:Dss:Audiences:0 localhost --Hotline:Dss:PublicKeyFiles:0 {Path.GetFullPath(pub)}");
            return 0;
        });

        var authority = new Option<string>("--authority") { Description = "The authority's private key (from `hotline dss authority`)", DefaultValueFactory = _ => "dss-authority.key" };
        var subject = new Option<string>("--sub") { Description = "The USS the token is for (its party's name)", Required = true };
        var scope = new Option<string>("--scope") { Description = "Space-separated scopes", DefaultValueFactory = _ => DevTokens.AllScopes };
        var audience = new Option<string>("--aud") { Description = "The DSS host name", DefaultValueFactory = _ => "localhost" };
        var issuer = new Option<string>("--iss") { Description = "The issuer", DefaultValueFactory = _ => "hotline-dev-authority" };
        var hours = new Option<double>("--hours") { Description = "How long the token is valid", DefaultValueFactory = _ => 1 };
        var token = new Command("token", "Mint an RS256 access token (aud, iss, sub, scope, exp), as F3548 test tools do") { authority, subject, scope, audience, issuer, hours };
        token.SetAction(async (parse, ct) =>
        {
            var keyPath = parse.GetValue(authority)!;
            if (!File.Exists(keyPath))
            {
                throw new CliException($"{keyPath}: no such key file (create one with `hotline dss authority`)", 2);
            }

            using var rsa = RSA.Create();
            try
            {
                rsa.ImportFromPem(await File.ReadAllTextAsync(keyPath, ct));
            }
            catch (ArgumentException e)
            {
                throw new CliException($"{keyPath}: not an RSA private key in PEM ({e.Message})", 2);
            }

            var valid = parse.GetValue(hours);
            if (!double.IsFinite(valid) || valid <= 0 || valid > 24 * 366)
            {
                throw new CliException($"--hours: {valid.ToString(CultureInfo.InvariantCulture)} is not a positive number of hours (at most a year)", 2);
            }

            Console.WriteLine(DevTokens.MintRs256(rsa, parse.GetValue(subject)!, parse.GetValue(scope)!, parse.GetValue(audience)!, parse.GetValue(issuer)!, DateTimeOffset.UtcNow.AddHours(valid)));
            return 0;
        });
        return new Command("dss", "A development token authority for the F3548 DSS API (local testing only)") { create, token };
    }
}
