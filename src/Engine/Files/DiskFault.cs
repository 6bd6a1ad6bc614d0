namespace IlgpuVae.Engine.Files;

/// <summary>
/// Tells a fault of the storage (the disk is full, a quota is exceeded, the device failed) from a problem
/// with what the user asked for. On Unix .NET keeps the C library's error number as the
/// <see cref="Exception.HResult"/> of the <see cref="IOException"/>s it cannot map to a more specific
/// type, which is what this reads. A read-only file system is reported too, but as a problem with the
/// chosen place rather than a fault: another folder fixes it. On Windows the same faults arrive as
/// HRESULTs of the Win32 error codes, which are recognised as well.
/// </summary>
internal static class DiskFault
{
    private const int EIO = 5;
    private const int EFBIG = 27;
    private const int ENOSPC = 28;
    private const int EROFS = 30;
    private const int EDQUOT = 122;
    private const int WindowsDiskFull = unchecked((int)0x80070070);
    private const int WindowsHandleDiskFull = unchecked((int)0x80070027);

    /// <summary>"no space left on device", "disk quota exceeded", …: the storage fault behind <paramref name="e"/>, or null when it is none.</summary>
    public static string? Describe(Exception e) => e is IOException ? e.HResult switch
    {
        ENOSPC or WindowsDiskFull or WindowsHandleDiskFull => "no space left on device",
        EDQUOT => "disk quota exceeded",
        EFBIG => "file too large for the file system or the process's file-size limit",
        EIO => "input/output error (the disk or the network file system failed)",
        _ => null,
    } : null;

    /// <summary>Whether <paramref name="e"/> says that the file system is mounted read-only.</summary>
    public static bool IsReadOnlyFileSystem(Exception e) => e is IOException && e.HResult == EROFS;
}
