using System.Diagnostics;
using System.Globalization;
using Hotline.Geo;

namespace Hotline.Bench;

/// <summary>One row of <c>shared/bench/gen_volumes.py</c>, as a volume.</summary>
public sealed record WorkloadVolume(long Id, int Owner, Volume4D Volume);

/// <summary>
/// Loads the deterministic benchmark workload. The CSV comes from <c>shared/bench/gen_volumes.py</c> itself (run
/// once and cached under <c>bench/data/</c>), so there is no second implementation of the generator to drift.
/// The first N rows of a file are the N-volume data set, so one 1,000,000-row file serves every N.
/// </summary>
public static class Workload
{
    public const int MaxCount = 1_000_000;

    public static IReadOnlyList<WorkloadVolume> Load(int seed, int count)
    {
        var path = EnsureFile(seed, Math.Max(count, MaxCount));
        var volumes = new List<WorkloadVolume>(count);
        using var reader = new StreamReader(path);
        reader.ReadLine(); // header
        while (volumes.Count < count && reader.ReadLine() is { } line)
        {
            volumes.Add(Parse(line));
        }

        return volumes;
    }

    public static string EnsureFile(int seed, int count)
    {
        var root = RepositoryRoot();
        var dataDir = Path.Combine(root, "bench", "data");
        Directory.CreateDirectory(dataDir);
        var path = Path.Combine(dataDir, $"volumes-seed{seed}-{count}.csv");
        if (File.Exists(path))
        {
            return path;
        }

        var generator = Environment.GetEnvironmentVariable("HOTLINE_GEN_VOLUMES")
            ?? Path.GetFullPath(Path.Combine(root, "..", "shared", "bench", "gen_volumes.py"));
        Console.Error.WriteLine($"generating {path} with {generator} ...");
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(generator);
        start.ArgumentList.Add(seed.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(count.ToString(CultureInfo.InvariantCulture));
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start python3");
        var temporary = path + ".tmp";
        using (var output = File.Create(temporary))
        {
            process.StandardOutput.BaseStream.CopyTo(output);
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"gen_volumes.py exited with {process.ExitCode}");
        }

        File.Move(temporary, path);
        return path;
    }

    public static WorkloadVolume Parse(string line)
    {
        // id,owner,kind,lat,lng,radius_m,alt_lo,alt_hi,t_start,t_end,wkt
        var f = line.Split(',', 11);
        var inv = CultureInfo.InvariantCulture;
        var id = long.Parse(f[0], inv);
        var owner = int.Parse(f[1], inv);
        var lat = double.Parse(f[3], inv);
        var lng = double.Parse(f[4], inv);
        var radius = double.Parse(f[5], inv);
        var altitude = new AltitudeBand(double.Parse(f[6], inv), double.Parse(f[7], inv));
        var time = TimeWindow.FromUnixSeconds(long.Parse(f[8], inv), long.Parse(f[9], inv));
        Footprint footprint = f[2] == "C"
            ? CircleFootprint.Create(lat, lng, radius)
            : PolygonFootprint.Create(ParseWktRing(f[10]));
        return new WorkloadVolume(id, owner, new Volume4D(footprint, altitude, time));
    }

    private static (double Lat, double Lng)[] ParseWktRing(string wkt)
    {
        // "POLYGON((lng lat,lng lat,...))"
        var open = wkt.IndexOf("((", StringComparison.Ordinal) + 2;
        var close = wkt.IndexOf("))", StringComparison.Ordinal);
        var pairs = wkt[open..close].Split(',');
        var ring = new (double Lat, double Lng)[pairs.Length];
        for (var i = 0; i < pairs.Length; i++)
        {
            var space = pairs[i].IndexOf(' ', StringComparison.Ordinal);
            ring[i] = (double.Parse(pairs[i][(space + 1)..], CultureInfo.InvariantCulture), double.Parse(pairs[i][..space], CultureInfo.InvariantCulture));
        }

        return ring;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hotline.slnx")))
            {
                return dir.FullName;
            }
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hotline.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run from inside the Hotline repository");
    }
}
