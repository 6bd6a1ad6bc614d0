using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace IlgpuVae.Runner.Figures;

/// <summary>
/// A minimal PNG encoder (no image library is available here): 8-bit greyscale or 8-bit RGB, no
/// interlacing, every scanline with filter type 0 (none), the image data compressed by
/// <see cref="ZLibStream"/> into one IDAT chunk. Chunks are length, type, data and the CRC-32 of type
/// and data, as the PNG specification (ISO/IEC 15948) lays out.
/// </summary>
internal static class Png
{
    /// <summary>The 8 bytes every PNG file starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>PNG colour type 0 (greyscale) and 2 (truecolour RGB).</summary>
    public const byte Greyscale = 0, Rgb = 2;

    /// <summary>Encodes <paramref name="pixels"/> (row-major; 1 byte per pixel for greyscale, 3 for RGB).</summary>
    public static byte[] Encode(int width, int height, byte colourType, ReadOnlySpan<byte> pixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        int channels = colourType switch
        {
            Greyscale => 1,
            Rgb => 3,
            _ => throw new ArgumentOutOfRangeException(nameof(colourType), colourType, "only greyscale (0) and RGB (2) are written"),
        };
        int stride = checked(width * channels);
        if (pixels.Length != (long)stride * height) throw new ArgumentException($"{width}×{height}×{channels} needs {(long)stride * height} bytes, got {pixels.Length}", nameof(pixels));

        using var file = new MemoryStream();
        file.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;           // bit depth
        header[9] = colourType;
        header[10] = 0;          // compression: deflate
        header[11] = 0;          // filter method 0
        header[12] = 0;          // no interlace
        WriteChunk(file, "IHDR", header);

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
            {
                zlib.WriteByte(0); // filter type: none
                zlib.Write(pixels.Slice(y * stride, stride));
            }
        }
        WriteChunk(file, "IDAT", compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(file, "IEND", []);
        return file.ToArray();
    }

    private static void WriteChunk(Stream file, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        file.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, typeBytes);
        file.Write(typeBytes);
        file.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Compute(data, Crc32.Compute(typeBytes)));
        file.Write(word);
    }
}
