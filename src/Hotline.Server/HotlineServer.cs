using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using Scalar.AspNetCore;

namespace Hotline.Server;

/// <summary>Builds and runs the Hotline host.</summary>
public static class HotlineServer
{
    /// <summary>The host with its services and endpoints, configured from <paramref name="args"/>, environment
    /// (<c>Hotline__DataDirectory</c>, ...) and <c>appsettings.json</c>.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var options = builder.Configuration.GetSection("Hotline").Get<HotlineServerOptions>() ?? new HotlineServerOptions();
        builder.Services.Configure<HotlineServerOptions>(builder.Configuration.GetSection("Hotline"));
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
        // TryAdd: a host (a test) may register its own clock in configure.
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AirspaceHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AirspaceHost>());
        // After the airspace host, so that the log's tree is loaded when the first checkpoint is signed.
        builder.Services.AddSingleton<LogPublisher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LogPublisher>());
        builder.Services.AddHostedService<LineMonitor>();
        builder.Services.AddSingleton<LineStreams>();
        builder.Services.AddDssAuthentication();
        builder.Services.AddDssRateLimits();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            // A member the contract requires (no default in the record) must be present: never silently zero.
            o.SerializerOptions.RespectRequiredConstructorParameters = true;
            o.SerializerOptions.Converters.Add(new Rfc3339Converter());
        });
        builder.Services.AddOpenApi(o => o.AddOperationTransformer(Api.DescribeAreaQueryViewsAsync));
        builder.Services.AddHealthChecks().AddCheck<ReadinessCheck>("airspace", tags: ["ready"]);
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddAspNetCoreInstrumentation().AddMeter(Hotline.Core.AirspaceMetrics.MeterName).AddPrometheusExporter());

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseBearerCredentials();
        app.UseDssAuthentication(); // before the body is read for a signature: an unauthenticated USS learns nothing
        app.UseRateLimiter(); // per USS on the DSS API, so after its authentication
        app.UseRequestSignatures();
        app.MapOpenApi();
        app.MapScalarApiReference(); // the browsable reference at /scalar, assets served by the app itself
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapPrometheusScrapingEndpoint();
        app.MapPartiesApi().MapReservationsApi().MapConstraintsApi().MapAirspaceApi().MapLogApi().MapLineApi();
        app.MapDssApi();
        return app;
    }

    private sealed class ReadinessCheck(AirspaceHost host) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(host.IsReady ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the airspace is opening"));
    }
}
