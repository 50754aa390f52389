using System.Diagnostics.Metrics;

namespace Hotline.Core;

/// <summary>The airspace's own instruments (meter <c>Hotline</c>), exported by the host.</summary>
public static class AirspaceMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Hotline";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Filings = Meter.CreateCounter<long>("hotline.filings", description: "New reservations by outcome: accepted, accepted_acknowledged, refused");
    private static readonly Histogram<int> BatchWrites = Meter.CreateHistogram(
        "hotline.commit.writes",
        unit: "{write}",
        description: "Writes decided per group commit",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });

    private static readonly Histogram<double> CommitSeconds = Meter.CreateHistogram(
        "hotline.commit.duration",
        unit: "s",
        description: "Time of one durable commit",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] });
    private static readonly Counter<long> Changes = Meter.CreateCounter<long>("hotline.commit.changes", description: "Changes committed");

    internal static void Filing(string outcome) => Filings.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    internal static void Committed(int writes, int changes, TimeSpan duration)
    {
        BatchWrites.Record(writes);
        Changes.Add(changes);
        CommitSeconds.Record(duration.TotalSeconds);
    }
}
