using System.Buffers.Binary;
using System.IO.Compression;

namespace IlgpuVae.Tests.Data;

/// <summary>
/// Builds small IDX files for tests: valid image and label files with a known, index-derived
/// content (so a reader's output can be checked pixel by pixel), raw or gzipped, plus the raw
/// pieces (headers, gzip) for crafting broken ones. Any test that needs a tiny dataset on disk
/// can use <see cref="WriteDataset"/>.
/// </summary>
internal static class SyntheticIdx
{
    /// <summary>The value of pixel <paramref name="pixel"/> of image <paramref name="image"/> in synthetic files: varied, cheap, and easy to recompute.</summary>
    public static byte PixelValue(int image, int pixel) => (byte)(image * 31 + pixel * 7 + 3);

    /// <summary>The label of image <paramref name="image"/> in synthetic files: cycles through 0–9 like MNIST's classes.</summary>
    public static byte LabelValue(int image) => (byte)(image % 10);

    /// <summary>An IDX header: the big-endian magic number followed by the big-endian dimensions.</summary>
    public static byte[] Header(uint magic, params uint[] dims)
    {
        byte[] header = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteUInt32BigEndian(header, magic);
        for (int i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        }

        return header;
    }

    /// <summary>The bytes of a valid unsigned-byte image file (magic 0x00000803) with <see cref="PixelValue"/> content.</summary>
    public static byte[] ImageFile(int count, int rows, int columns)
    {
        byte[] header = Header(0x00000803, (uint)count, (uint)rows, (uint)columns);
        int perImage = rows * columns;
        byte[] file = new byte[header.Length + count * perImage];
        header.CopyTo(file, 0);
        for (int image = 0; image < count; image++)
        {
            for (int p = 0; p < perImage; p++)
            {
                file[header.Length + image * perImage + p] = PixelValue(image, p);
            }
        }

        return file;
    }

    /// <summary>The bytes of a valid label file (magic 0x00000801) with <see cref="LabelValue"/> content.</summary>
    public static byte[] LabelFile(int count)
    {
        byte[] header = Header(0x00000801, (uint)count);
        byte[] file = new byte[header.Length + count];
        header.CopyTo(file, 0);
        for (int i = 0; i < count; i++)
        {
            file[header.Length + i] = LabelValue(i);
        }

        return file;
    }

    /// <summary>The expected pixel array of <see cref="ImageFile"/>, for comparisons.</summary>
    public static byte[] ExpectedPixels(int count, int rows, int columns) =>
        ImageFile(count, rows, columns)[16..];

    /// <summary>The expected label array of <see cref="LabelFile"/>, for comparisons.</summary>
    public static byte[] ExpectedLabels(int count) => LabelFile(count)[8..];

    /// <summary>Gzip-compresses <paramref name="data"/>.</summary>
    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>Writes <paramref name="data"/> to <paramref name="path"/>, gzipped when asked; returns the path.</summary>
    public static string Write(string path, byte[] data, bool gzip = false)
    {
        File.WriteAllBytes(path, gzip ? Gzip(data) : data);
        return path;
    }

    /// <summary>Writes a valid image file; returns its path.</summary>
    public static string WriteImages(string path, int count, int rows, int columns, bool gzip = false) =>
        Write(path, ImageFile(count, rows, columns), gzip);

    /// <summary>Writes a valid label file; returns its path.</summary>
    public static string WriteLabels(string path, int count, bool gzip = false) =>
        Write(path, LabelFile(count), gzip);

    /// <summary>
    /// Writes a dataset under the four standard MNIST names into <paramref name="directory"/>
    /// (with <c>.gz</c> appended when <paramref name="gzip"/>), loadable with
    /// <c>DataSources.Load(directory, …)</c>. Returns the directory.
    /// </summary>
    public static string WriteDataset(
        string directory, int trainCount, int testCount, int rows = 28, int columns = 28,
        bool gzip = false, bool labels = true)
    {
        Directory.CreateDirectory(directory);
        string suffix = gzip ? ".gz" : string.Empty;
        WriteImages(Path.Combine(directory, "train-images-idx3-ubyte" + suffix), trainCount, rows, columns, gzip);
        WriteImages(Path.Combine(directory, "t10k-images-idx3-ubyte" + suffix), testCount, rows, columns, gzip);
        if (labels)
        {
            WriteLabels(Path.Combine(directory, "train-labels-idx1-ubyte" + suffix), trainCount, gzip);
            WriteLabels(Path.Combine(directory, "t10k-labels-idx1-ubyte" + suffix), testCount, gzip);
        }

        return directory;
    }

    /// <summary>A new empty directory under the system temp directory; the caller deletes it.</summary>
    public static string NewTempDirectory() =>
        Directory.CreateTempSubdirectory("ilgpuvae-test-").FullName;
}
