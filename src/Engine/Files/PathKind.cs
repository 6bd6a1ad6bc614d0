using System.Runtime.InteropServices;

namespace IlgpuVae.Engine.Files;

/// <summary>What a path names on disk, as far as reading a file from it goes.</summary>
internal enum PathKind
{
    /// <summary>Nothing is there.</summary>
    Missing,
    /// <summary>A regular file (or, where the file type cannot be asked for, anything that is not a folder).</summary>
    RegularFile,
    /// <summary>A folder.</summary>
    Directory,
    /// <summary>A named pipe: opening it for reading waits for a writer, possibly for ever.</summary>
    NamedPipe,
    /// <summary>A character device such as /dev/zero: reading it may never end.</summary>
    CharacterDevice,
    /// <summary>A block device (a disk).</summary>
    BlockDevice,
    /// <summary>A Unix socket.</summary>
    Socket,
}

/// <summary>
/// Finds the <see cref="PathKind"/> of a path (following symbolic links) before anything opens it, so a
/// named pipe or a device given where a file belongs is refused instead of hanging the program or
/// reading without end. .NET reports no file type beyond "folder or not", so the type bits come from
/// <c>statx</c>, whose result layout is the same on every Linux architecture; where the C library has no
/// <c>statx</c> (macOS, Windows) every existing non-folder counts as a regular file.
/// </summary>
internal static partial class PathKinds
{
    private const int AtCurrentDirectory = -100;
    private const uint StatxType = 0x0001;
    private const int ModeOffset = 28; // struct statx: stx_mask, stx_blksize (u32), stx_attributes (u64), stx_nlink, stx_uid, stx_gid (u32), stx_mode (u16)
    private const int FileTypeMask = 0xF000;
    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>The kind of <paramref name="path"/>; <see cref="PathKind.Missing"/> for an empty path.</summary>
    public static PathKind Of(string path)
    {
        if (string.IsNullOrEmpty(path)) return PathKind.Missing;
        if (!_unavailable)
        {
            var buffer = new byte[256];
            try
            {
                if (statx(AtCurrentDirectory, path, 0, StatxType, buffer) == 0)
                {
                    int type = BitConverter.ToUInt16(buffer, ModeOffset) & FileTypeMask;
                    return type switch
                    {
                        0x4000 => PathKind.Directory,
                        0x1000 => PathKind.NamedPipe,
                        0x2000 => PathKind.CharacterDevice,
                        0x6000 => PathKind.BlockDevice,
                        0xC000 => PathKind.Socket,
                        _ => PathKind.RegularFile,
                    };
                }
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                _unavailable = true;
            }
        }
        // No statx, or it failed (no such path, a permission problem on the way): .NET's own view, and
        // the open that follows names any remaining problem.
        if (Directory.Exists(path)) return PathKind.Directory;
        return File.Exists(path) ? PathKind.RegularFile : PathKind.Missing;
    }

    /// <summary>"a named pipe (FIFO)", "a folder" …: the kind as the object of a sentence.</summary>
    public static string Describe(PathKind kind) => kind switch
    {
        PathKind.Missing => "missing",
        PathKind.RegularFile => "a file",
        PathKind.Directory => "a folder",
        PathKind.NamedPipe => "a named pipe (FIFO)",
        PathKind.CharacterDevice => "a character device",
        PathKind.BlockDevice => "a block device",
        PathKind.Socket => "a socket",
        _ => kind.ToString(),
    };

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int directoryFd, string path, int flags, uint mask, [Out] byte[] result);
}
