namespace Hotline.Server;

/// <summary>Settings of one deployment, from configuration section <c>Hotline</c>.</summary>
public sealed class HotlineServerOptions
{
    /// <summary>Folder of the embedded store and the operator's credential file.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Lateral separation minimum, metres.</summary>
    public double LateralSeparationMeters { get; set; }

    /// <summary>Vertical separation minimum, metres.</summary>
    public double VerticalSeparationMeters { get; set; }

    /// <summary>Time separation minimum, seconds.</summary>
    public double TimeSeparationSeconds { get; set; }

    /// <summary>Largest footprint, as metres from its centre.</summary>
    public double MaxFootprintRadiusMeters { get; set; } = 1_000_000;

    /// <summary>Largest request body, bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1 << 20;

    /// <summary>The transparency log.</summary>
    public LogOptions Log { get; set; } = new();

    /// <summary>The line.</summary>
    public LineSettings Line { get; set; } = new();
}

/// <summary>Settings of the line, from section <c>Hotline:Line</c>.</summary>
public sealed class LineSettings
{
    /// <summary>Seconds to answer a deconfliction request or counter-proposal before it escalates.</summary>
    public double DeconflictionDeadlineSeconds { get; set; } = 900;

    /// <summary>Seconds to acknowledge an emergency before it escalates.</summary>
    public double EmergencyDeadlineSeconds { get; set; } = 120;

    /// <summary>Seconds to answer a line check before it counts as missed.</summary>
    public double LineCheckDeadlineSeconds { get; set; } = 60;

    /// <summary>Consecutive missed line checks that mark a party's line down.</summary>
    public int MissedChecksForDown { get; set; } = 2;

    /// <summary>How many times an unanswered message escalates.</summary>
    public int MaxEscalations { get; set; } = 3;

    /// <summary><c>RequireFlag</c> (a location in free text is sent only with discloseLocation, recorded) or
    /// <c>Block</c> (never sent).</summary>
    public string DisclosurePolicy { get; set; } = "RequireFlag";

    /// <summary>How often deadlines are checked, seconds.</summary>
    public double DeadlineCheckSeconds { get; set; } = 1;

    /// <summary>Live event streams a party may hold open at once (each representative needs one).</summary>
    public int MaxStreamsPerParty { get; set; } = 16;
}

/// <summary>Settings of the transparency log, from section <c>Hotline:Log</c>.</summary>
public sealed class LogOptions
{
    /// <summary>The log's name in its checkpoints (C2SP origin: a schema-less URL naming this deployment's log). It
    /// is also the name of the log key, so it cannot change once the key exists.</summary>
    public string Origin { get; set; } = "localhost/hotline";

    /// <summary>How often a new checkpoint is signed when entries were added (the bound on integration delay).</summary>
    public double CheckpointIntervalSeconds { get; set; } = 1;

    /// <summary>Witnesses (C2SP tlog-witness) the log asks to cosign each checkpoint.</summary>
    public List<WitnessOptions> Witnesses { get; set; } = [];
}

/// <summary>A witness: where it listens and its cosignature verifier key.</summary>
public sealed class WitnessOptions
{
    /// <summary>Base URL; the log posts to <c>{Url}/add-checkpoint</c>.</summary>
    public string Url { get; set; } = "";

    /// <summary>The witness's verifier key (<c>name+hash+base64</c>, cosignature type).</summary>
    public string VerifierKey { get; set; } = "";
}
