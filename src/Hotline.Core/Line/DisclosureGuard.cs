using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;
using Hotline.Geo;

namespace Hotline.Core;

/// <summary>How a location was written.</summary>
public enum LocationNotation
{
    /// <summary>Decimal degrees: <c>36.123, 37.456</c>, <c>36.123N 37.456E</c>, <c>N36.123 E37.456</c>.</summary>
    DecimalDegrees,

    /// <summary>Degrees, minutes and seconds: <c>36°12'34"N 37°27'21"E</c>, <c>36 12 34N 037 27 21E</c>, <c>361234N0372721E</c>.</summary>
    DegreesMinutesSeconds,

    /// <summary>Degrees and (decimal) minutes: <c>36°12.5'N 37°27.3'E</c>, <c>3612N03727E</c>.</summary>
    DegreesDecimalMinutes,

    /// <summary>A Military Grid Reference System reference: <c>37SBA1234567890</c>, <c>37S BA 123 678</c>.</summary>
    Mgrs,

    /// <summary>Universal Transverse Mercator coordinates: <c>37S 412345 4012345</c>.</summary>
    Utm,
}

/// <summary>One location-like span of a message.</summary>
/// <param name="Start">Index of the first character (0-based, in UTF-16 code units).</param>
/// <param name="Length">Length in UTF-16 code units.</param>
/// <param name="Notation">How the location was written.</param>
/// <param name="Position">
/// The WGS84 position the text denotes (for grid references, the south-west corner of the stated square), or
/// <see langword="null"/> when it cannot be computed (a grid reference without zone, or whose letters do not match).
/// </param>
/// <param name="Text">The span itself.</param>
public sealed record LocationHit(int Start, int Length, LocationNotation Notation, LatLng? Position, string Text);

/// <summary>A location hit the sender may not state, with a one-line reason for the sender.</summary>
/// <param name="Hit">The offending span.</param>
/// <param name="Reason">Why it is held back, naming the span by 1-based character positions.</param>
public sealed record GuardFinding(LocationHit Hit, string Reason);

/// <summary>The outcome of <see cref="DisclosureGuard.Check"/>: every hit, and those the sender may not state.</summary>
/// <param name="Hits">Every location-like span, in text order.</param>
/// <param name="Offending">The hits outside the sender's own positions, or without a computable position.</param>
public sealed record GuardDecision(IReadOnlyList<LocationHit> Hits, IReadOnlyList<GuardFinding> Offending)
{
    /// <summary>True when nothing needs blocking or an explicit disclosure flag.</summary>
    public bool IsClear => Offending.Count == 0;
}

/// <summary>
/// Finds location-like content in free text before it leaves the sender: decimal degrees, degrees-minutes(-seconds),
/// ICAO compact coordinates, MGRS and UTM. Pure and thread-safe. It is tuned to miss no well-formed coordinate pair
/// while ignoring times, frequencies, call signs, versions, addresses and other numbers; when in doubt it reports.
/// </summary>
/// <remarks>
/// Single coordinates (a latitude without a longitude) are not reported. Messages longer than
/// <see cref="MaxInputLength"/> characters are refused rather than partly checked.
/// </remarks>
public sealed class DisclosureGuard
{
    /// <summary>The longest text, in UTF-16 code units, that is checked; longer text throws.</summary>
    public const int MaxInputLength = 10_000;

    // Units and words that make a pair of decimals a measurement, price, version or frequency.
    private static readonly HashSet<string> UnitsAfter = new(StringComparer.OrdinalIgnoreCase)
    {
        "hz", "khz", "mhz", "ghz", "kt", "kts", "knots", "kn", "ft", "feet", "m", "km", "nm", "mi", "mph", "kmh",
        "s", "sec", "min", "h", "hr", "hrs", "kg", "lb", "lbs", "t", "l", "db", "dbm", "v", "w", "kw", "mb", "gb",
        "hpa", "inhg", "%", "mach", "usd", "eur", "gbp", "rub", "syp", "try", "dollars", "euros", "roubles", "rubles", "pounds",
    };

    private static readonly HashSet<string> WordsBefore = new(StringComparer.OrdinalIgnoreCase)
    {
        "usd", "eur", "gbp", "rub", "syp", "try", "version", "versions", "ver", "v", "rev", "release", "build",
        "freq", "frequency", "frequencies", "ch", "channel", "channels", "mhz", "khz", "score", "scores", "qnh",
    };

