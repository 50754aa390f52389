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
}
