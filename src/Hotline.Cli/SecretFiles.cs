namespace Hotline.Cli;

/// <summary>Key files the CLI creates: never over an existing one, readable by the owner only from the start.</summary>
internal static class SecretFiles
{
    /// <summary>Refuses (exit 2) when <paramref name="path"/> exists: a key is never overwritten.</summary>
    public static void RefuseExisting(string path)
    {
        if (File.Exists(path))
        {
            throw new CliException($"{path} exists; refusing to overwrite a key", 2);
        }
    }

    /// <summary>Creates <paramref name="path"/> (mode 0600 on Unix, never briefly readable by others) holding
    /// <paramref name="secret"/> and a newline.</summary>
    public static async Task WriteNewAsync(string path, string secret, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(path, options);
        await using var writer = new StreamWriter(stream);
        await writer.WriteLineAsync(secret.AsMemory(), cancellationToken);
    }
}