    /// <summary>Every location-like span of <paramref name="text"/>, in text order, without overlaps.</summary>
    /// <exception cref="ArgumentException">The text is longer than <see cref="MaxInputLength"/>.</exception>
    /// <exception cref="RegexMatchTimeoutException">A pattern overran its time limit (treat as blocked).</exception>
    public IReadOnlyList<LocationHit> Find(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxInputLength)
        {
            throw new ArgumentException($"must be at most {MaxInputLength} characters to be checked, got {text.Length}", nameof(text));
        }

        // Every notation has digits; most messages can stop here.
        if (text.AsSpan().IndexOfAnyInRange('0', '9') < 0)
        {
            return [];
        }

        // Each pattern costs a few microseconds per 500 characters of digits; run only those whose necessary
        // features the text has, and start each shortly before the first place its feature occurs (the margins are
        // the farthest a match can start before that feature).
        Span<int> first = stackalloc int[FeatureCount];
        var features = FeaturesOf(text, first);
        var hits = new List<LocationHit>();
        if ((features & (Features.Decimal | Features.DegreeSign)) != 0)
        {
            var from = Math.Min(First(features, first, Features.Decimal), First(features, first, Features.DegreeSign)) - 24;
            Scan(LocationPatterns.DecimalDegrees(), text, from, hits, ReadDecimalDegrees);
            if ((features & Features.NorthSouth) != 0 || text.Contains("lat", StringComparison.OrdinalIgnoreCase))
            {
                Scan(LocationPatterns.PrefixedDecimalDegrees(), text, 0, hits, ReadDecimalDegrees);
            }
        }

        if ((features & Features.DegreeSign) != 0)
        {
            Scan(LocationPatterns.SymbolDegreesMinutes(), text, First(features, first, Features.DegreeSign) - 24, hits, ReadDegreesMinutes);
        }

        if ((features & Features.Hemispheres) == Features.Hemispheres)
        {
            // A match holds both letters: its N or S within 48 characters of its start, its E or W within 96.
            var from = Math.Max(First(features, first, Features.NorthSouth) - 48, First(features, first, Features.EastWest) - 96);
            Scan(LocationPatterns.SpacedDegreesMinutes(), text, from, hits, ReadDegreesMinutes);
            Scan(LocationPatterns.CompactDegreesMinutes(), text, from, hits, ReadCompact);
        }

        if ((features & Features.GridLetters) != 0)
        {
            Scan(LocationPatterns.Mgrs(), text, First(features, first, Features.GridLetters) - 4, hits, ReadMgrs);
        }

        if ((features & Features.SixDigits) != 0)
        {
            Scan(LocationPatterns.Utm(), text, First(features, first, Features.SixDigits) - 12, hits, ReadUtm);
        }

