namespace IlgpuVae.Engine.Files;

/// <summary>
/// The checks before a file the user named is opened for reading: it must exist and be a regular file.
/// A folder, a named pipe or a device is named as what it is, rather than reported as missing, as
/// "access denied" (what opening a folder says on Linux) or not at all (opening a named pipe waits for a
/// writer; a device such as /dev/zero never ends).
/// </summary>
internal static class InputFile
{
    /// <summary>
    /// Null when <paramref name="path"/> is a regular file; otherwise the problem as one line that starts with
    /// the path: "PATH: no such NOUN", "PATH: is a folder, not a NOUN", "PATH: is a named pipe (FIFO), not a NOUN".
    /// </summary>
    /// <param name="path">The file the user named.</param>
    /// <param name="noun">What it should be: "file", "checkpoint file", "IDX file" ….</param>
    public static string? Problem(string path, string noun)
    {
        if (path.Length == 0) return $"an empty path is not {Article(noun)} {noun}";
        var kind = PathKinds.Of(path);
        return kind switch
        {
            PathKind.RegularFile => null,
            PathKind.Missing => $"{path}: no such {noun}",
            _ => $"{path}: is {PathKinds.Describe(kind)}, not {Article(noun)} {noun}",
        };
    }

    private static string Article(string noun) => "AEIOUaeiou".Contains(noun[0]) ? "an" : "a";

    /// <summary>Throws <see cref="InputException"/> with <see cref="Problem"/> unless <paramref name="path"/> is a regular file.</summary>
    public static void Require(string path, string noun)
    {
        if (Problem(path, noun) is { } problem) throw new InputException(problem);
    }

    /// <summary>
    /// Opens a regular file for reading; every failure but a disk fault (<see cref="DiskFault"/>, which stays
    /// an <see cref="IOException"/>) is an <see cref="InputException"/> naming the path.
    /// </summary>
    public static FileStream OpenRead(string path, string noun, int bufferSize = 1 << 16)
    {
        Require(path, noun);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputException($"{path}: no such {noun}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InputException($"{path}: permission denied", e);
        }
        catch (IOException e) when (DiskFault.Describe(e) is null)
        {
            throw new InputException($"{path}: cannot open the {noun}: {e.Message.ReplaceLineEndings(" ").Trim()}", e);
        }
    }
}
