using System.Text.Json;

namespace Hotline.Ledger.Tests.Notes;

/// <summary>Finds the shared, frozen vectors beside the checkout: &lt;repo&gt;/../shared/vectors/tlog.</summary>
internal static class Vectors
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Hotline.slnx")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            throw new InvalidOperationException("no Hotline.slnx above " + AppContext.BaseDirectory);
        }

        return Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "vectors", "tlog"));
    });

    public static string PathOf(string relative) => Path.Combine(Root.Value, relative);

    public static string Text(string relative) => File.ReadAllText(PathOf(relative));

    public static byte[] Bytes(string relative) => File.ReadAllBytes(PathOf(relative));

    public static JsonElement Json(string relative)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(PathOf(relative)));
        return document.RootElement.Clone();
    }

    public static string Str(this JsonElement element, string property) =>
        element.GetProperty(property).GetString() ?? throw new InvalidOperationException(property + " is null");
}
