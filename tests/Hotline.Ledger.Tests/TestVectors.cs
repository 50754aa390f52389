using System.Text.Json;

namespace Hotline.Ledger.Tests;

/// <summary>The frozen tlog vectors in ../shared/vectors/tlog beside the checkout (never edited here).</summary>
internal static class TestVectors
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static JsonDocument Json(string relative) => JsonDocument.Parse(File.ReadAllBytes(PathOf(relative)));

    /// <summary>Files under <paramref name="directory"/> matching <paramref name="pattern"/>, relative to the vectors root, sorted.</summary>
    public static IEnumerable<string> Files(string directory, string pattern) =>
        Directory.EnumerateFiles(PathOf(directory), pattern, SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Hotline.slnx")))
            {
                var vectors = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "vectors", "tlog"));
                return Directory.Exists(vectors)
                    ? vectors
                    : throw new DirectoryNotFoundException($"the tlog vectors are expected at {vectors}, beside the checkout");
            }
        }

        throw new DirectoryNotFoundException($"no Hotline.slnx above {AppContext.BaseDirectory}");
    }
}
