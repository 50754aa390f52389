using BenchmarkDotNet.Running;
using Hotline.Bench;

if (args.Length > 0 && args[0] == "geo-check")
{
    return GeoQuick.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "log-append")
{
    return await LogAppend.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "server-load")
{
    return await ServerLoad.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "postgis-compare")
{
    return await PostgisCompare.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "dss-load")
{
    return await DssLoad.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "line-load")
{
    return await LineLoad.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Workload).Assembly).Run(args);
return 0;
