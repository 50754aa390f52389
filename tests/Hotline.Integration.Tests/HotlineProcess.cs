using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Hotline.Integration.Tests;

/// <summary>The real <c>hotline</c> program (from this test's output folder) as a child process.</summary>
internal static class HotlineProcess
{
    private static string Program => Path.Combine(AppContext.BaseDirectory, "hotline.dll");

    /// <summary>Starts <c>hotline serve</c> on 127.0.0.1:<paramref name="port"/> over <paramref name="data"/>.</summary>
    public static Process Serve(string data, int port, params string[] settings)
    {
        var start = Start(["serve", "--data", data, "--urls", $"http://127.0.0.1:{port}", .. settings], workingDirectory: null, environment: null);
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start hotline");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs one <c>hotline</c> command to the end: its exit code, standard output and standard error.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string[] args, string workingDirectory, IDictionary<string, string>? environment = null)
    {
        using var process = Process.Start(Start(args, workingDirectory, environment)) ?? throw new InvalidOperationException("cannot start hotline");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    public static async Task WaitReadyAsync(HttpClient client)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            try
            {
                using var response = await client.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("hotline did not become ready in 30 s");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static ProcessStartInfo Start(string[] args, string? workingDirectory, IDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        start.ArgumentList.Add(Program);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("HOTLINE_TOKEN");
        start.Environment.Remove("HOTLINE_KEY");
        start.Environment.Remove("HOTLINE_SERVER");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return start;
    }
}
