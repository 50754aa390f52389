using Microsoft.Extensions.Options;

namespace Hotline.Server;

/// <summary>Checks the line's deadlines on a timer: unanswered messages escalate, missed line checks count.</summary>
public sealed partial class LineMonitor(AirspaceHost host, IOptions<HotlineServerOptions> options, TimeProvider time, ILogger<LineMonitor> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.Line.DeadlineCheckSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (!host.IsReady)
                {
                    continue;
                }

                try
                {
                    if (await host.Airspace.ProcessDeadlinesAsync(stoppingToken) is > 0 and var count)
                    {
                        LogEscalated(count);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFailed(e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Line: {Count} deadline(s) passed unanswered (escalated, or line checks missed)")]
    private partial void LogEscalated(int count);

    [LoggerMessage(EventId = 21, Level = LogLevel.Error, Message = "Line: checking deadlines failed; retrying at the next tick")]
    private partial void LogFailed(Exception exception);
}
