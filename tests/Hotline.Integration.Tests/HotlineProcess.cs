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

    /// <summary>Starts <c>hotline serve</c> over <paramref name="data"/> on a free port and waits until it is ready
    /// and is the one answering there. Free ports are found by binding port 0 and letting go, so two tests (or two
    /// test assemblies) can be handed the same one; the loser's server cannot bind, while the winner's answers its
    /// health check. So a port only counts once it answers this data folder's own operator credential.</summary>
    public static async Task<(Process Server, int Port)> ServeAsync(string data, params string[] settings)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var server = Serve(data, port, settings);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            if (await ReadyAndOursAsync(client, server, data))
            {
                return (server, port);
            }

            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            server.Dispose();
            if (attempt == 5)
            {
                throw new InvalidOperationException("hotline found no port of its own in 5 attempts");
            }
        }
    }

    /// <summary>Waits until <paramref name="server"/> (over <paramref name="data"/>) is ready on the client's address,
    /// and throws if another server answers there instead.</summary>
    public static async Task WaitReadyAsync(HttpClient client, Process server, string data)
    {
        if (!await ReadyAndOursAsync(client, server, data))
        {
            throw new InvalidOperationException($"another server answers on {client.BaseAddress}, or hotline exited");
        }
    }

    private static async Task<bool> ReadyAndOursAsync(HttpClient client, Process server, string data)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (server.HasExited)
            {
                return false;
            }

            try
            {
                using var response = await client.GetAsync("/health/ready");
                // Another server may answer before ours has written its credential: keep waiting for ours (or its exit).
                var tokenFile = Path.Combine(data, "operator.token");
                if (response.IsSuccessStatusCode && File.Exists(tokenFile))
                {
                    var token = (await File.ReadAllTextAsync(tokenFile)).Trim();
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/parties");
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                    using var parties = await client.SendAsync(request);
                    return parties.IsSuccessStatusCode && !server.HasExited;
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

    private static int FreePort()
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
