using System.Buffers.Binary;
using System.IO.Compression;

using IlgpuVae.Engine.Files;

namespace IlgpuVae.Engine.Data;

/// <summary>
/// Reads the IDX format of the MNIST family (LeCun et al.): a 4-byte big-endian magic number
/// <c>00 00 TT RR</c> (TT = data type, RR = rank), RR big-endian 32-bit dimensions, then the
/// payload. Only unsigned-byte data is accepted: images of rank 3 (count × rows × columns) and
/// labels of rank 1. Files may be raw or gzipped; gzip is recognised by its magic bytes
/// <c>1f 8b</c>, not by the file name, so a renamed file still reads.
/// </summary>
/// <remarks>
/// Every header is checked before any payload memory is allocated, and a gzipped payload is
/// read into a buffer that grows only as real data arrives: a crafted header claiming billions
/// of images, raw or in a tiny .gz, is refused without a large allocation.
/// </remarks>
public static class IdxReader
{
    /// <summary>
    /// The default limit on one file's payload, 1 GiB: twenty times the largest MNIST-family
    /// file (47 MB) yet far below what would exhaust a workstation.
    /// </summary>
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>Magic number of an unsigned-byte rank-3 IDX file (images).</summary>
    public const uint ImagesMagic = 0x00000803;

    /// <summary>Magic number of an unsigned-byte rank-1 IDX file (labels).</summary>
    public const uint LabelsMagic = 0x00000801;

    private const byte UnsignedByteType = 0x08;

    // The first allocation for a gzipped payload. Later ones at most double what has actually
    // been decompressed, so a lying header costs at most this much plus twice the real data.
    private const int InitialGzipChunk = 1 << 20;

    // How far trailing gzip data is counted before the message just says "more than".
    private const long TrailingCountCap = 1L << 24;

    /// <summary>Reads an image file (magic 0x00000803) from <paramref name="path"/>.</summary>
    /// <param name="path">The file, raw or gzipped.</param>
    /// <param name="maxBytes">The largest payload accepted, in bytes.</param>
    /// <exception cref="InputException">The file is missing or unreadable.</exception>
    /// <exception cref="IdxFormatException">The file is not a valid IDX image file.</exception>
    public static ImageSet ReadImages(string path, long maxBytes = DefaultMaxBytes)
    {
        using FileStream stream = OpenFile(path);
        return ReadImages(stream, path, maxBytes);
    }

    /// <summary>
    /// Reads an image file (magic 0x00000803) from a seekable stream, from its current position
    /// to its end. The stream is left open.
    /// </summary>
    /// <param name="stream">Raw or gzipped IDX data; must be readable and seekable.</param>
    /// <param name="name">What to call the data in error messages, usually its path.</param>
    /// <param name="maxBytes">The largest payload accepted, in bytes.</param>
    /// <exception cref="IdxFormatException">The data is not a valid IDX image file.</exception>
    public static ImageSet ReadImages(Stream stream, string name, long maxBytes = DefaultMaxBytes)
    {
        (int[] dims, byte[] payload) = Read(stream, name, rank: 3, maxBytes);
        return new ImageSet(dims[0], dims[1], dims[2], payload);
    }

    /// <summary>Reads a label file (magic 0x00000801) from <paramref name="path"/>.</summary>
    /// <param name="path">The file, raw or gzipped.</param>
    /// <param name="maxBytes">The largest payload accepted, in bytes.</param>
    /// <returns>One byte per label.</returns>
    /// <exception cref="InputException">The file is missing or unreadable.</exception>
    /// <exception cref="IdxFormatException">The file is not a valid IDX label file.</exception>
    public static byte[] ReadLabels(string path, long maxBytes = DefaultMaxBytes)
    {
        using FileStream stream = OpenFile(path);
        return ReadLabels(stream, path, maxBytes);
    }

    /// <summary>
    /// Reads a label file (magic 0x00000801) from a seekable stream, from its current position
    /// to its end. The stream is left open.
    /// </summary>
    /// <param name="stream">Raw or gzipped IDX data; must be readable and seekable.</param>
    /// <param name="name">What to call the data in error messages, usually its path.</param>
    /// <param name="maxBytes">The largest payload accepted, in bytes.</param>
    /// <returns>One byte per label.</returns>
    /// <exception cref="IdxFormatException">The data is not a valid IDX label file.</exception>
    public static byte[] ReadLabels(Stream stream, string name, long maxBytes = DefaultMaxBytes)
    {
        return Read(stream, name, rank: 1, maxBytes).Payload;
    }

