using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using NUnit.Framework;

namespace IlgpuVae.Tests.Figures;

/// <summary>
/// An independent reader of the PNG files the project writes, for the tests: it checks the signature,
/// the chunk sequence (IHDR first, IDAT, IEND last), the CRC-32 of every chunk (computed bit by bit here,
/// not with the encoder's table), the IHDR fields, and that the zlib stream inflates to exactly one
/// filter byte plus one row of pixels per scanline; it returns the pixels.
/// </summary>
internal sealed record PngFile(int Width, int Height, int Channels, byte[] Pixels)
{
    public static PngFile Read(byte[] file)
    {
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.That(file.AsSpan(0, 8).ToArray(), Is.EqualTo(signature), "PNG signature");
        int at = 8, width = 0, height = 0, channels = 0;
        var chunks = new List<string>();
        using var idat = new MemoryStream();
        while (at < file.Length)
        {
            Assert.That(at + 12, Is.LessThanOrEqualTo(file.Length), "truncated chunk");
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            string type = Encoding.ASCII.GetString(file, at + 4, 4);
            var data = file.AsSpan(at + 8, length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at + 8 + length));
            Assert.That(crc, Is.EqualTo(BitwiseCrc(file.AsSpan(at + 4, 4 + length))), $"CRC of chunk {type}");
            chunks.Add(type);
            if (type == "IHDR")
            {
                Assert.That(length, Is.EqualTo(13));
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.That(data[8], Is.EqualTo(8), "bit depth");
                channels = data[9] switch { 0 => 1, 2 => 3, _ => throw new AssertionException($"colour type {data[9]}") };
                Assert.That(data[10..13].ToArray(), Is.EqualTo(new byte[3]), "compression, filter, interlace");
            }
            if (type == "IDAT") idat.Write(data);
            at += 12 + length;
        }
        Assert.That(chunks[0], Is.EqualTo("IHDR"));
        Assert.That(chunks[^1], Is.EqualTo("IEND"));
        Assert.That(chunks, Does.Contain("IDAT"));
        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.CopyTo(inflated);
        var raw = inflated.ToArray();
        int stride = width * channels;
        Assert.That(raw.Length, Is.EqualTo(height * (1 + stride)), "inflated size: one filter byte and one row per scanline");
        var pixels = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            Assert.That(raw[y * (1 + stride)], Is.EqualTo(0), "filter type none");
            Array.Copy(raw, y * (1 + stride) + 1, pixels, y * stride, stride);
        }
        return new PngFile(width, height, channels, pixels);
    }

    public static PngFile ReadFile(string path) => Read(File.ReadAllBytes(path));

    /// <summary>Distinct pixel values (a picture with one value is a failed picture).</summary>
    public int DistinctValues => Pixels.Distinct().Count();

    private static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (uint)-(int)(c & 1));
        }
        return ~c;
    }
}