        Scan(LocationPatterns.ShortMgrs(), text, 0, hits, ReadShortMgrs);
        return hits.Count <= 1 ? hits : WithoutOverlaps(hits);
    }

    /// <summary>Text features that some pattern cannot match without; found in one pass.</summary>
    [Flags]
    private enum Features
    {
        None = 0,

        /// <summary>A digit-dot-digit (decimal degrees, unless both are whole and carry degree signs).</summary>
        Decimal = 1,

        /// <summary>A degree sign (symbol DMS and DDM).</summary>
        DegreeSign = 2,

        /// <summary>N or S next to a digit, perhaps across one space (spaced and compact DMS).</summary>
        NorthSouth = 4,

        /// <summary>E or W next to a digit, perhaps across one space.</summary>
        EastWest = 8,

        Hemispheres = NorthSouth | EastWest,

        /// <summary>A digit, a letter, perhaps a space, then two letters (MGRS).</summary>
        GridLetters = 16,

        /// <summary>Six digits in a row (a UTM easting).</summary>
        SixDigits = 32,
    }

    private const int FeatureCount = 6;

    private static int First(Features features, Span<int> first, Features feature) =>
        (features & feature) != 0 ? first[BitOperations.Log2((uint)feature)] : int.MaxValue;

    private static void Note(ref Features features, Span<int> first, Features feature, int position)
    {
        if (feature != Features.None && (features & feature) == 0)
        {
            features |= feature;
            first[BitOperations.Log2((uint)feature)] = position;
        }
    }

    /// <summary>The features of the text, and in <paramref name="first"/> where each first occurs.</summary>
    private static Features FeaturesOf(string text, Span<int> first)
    {
        var features = Features.None;
        var digitRun = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c))
            {
                if (++digitRun >= 6)
                {
                    Note(ref features, first, Features.SixDigits, i - 5);
                }

                // A hemisphere letter standing alone before the digit, perhaps across one white space.
                Note(ref features, first, HemisphereBefore(text, i), i);
                continue;
            }

            digitRun = 0;
            if (c is '°' or 'º' or '˚')
            {
                Note(ref features, first, Features.DegreeSign, i);
            }
            else if (c == '.' && i > 0 && i + 1 < text.Length && char.IsAsciiDigit(text[i - 1]) && char.IsAsciiDigit(text[i + 1]))
            {
                Note(ref features, first, Features.Decimal, i);
            }
            else if (char.IsAsciiLetter(c) && i > 0 && char.IsAsciiDigit(text[i - 1]))
            {
                Note(ref features, first, HemisphereAt(text, i), i);
                var next = i + 1 < text.Length && char.IsWhiteSpace(text[i + 1]) ? i + 2 : i + 1;
                if (next + 1 < text.Length && char.IsAsciiLetter(text[next]) && char.IsAsciiLetter(text[next + 1]))
                {
                    Note(ref features, first, Features.GridLetters, i);
                }
            }
            else if (char.IsWhiteSpace(c) && i > 0 && i + 1 < text.Length && char.IsAsciiDigit(text[i - 1]))
            {
                // A hemisphere letter after a digit and one white space.
                Note(ref features, first, HemisphereAt(text, i + 1), i + 1);
            }
        }

        return features;
    }

    private static Features HemisphereBefore(string text, int digit)
    {
        var letter = digit - 1;
        if (letter >= 0 && char.IsWhiteSpace(text[letter]))
        {
            letter--;
        }

        // The letter must stand alone on its left: the N of "N36", not the n of "on 121.5".
        return letter < 0 || (letter > 0 && char.IsAsciiLetter(text[letter - 1])) ? Features.None : Hemisphere(text[letter]);
    }

    // A letter after a number is a hemisphere only when no letter follows it: the N of "36N", not the n of "3 nm".
    private static Features HemisphereAt(string text, int letter) =>
        letter + 1 < text.Length && char.IsAsciiLetter(text[letter + 1]) ? Features.None : Hemisphere(text[letter]);

    private static Features Hemisphere(char c) => c switch
    {
        'N' or 'n' or 'S' or 's' => Features.NorthSouth,
        'E' or 'e' or 'W' or 'w' => Features.EastWest,
        _ => Features.None,
    };

    /// <summary>
    /// The hits the sender may not state: those whose position <paramref name="isOwnPosition"/> rejects (it should
    /// accept positions inside the sender's own filed volumes and its own emergency position), and every hit without
    /// a computable position.
    /// </summary>
    /// <exception cref="ArgumentException">The text is longer than <see cref="MaxInputLength"/>.</exception>
    public GuardDecision Check(string text, Func<LatLng, bool> isOwnPosition)
    {
        ArgumentNullException.ThrowIfNull(isOwnPosition);
        var hits = Find(text);
        var offending = new List<GuardFinding>();
        foreach (var hit in hits)
        {
            if (hit.Position is { } position)
            {
                if (!isOwnPosition(position))
                {
                    offending.Add(new GuardFinding(hit, $"{Describe(hit)} outside your own filed volumes and emergency position"));
                }
            }
            else
            {
                offending.Add(new GuardFinding(hit, $"{Describe(hit)} no position that can be computed, so it cannot be shown to be your own"));
            }
        }

        return new GuardDecision(hits, offending);
    }

    private static string Describe(LocationHit hit)
    {
        var (name, plural) = hit.Notation switch
        {
            LocationNotation.DecimalDegrees => ("decimal degrees", true),
            LocationNotation.DegreesMinutesSeconds => ("degrees-minutes-seconds", true),
            LocationNotation.DegreesDecimalMinutes => ("degrees and minutes", true),
            LocationNotation.Mgrs => ("MGRS grid reference", false),
            _ => ("UTM coordinates", true),
        };
        var verb = hit.Position is null ? (plural ? "have" : "has") : (plural ? "lie" : "lies");
        return $"{name} {OneLine(hit.Text)} at characters {hit.Start + 1}–{hit.Start + hit.Length} {verb}";
    }

    private static string OneLine(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private static void Scan(Regex pattern, string text, int from, List<LocationHit> hits, Func<Match, string, LocationHit?> read)
    {
        // Look-behinds still see the text before the start.
        var match = pattern.Match(text, Math.Clamp(from, 0, text.Length));
        while (match.Success)
        {
            if (read(match, text) is { } hit)
            {
                hits.Add(hit);
                match = match.NextMatch();
            }
            else
            {
                // A rejected candidate must not hide a real one that starts inside it.
                match = pattern.Match(text, match.Index + 1);
            }
        }
    }

    // Where two readings overlap (a labelled pair and a bare pair inside it, say), the longest span wins: it is the
    // reading that explains the most text.
    private static List<LocationHit> WithoutOverlaps(List<LocationHit> hits)
    {
        hits.Sort(static (a, b) => b.Length != a.Length ? b.Length.CompareTo(a.Length) : a.Start.CompareTo(b.Start));
        var kept = new List<LocationHit>(hits.Count);
        foreach (var hit in hits)
        {
            var overlaps = false;
            foreach (var other in kept)
            {
                if (hit.Start < other.Start + other.Length && other.Start < hit.Start + hit.Length)
                {
                    overlaps = true;
                    break;
                }
            }

            if (!overlaps)
            {
                kept.Add(hit);
            }
        }

        kept.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        return kept;
    }

    private static LocationHit? ReadDecimalDegrees(Match match, string text)
    {
        var latGroup = match.Groups["lat"];
        var lngGroup = match.Groups["lng"];
        var lat = ParseNumber(latGroup.ValueSpan);
        var lng = ParseNumber(lngGroup.ValueSpan);
        var latHemisphere = match.Groups["lh"];
        var lngHemisphere = match.Groups["gh"];
        var labelled = match.Groups["label"].Success;
        var degreeSigns = match.Groups["ld"].Success || match.Groups["gd"].Success;
        if (latHemisphere.Success || lngHemisphere.Success)
        {
            // 36N 37E reads as zones, newtons or anything; whole degrees need the degree signs: 36°N 37°E.
            if (!labelled && !degreeSigns && latGroup.ValueSpan.IndexOf('.') < 0 && lngGroup.ValueSpan.IndexOf('.') < 0)
            {
                return null;
            }

            lat = latHemisphere.Success ? Signed(lat, latHemisphere.ValueSpan[0]) : lat;
            lng = lngHemisphere.Success ? Signed(lng, lngHemisphere.ValueSpan[0]) : lng;
        }
        else if (!degreeSigns && !labelled)
        {
            // Bare pairs are the ambiguous ones: ask for some precision and no unit or price around them.
            if (Math.Max(Decimals(latGroup.ValueSpan), Decimals(lngGroup.ValueSpan)) < 2
                || UnitsAfter.Contains(WordAfter(text, match.Index + match.Length))
                || WordsBefore.Contains(WordBefore(text, match.Index)))
            {
                return null;
            }
        }

        return Hit(match, LocationNotation.DecimalDegrees, lat, lng);
    }

    private static LocationHit? ReadDegreesMinutes(Match match, string text)
    {
        var latitude = Angle(match, "latd", "latm", "lats", 90);
        var longitude = Angle(match, "lngd", "lngm", "lngs", 180);
        if (latitude is not { } lat || longitude is not { } lng)
        {
            return null;
        }

        var latHemisphere = Either(match, "lh", "lh2");
        var lngHemisphere = Either(match, "gh", "gh2");
        if (latHemisphere == '?' || lngHemisphere == '?')
        {
            return null;
        }

        lat = latHemisphere == ' ' ? (match.Groups["ls"].Success ? -lat : lat) : Signed(lat, latHemisphere);
        lng = lngHemisphere == ' ' ? (match.Groups["gs"].Success ? -lng : lng) : Signed(lng, lngHemisphere);
        var notation = match.Groups["lats"].Success || match.Groups["lngs"].Success
            ? LocationNotation.DegreesMinutesSeconds
            : LocationNotation.DegreesDecimalMinutes;
        return Hit(match, notation, lat, lng);
    }

    private static LocationHit? ReadCompact(Match match, string text)
    {
        var lat = CompactAngle(match.Groups["lat"].ValueSpan, 2, 90);
        var lng = CompactAngle(match.Groups["lng"].ValueSpan, 3, 180);
        if (double.IsNaN(lat) || double.IsNaN(lng))
        {
            return null;
        }

        lat = Signed(lat, match.Groups["lh"].ValueSpan[0]);
        lng = Signed(lng, match.Groups["gh"].ValueSpan[0]);
        // DDMM(.m) is degrees and minutes; DDMMSS(.s) has seconds. The latitude decides the notation.
        var notation = match.Groups["lat"].ValueSpan.IndexOf('.') is var dot && (dot < 0 ? match.Groups["lat"].Length : dot) == 6
            ? LocationNotation.DegreesMinutesSeconds
            : LocationNotation.DegreesDecimalMinutes;
        return Hit(match, notation, lat, lng);
    }

    private static LocationHit? ReadMgrs(Match match, string text)
    {
        var zone = int.Parse(match.Groups["zone"].ValueSpan, CultureInfo.InvariantCulture);
        if (zone is < 1 or > 60 || !TryGridDigits(match, out var east, out var north))
        {
            return null;
        }

        var band = char.ToUpperInvariant(match.Groups["band"].ValueSpan[0]);
        var column = char.ToUpperInvariant(match.Groups["col"].ValueSpan[0]);
        var row = char.ToUpperInvariant(match.Groups["row"].ValueSpan[0]);
        // Letters of the MGRS alphabet that do not name a square of this zone and band still read as a grid
        // reference, so they are reported, without a position.
        if (!MilitaryGrid.TryToUtm(zone, band, column, row, east, north, out var easting, out var northing))
        {
            return new LocationHit(match.Index, match.Length, LocationNotation.Mgrs, null, match.Value);
        }

        var (lat, lng) = TransverseMercator.ToLatLng(zone, band >= 'N', easting, northing);
        return new LocationHit(match.Index, match.Length, LocationNotation.Mgrs, new LatLng(Clamp(lat, 90), Clamp(lng, 180)), match.Value);
    }

    private static LocationHit? ReadShortMgrs(Match match, string text)
    {
        if (!TryGridDigits(match, out _, out _))
        {
            return null;
        }

        var reference = match.Groups["ref"];
        return new LocationHit(reference.Index, reference.Length, LocationNotation.Mgrs, null, reference.Value);
    }

    private static LocationHit? ReadUtm(Match match, string text)
    {
        var zone = int.Parse(match.Groups["zone"].ValueSpan, CultureInfo.InvariantCulture);
        var easting = ParseNumber(match.Groups["e"].ValueSpan);
        var northing = ParseNumber(match.Groups["n"].ValueSpan);
        if (zone is < 1 or > 60 || easting is < 100_000 or > 900_000 || northing > 10_000_000)
        {
            return null;
        }

        var letter = char.ToUpperInvariant(match.Groups["band"].ValueSpan[0]);
        double lat, lng;
        if (letter == 'N')
        {
            // Band N (0°–8°N) or "north": the same hemisphere either way.
            (lat, lng) = TransverseMercator.ToLatLng(zone, north: true, easting, northing);
        }
        else if (letter == 'S')
        {
            // Band S (32°–40°N) or "south": the northing tells, since the two never give the same number.
            (lat, lng) = TransverseMercator.ToLatLng(zone, north: true, easting, northing);
            if (!MilitaryGrid.InBand('S', lat, 1))
            {
                (lat, lng) = TransverseMercator.ToLatLng(zone, north: false, easting, northing);
            }
        }
        else
        {
            (lat, lng) = TransverseMercator.ToLatLng(zone, letter >= 'N', easting, northing);
            if (!MilitaryGrid.InBand(letter, lat, 1))
            {
                return new LocationHit(match.Index, match.Length, LocationNotation.Utm, null, match.Value);
            }
        }

        // UTM stops at 80°S and 84°N (UPS takes over); a northing beyond is not a UTM coordinate.
        if (lat is < -80.5 or > 84.5)
        {
            return null;
        }

        return new LocationHit(match.Index, match.Length, LocationNotation.Utm, new LatLng(Clamp(lat, 90), Clamp(lng, 180)), match.Value);
    }

    private static bool TryGridDigits(Match match, out double east, out double north)
    {
        east = 0;
        north = 0;
        ReadOnlySpan<char> eastDigits, northDigits;
        var digits = match.Groups["digits"];
        if (digits.Success)
        {
            if (digits.Length % 2 != 0)
            {
                return false;
            }

            eastDigits = digits.ValueSpan[..(digits.Length / 2)];
            northDigits = digits.ValueSpan[(digits.Length / 2)..];
        }
        else
        {
            eastDigits = match.Groups["e"].ValueSpan;
            northDigits = match.Groups["n"].ValueSpan;
            if (eastDigits.Length != northDigits.Length)
            {
                return false;
            }
        }

        // 1 digit per half is 10 km, 5 digits is 1 m.
        var scale = Math.Pow(10, 5 - eastDigits.Length);
        east = int.Parse(eastDigits, CultureInfo.InvariantCulture) * scale;
        north = int.Parse(northDigits, CultureInfo.InvariantCulture) * scale;
        return true;
    }

    private static LocationHit? Hit(Match match, LocationNotation notation, double lat, double lng) =>
        Math.Abs(lat) <= 90 && Math.Abs(lng) <= 180
            ? new LocationHit(match.Index, match.Length, notation, new LatLng(lat, lng), match.Value)
            : null;

    /// <summary>Degrees from degree, minute and optional second groups; null when out of range.</summary>
    private static double? Angle(Match match, string degrees, string minutes, string seconds, double limit)
    {
        var d = ParseNumber(match.Groups[degrees].ValueSpan);
        var m = ParseNumber(match.Groups[minutes].ValueSpan);
        var secondsGroup = match.Groups[seconds];
        var s = secondsGroup.Success ? ParseNumber(secondsGroup.ValueSpan) : 0;
        // Decimal minutes may not be followed by seconds.
        if (m >= 60 || s >= 60 || (secondsGroup.Success && match.Groups[minutes].ValueSpan.Contains('.')))
        {
            return null;
        }

        var value = d + m / 60 + s / 3600;
        return value <= limit ? value : null;
    }

    /// <summary>DDMM[SS][.f] (or DDDMM[SS][.f]) to degrees; NaN when a field is out of range.</summary>
    private static double CompactAngle(ReadOnlySpan<char> text, int degreeDigits, double limit)
    {
        var dot = text.IndexOf('.');
        var whole = dot < 0 ? text : text[..dot];
        var fraction = dot < 0 ? 0 : ParseNumber(text[dot..]);
        var d = int.Parse(whole[..degreeDigits], CultureInfo.InvariantCulture);
        var m = (double)int.Parse(whole.Slice(degreeDigits, 2), CultureInfo.InvariantCulture);
        double s = 0;
        if (whole.Length > degreeDigits + 2)
        {
            s = int.Parse(whole[(degreeDigits + 2)..], CultureInfo.InvariantCulture) + fraction;
        }
        else
        {
            m += fraction;
        }

        var value = d + m / 60 + s / 3600;
        return m >= 60 || s >= 60 || value > limit ? double.NaN : value;
    }

    /// <summary>The hemisphere letter from either of two groups: ' ' for none, '?' for both.</summary>
    private static char Either(Match match, string prefix, string suffix)
    {
        var a = match.Groups[prefix];
        var b = match.Groups[suffix];
        return (a.Success, b.Success) switch
        {
            (true, true) => '?',
            (true, false) => char.ToUpperInvariant(a.ValueSpan[0]),
            (false, true) => char.ToUpperInvariant(b.ValueSpan[0]),
            _ => ' ',
        };
    }

    private static double Signed(double value, char hemisphere) =>
        char.ToUpperInvariant(hemisphere) is 'S' or 'W' ? -value : value;

    private static double ParseNumber(ReadOnlySpan<char> text)
    {
        // U+2212 MINUS SIGN is what word processors put in front of negative numbers.
        if (text.Length > 0 && text[0] == '−')
        {
            return -double.Parse(text[1..], NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static int Decimals(ReadOnlySpan<char> number)
    {
        var dot = number.IndexOf('.');
        return dot < 0 ? 0 : number.Length - dot - 1;
    }

    private static double Clamp(double value, double limit) => Math.Clamp(value, -limit, limit);

    private static string WordAfter(string text, int index)
    {
        while (index < text.Length && text[index] == ' ')
        {
            index++;
        }

        var start = index;
        while (index < text.Length && index - start < 12 && (char.IsLetter(text[index]) || text[index] == '%'))
        {
            index++;
        }

        return text[start..index];
    }

    private static string WordBefore(string text, int index)
    {
        index--;
        while (index >= 0 && text[index] is ' ' or ':')
        {
            index--;
        }

        var end = index + 1;
        while (index >= 0 && end - index <= 12 && char.IsLetter(text[index]))
        {
            index--;
        }

        return text[(index + 1)..end];
    }
}
