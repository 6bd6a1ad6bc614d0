using System.Runtime.InteropServices;

namespace IlgpuVae.Engine.Checkpoints;

/// <summary>
/// The two POSIX file operations that crash-safe checkpoints need and .NET does not offer:
/// fsync of a directory, which makes a rename in it durable (a renamed file's data may be on disk
/// while the new name is not, until the directory itself is flushed), and a hard link, which keeps
/// the newest checkpoint under its name while an older copy gets a second name. Where the C library
/// cannot be reached (Windows, or a libc the runtime cannot load) both degrade: the directory is not
/// flushed (the rename is still atomic) and a link falls back to a rename.
/// </summary>
internal static partial class DurableFile
{
    private const int EINVAL = 22;
    private static bool _unavailable = !(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD());

    /// <summary>Flushes the directory entry list of <paramref name="directory"/> to disk.</summary>
    /// <exception cref="IOException">The flush failed (a disk error).</exception>
    public static void SyncDirectory(string directory)
    {
        if (_unavailable) return;
        int fd;
        try
        {
            fd = open(directory, 0 /* O_RDONLY: a directory cannot be opened for writing, and fsync does not need it */);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
            return;
        }
        if (fd < 0) throw new IOException($"{directory}: cannot open the folder to flush it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            // Some file systems cannot flush a directory and say EINVAL; the rename is atomic there anyway.
            if (fsync(fd) != 0 && Marshal.GetLastPInvokeError() is int errno && errno != EINVAL)
                throw new IOException($"{directory}: flushing the folder to disk failed (errno {errno})");
        }
        finally
        {
            _ = close(fd);
        }
    }

    /// <summary>
    /// Gives the file <paramref name="existing"/> the additional name <paramref name="newPath"/> (which
    /// must not exist). Returns false where hard links are unavailable (the caller then renames).
    /// </summary>
    public static bool TryHardLink(string existing, string newPath)
    {
        if (_unavailable) return false;
        try
        {
            if (link(existing, newPath) == 0) return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
        }
        // A file system without hard links (EPERM, ENOTSUP, EXDEV …): the caller's rename still works.
        return false;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string existing, string newPath);
}
