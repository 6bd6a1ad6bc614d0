using System.Buffers.Binary;
using System.Security.Cryptography;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// An on-disk cache of compiled kernel images (CUBIN or PTX), one file per <see cref="KernelCacheKey"/>,
/// so that a process does not pay for an NVRTC compile that an earlier process already did.
/// Knows nothing about CUDA: it stores bytes under a key.
/// <para>
/// Safe under concurrent processes without locks: an entry is written to a uniquely named temporary
/// file in the same directory, flushed to disk, and renamed over the final name (rename is atomic on
/// POSIX file systems), so a reader sees either no entry, a whole old entry or a whole new one. Two
/// processes that compile the same key write the same bytes, so whichever rename lands last is right.
/// </para>
/// <para>
/// Never trusted blindly: each entry starts with a header holding the full key hash and the length and
/// SHA-256 of the payload, all checked on load. A truncated, corrupted or mismatched entry is reported
/// as a miss (and then rewritten by <see cref="GetOrCreate"/>); it is never used. The cache is an
/// optimisation: when its directory cannot be written, compiling simply happens every time.
/// </para>
/// File layout (little-endian): magic "IVKCACHE" (8 bytes), format version (4), key hash (32),
/// payload length (8), payload SHA-256 (32), payload.
/// </summary>
internal sealed class KernelCache
{
    /// <summary>The environment variable that names the cache directory.</summary>
    public const string EnvironmentVariable = "ILGPUVAE_KERNEL_CACHE";

    /// <summary>File name extension of an entry.</summary>
    public const string EntryExtension = ".kernel";

    private const int FormatVersion = 1;
    private const int HashBytes = 32;
    private const int HeaderBytes = 8 + 4 + HashBytes + 8 + HashBytes;
    private static ReadOnlySpan<byte> Magic => "IVKCACHE"u8;

    /// <summary>A cache in <paramref name="directory"/> (created when the first entry is stored).</summary>
    public KernelCache(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
    }

    /// <summary>The directory that holds the entries.</summary>
    public string Directory { get; }

    /// <summary>
    /// The cache directory to use: <paramref name="configured"/> (AcceleratorOptions.KernelCacheDirectory)
    /// when given, else <see cref="DefaultDirectory"/> from this process's environment.
    /// </summary>
    public static string ResolveDirectory(string? configured) =>
        !string.IsNullOrWhiteSpace(configured) ? configured
        : DefaultDirectory(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>
    /// <c>$ILGPUVAE_KERNEL_CACHE</c> if set, else <c>$XDG_CACHE_HOME/ilgpuvae/kernels</c> (when it is an
    /// absolute path, as the XDG specification requires), else <c>~/.cache/ilgpuvae/kernels</c>; the
    /// temporary directory stands in for a missing home (batch jobs sometimes run without HOME).
    /// </summary>
    public static string DefaultDirectory(Func<string, string?> environment, string? home)
    {
        string? explicitDir = environment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(explicitDir)) return explicitDir;
        string? xdg = environment("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "ilgpuvae", "kernels");
        if (string.IsNullOrEmpty(home)) home = Path.GetTempPath();
        return Path.Combine(home, ".cache", "ilgpuvae", "kernels");
    }

    /// <summary>The file that holds (or would hold) the entry of <paramref name="key"/>.</summary>
    public string PathOf(KernelCacheKey key) => Path.Combine(Directory, key.HashText() + EntryExtension);

    /// <summary>The cached payload of <paramref name="key"/>, or null when there is no valid entry.</summary>
    public byte[]? TryLoad(KernelCacheKey key) => TryLoad(key, out _);

    /// <summary>
    /// The cached payload of <paramref name="key"/>, or null with <paramref name="rejection"/> saying why
    /// not: "missing", or what is wrong with the entry that was found.
    /// </summary>
    public byte[]? TryLoad(KernelCacheKey key, out string rejection)
    {
        byte[] file;
        try
        {
            file = File.ReadAllBytes(PathOf(key));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            rejection = "missing";
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            rejection = $"unreadable ({e.Message})";
            return null;
        }
        return Parse(file, key.Hash(), out rejection);
    }

    /// <summary>
    /// Writes the entry of <paramref name="key"/> atomically. Returns false (and leaves no partial file)
    /// when the directory cannot be written; the caller then just goes without the cache.
    /// </summary>
    public bool TryStore(KernelCacheKey key, ReadOnlySpan<byte> payload)
    {
        string final = PathOf(key);
        // Unique per process and per call, so concurrent writers never share a temporary file.
        string temp = Path.Combine(Directory, $".{Path.GetFileName(final)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(Header(key.Hash(), payload));
                stream.Write(payload);
                // On disk before the rename makes it visible: a crash must not leave a named but empty entry.
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, final, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            return false;
        }
    }

    /// <summary>
    /// The cached payload of <paramref name="key"/>, or <paramref name="create"/>'s result, which is then
    /// stored (replacing an invalid entry). <paramref name="hit"/> says which it was.
    /// </summary>
    public byte[] GetOrCreate(KernelCacheKey key, Func<byte[]> create, out bool hit)
    {
        var cached = TryLoad(key);
        hit = cached is not null;
        if (cached is not null) return cached;
        var payload = create();
        TryStore(key, payload);
        return payload;
    }

    /// <summary>Deletes the entry of <paramref name="key"/>, e.g. one the driver refused to load.</summary>
    public void Remove(KernelCacheKey key) => TryDelete(PathOf(key));

    private static byte[] Header(byte[] keyHash, ReadOnlySpan<byte> payload)
    {
        var header = new byte[HeaderBytes];
        var span = header.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], FormatVersion);
        keyHash.CopyTo(span[12..]);
        BinaryPrimitives.WriteInt64LittleEndian(span[(12 + HashBytes)..], payload.Length);
        SHA256.HashData(payload, span[(20 + HashBytes)..]);
        return header;
    }

    private static byte[]? Parse(byte[] file, byte[] keyHash, out string rejection)
    {
        var span = file.AsSpan();
        if (span.Length < HeaderBytes) rejection = $"truncated ({span.Length} bytes, shorter than the header)";
        else if (!span[..8].SequenceEqual(Magic)) rejection = "not a kernel cache entry (bad magic)";
        else if (BinaryPrimitives.ReadInt32LittleEndian(span[8..]) != FormatVersion) rejection = "written by another cache format version";
        else if (!span.Slice(12, HashBytes).SequenceEqual(keyHash)) rejection = "holds another key";
        else
        {
            long length = BinaryPrimitives.ReadInt64LittleEndian(span[(12 + HashBytes)..]);
            var payload = span[HeaderBytes..];
            Span<byte> actual = stackalloc byte[HashBytes];
            if (length != payload.Length) rejection = $"truncated or padded (header says {length} payload bytes, file has {payload.Length})";
            else if (SHA256.HashData(payload, actual) != HashBytes || !actual.SequenceEqual(span.Slice(20 + HashBytes, HashBytes)))
                rejection = "payload checksum mismatch (corrupted)";
            else
            {
                rejection = "";
                return payload.ToArray();
            }
        }
        return null;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a stale file is harmless (entries are verified on load, temporaries are never read).
        }
    }
}