    private static FileStream OpenFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        // The checks come first: opening a named pipe waits for a writer (for ever), a device such as
        // /dev/zero never ends, and opening a directory on Linux reports "access denied", which would
        // send the user looking at permissions.
        return InputFile.OpenRead(path, "IDX file");
    }

    private static (int[] Dims, byte[] Payload) Read(Stream stream, string name, int rank, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        // Seeking is what lets the gzip sniff put its two bytes back, and what gives a raw
        // file's length up front, so the length check happens before the payload is allocated.
        if (!stream.CanRead || !stream.CanSeek)
        {
            throw new ArgumentException("The stream must be readable and seekable.", nameof(stream));
        }

        try
        {
            long start = stream.Position;
            Span<byte> sniff = stackalloc byte[2];
            int sniffed = ReadAtMost(stream, sniff);
            stream.Position = start;
            bool gzip = sniffed == 2 && sniff[0] == 0x1f && sniff[1] == 0x8b;
            return gzip ? ReadGzip(stream, name, rank, maxBytes) : ReadRaw(stream, name, rank, maxBytes);
        }
        catch (IOException ex)
        {
            // A device error in mid-read is still the user's file being unusable; keep it on
            // the exit-code-2 path with the file's name in the message.
            throw new InputException($"{name}: read error: {OneLine(ex.Message)}", ex);
        }
    }

    private static (int[] Dims, byte[] Payload) ReadRaw(Stream stream, string name, int rank, long maxBytes)
    {
        long available = stream.Length - stream.Position;
        (int[] dims, int payloadLength, int headerLength) = ReadHeader(stream, name, rank, maxBytes, decompressed: false);

        long expected = (long)headerLength + payloadLength;
        if (available < expected)
        {
            throw new IdxFormatException(
                $"{name}: truncated: the header ({Describe(dims)}) needs {headerLength} + {payloadLength} = {expected} bytes, but the file has {available}");
        }

        if (available > expected)
        {
            throw new IdxFormatException(
                $"{name}: {available - expected} trailing bytes: the header ({Describe(dims)}) needs {headerLength} + {payloadLength} = {expected} bytes, but the file has {available}");
        }

        byte[] payload = new byte[payloadLength];
        int read = ReadAtMost(stream, payload);
        if (read != payloadLength)
        {
            // Only possible when the file shrinks between the length check and the read.
            throw new IdxFormatException(
                $"{name}: truncated while reading: got {headerLength + (long)read} of {expected} bytes");
        }

        return (dims, payload);
    }

    private static (int[] Dims, byte[] Payload) ReadGzip(Stream stream, string name, int rank, long maxBytes)
    {
        using var gzip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
        try
        {
            (int[] dims, int payloadLength, int headerLength) =
                ReadHeader(gzip, name, rank, maxBytes, decompressed: true);
            byte[] payload = ReadGrowing(gzip, payloadLength, out int filled);
            long expected = (long)headerLength + payloadLength;
            if (filled < payloadLength)
            {
                throw new IdxFormatException(
                    $"{name}: truncated: the header ({Describe(dims)}) needs {headerLength} + {payloadLength} = {expected} bytes, but the gzip data decompresses to {headerLength + (long)filled}");
            }

            // Counting stops at a cap so a gzip bomb appended after valid data costs bounded time.
            long trailing = CountRemaining(gzip, TrailingCountCap);
            if (trailing > 0)
            {
                string amount = trailing > TrailingCountCap ? $"more than {TrailingCountCap}" : $"{trailing}";
                string total = trailing > TrailingCountCap ? $"more than {expected + TrailingCountCap}" : $"{expected + trailing}";
                throw new IdxFormatException(
                    $"{name}: {amount} trailing bytes: the header ({Describe(dims)}) needs {headerLength} + {payloadLength} = {expected} bytes, but the gzip data decompresses to {total}");
            }

            return (dims, payload);
        }
        catch (InvalidDataException ex)
        {
            throw new IdxFormatException($"{name}: corrupt gzip data: {OneLine(ex.Message)}", ex);
        }
    }

    /// <summary>
    /// Reads and checks the magic number and dimensions. Returns the dimensions, the payload
    /// length (their product, already checked against the limit) and the header length.
    /// </summary>
    private static (int[] Dims, int PayloadLength, int HeaderLength) ReadHeader(
        Stream stream, string name, int rank, long maxBytes, bool decompressed)
    {
        string what = decompressed ? "the decompressed data" : "the file";
        int headerLength = 4 + 4 * rank;
        uint expectedMagic = (uint)(UnsignedByteType << 8 | rank);

        Span<byte> magicBytes = stackalloc byte[4];
        int got = ReadAtMost(stream, magicBytes);
        if (got < 4)
        {
            throw new IdxFormatException(got == 0 && !decompressed
                ? $"{name}: empty file, expected an IDX header of {headerLength} bytes"
                : $"{name}: {what} has only {got} bytes, shorter than the {headerLength}-byte IDX header");
        }

        uint magic = BinaryPrimitives.ReadUInt32BigEndian(magicBytes);
        if (magicBytes[0] != 0 || magicBytes[1] != 0)
        {
            throw new IdxFormatException(
                $"{name}: not an IDX file: magic number 0x{magic:X8}, expected 0x{expectedMagic:X8} (unsigned bytes, rank {rank})");
        }

        if (magicBytes[2] != UnsignedByteType)
        {
            throw new IdxFormatException(
                $"{name}: IDX data type 0x{magicBytes[2]:X2} ({TypeName(magicBytes[2])}) in magic number 0x{magic:X8}, expected 0x08 (unsigned byte), magic 0x{expectedMagic:X8}");
        }

        int foundRank = magicBytes[3];
        if (foundRank != rank)
        {
            string hint = (foundRank, rank) switch
            {
                (1, 3) => "; this looks like a label file, not an image file",
                (3, 1) => "; this looks like an image file, not a label file",
                _ => string.Empty,
            };
            throw new IdxFormatException(
                $"{name}: IDX rank {foundRank} (magic number 0x{magic:X8}), expected rank {rank} (magic 0x{expectedMagic:X8}){hint}");
        }

        Span<byte> dimBytes = stackalloc byte[4 * rank];
        got = ReadAtMost(stream, dimBytes);
        if (got < dimBytes.Length)
        {
            throw new IdxFormatException(
                $"{name}: {what} has only {4 + got} bytes, shorter than the {headerLength}-byte IDX header");
        }

        // Dimensions are 32-bit and there are at most three, so their product fits in 96 bits:
        // UInt128 gives the exact number for the message with no overflow to reason about.
        var dims = new uint[rank];
        UInt128 product = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadUInt32BigEndian(dimBytes[(4 * i)..]);
            product *= dims[i];
        }

        for (int i = 0; i < rank; i++)
        {
            if (dims[i] == 0)
            {
                throw new IdxFormatException(
                    $"{name}: dimension {i + 1} of {rank} is zero in the header ({string.Join(" × ", dims)})");
            }
        }

        long limit = Math.Min(maxBytes, Array.MaxLength);
        if (product > (UInt128)limit)
        {
            string bound = limit == maxBytes ? $"the limit of {limit} bytes" : $"the largest possible array ({limit} bytes)";
            throw new IdxFormatException(
                $"{name}: the header claims {string.Join(" × ", dims)} = {product} bytes, more than {bound}");
        }

        // Every dimension is at most the product, which is at most Array.MaxLength: all fit int.
        int[] result = Array.ConvertAll(dims, d => (int)d);
        return (result, (int)product, headerLength);
    }

    /// <summary>
    /// Reads up to <paramref name="length"/> bytes into a buffer that starts at
    /// <see cref="InitialGzipChunk"/> and at most doubles, so its size never exceeds what was
    /// actually decompressed by more than a bounded factor. The final size is exactly
    /// <paramref name="length"/> on success, so no trimming copy is needed.
    /// </summary>
    private static byte[] ReadGrowing(Stream stream, int length, out int filled)
    {
        byte[] buffer = new byte[Math.Min(length, InitialGzipChunk)];
        filled = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                if (filled == length)
                {
                    return buffer;
                }

                int grown = (int)Math.Min(length, 2L * buffer.Length);
                Array.Resize(ref buffer, grown);
            }

            int n = stream.Read(buffer, filled, buffer.Length - filled);
            if (n == 0)
            {
                return buffer;
            }

            filled += n;
        }
    }

    /// <summary>
    /// Counts (without keeping) what is left in the stream, for the trailing-data message;
    /// stops once the count passes <paramref name="cap"/>.
    /// </summary>
    private static long CountRemaining(Stream stream, long cap)
    {
        Span<byte> scratch = stackalloc byte[4096];
        long total = 0;
        int n;
        while (total <= cap && (n = stream.Read(scratch)) > 0)
        {
            total += n;
        }

        return total;
    }

    /// <summary>Fills as much of <paramref name="buffer"/> as the stream has; returns the count.</summary>
    private static int ReadAtMost(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private static string Describe(int[] dims) => string.Join(" × ", dims);

    private static string TypeName(byte type) => type switch
    {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "16-bit integer",
        0x0C => "32-bit integer",
        0x0D => "32-bit float",
        0x0E => "64-bit float",
        _ => "unknown",
    };

    // Messages of this project are one line; some runtime messages are not.
    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
