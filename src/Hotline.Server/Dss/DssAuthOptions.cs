namespace Hotline.Server;

/// <summary>
/// How the ASTM F3548-21 DSS API authenticates its callers (configuration section <c>Hotline:Dss</c>): OAuth 2
/// bearer JWTs signed RS256 or ES256 by an authority whose public keys this deployment is given.
/// </summary>
public sealed class DssAuthOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "Hotline:Dss";

    /// <summary>The accepted <c>aud</c> values: this DSS's host name(s), e.g. <c>localhost</c>. At least one is required.</summary>
    public List<string> Audiences { get; set; } = [];

    /// <summary>PEM files of the authority's public keys: <c>PUBLIC KEY</c> (RSA or EC P-256), <c>RSA PUBLIC KEY</c> or <c>CERTIFICATE</c>.</summary>
    public List<string> PublicKeyFiles { get; set; } = [];

    /// <summary>A JWKS file (RFC 7517) of the authority's public keys; a token's <c>kid</c> selects among them.</summary>
    public string? JwksFile { get; set; }

    /// <summary>When set, the <c>iss</c> every token must carry (compared exactly).</summary>
    public string? Issuer { get; set; }

    /// <summary>Accept <c>http://</c> USS base URLs (local testing only; F3548 requires https).</summary>
    public bool AllowHttpBaseUrls { get; set; }

    /// <summary>Create a party for a USS the first time a valid token names it in <c>sub</c> (the token authority is
    /// then the deployment's registry of USSs). Off by default: the operator creates each USS's party by name.</summary>
    public bool RegisterUnknownUss { get; set; }

    /// <summary>The <c>uss_base_url</c> shown for native filings (native parties run no USS), followed by
    /// <c>/{party name}</c>.</summary>
    public string NativeUssBaseUrl { get; set; } = "https://native.hotline.invalid";

    /// <summary>Requests per second a USS may make to the DSS API, sustained (0: no limit). Beyond it: 429 with
    /// Retry-After, as F3548 lists, so that one USS cannot crowd the single writer out for the others.</summary>
    public double RequestsPerSecondPerUss { get; set; } = 2_000;

    /// <summary>How many requests a USS may make at once above its sustained rate.</summary>
    public int BurstPerUss { get; set; } = 4_000;

    /// <summary>True when the DSS API is configured (it is served only then).</summary>
    public bool Enabled => Audiences.Any(a => !string.IsNullOrWhiteSpace(a));

    /// <summary>Leeway, in seconds, when comparing <c>exp</c>, <c>nbf</c> and <c>iat</c> with the clock (0 to 300).</summary>
    public int ClockSkewSeconds { get; set; } = 60;

    /// <summary>What is wrong with these options, or an empty list when they can be used.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!Audiences.Any(a => !string.IsNullOrWhiteSpace(a)))
        {
            problems.Add($"{Section}:Audiences: at least one accepted audience (this DSS's host name) is required");
        }

        if (PublicKeyFiles.Count == 0 && string.IsNullOrWhiteSpace(JwksFile))
        {
            problems.Add($"{Section}: configure PublicKeyFiles or JwksFile (the token authority's public keys)");
        }

        if (!double.IsFinite(RequestsPerSecondPerUss) || RequestsPerSecondPerUss < 0)
        {
            problems.Add($"{Section}:RequestsPerSecondPerUss: must be 0 (no limit) or more");
        }

        if (BurstPerUss < 1)
        {
            problems.Add($"{Section}:BurstPerUss: must be at least 1");
        }

        if (ClockSkewSeconds is < 0 or > 300)
        {
            problems.Add($"{Section}:ClockSkewSeconds: must be between 0 and 300");
        }

        return problems;
    }

    /// <summary>
    /// Why <paramref name="url"/> cannot be a <c>uss_base_url</c>, or null when it can: it must be absolute, https
    /// (or http when <see cref="AllowHttpBaseUrls"/>), with a host and no fragment, query or credentials.
    /// </summary>
    public string? CheckBaseUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "uss_base_url is required";
        }

        // On Unix a rooted path parses as an absolute file: URI; it is still not a USS's address.
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || url.Trim() != url
            || (uri.IsFile && !url.StartsWith("file:", StringComparison.OrdinalIgnoreCase)))
        {
            return "uss_base_url must be an absolute URL";
        }

        if (uri.Scheme == Uri.UriSchemeHttp)
        {
            if (!AllowHttpBaseUrls)
            {
                return "uss_base_url must use https (http is allowed only when the deployment sets AllowHttpBaseUrls)";
            }
        }
        else if (uri.Scheme != Uri.UriSchemeHttps)
        {
            return $"uss_base_url must use https, not {uri.Scheme}";
        }

        if (string.IsNullOrEmpty(uri.Host))
        {
            return "uss_base_url must name a host";
        }

        // Uri drops an empty fragment or query, so look at the text itself.
        if (url.Contains('#', StringComparison.Ordinal))
        {
            return "uss_base_url must not have a fragment";
        }

        if (url.Contains('?', StringComparison.Ordinal))
        {
            return "uss_base_url must not have a query";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "uss_base_url must not carry credentials";
        }

        return null;
    }
}
