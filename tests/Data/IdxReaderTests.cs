using System.Diagnostics;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Data;
using NUnit.Framework;

namespace IlgpuVae.Tests.Data;

/// <summary>
/// The IDX reader: round trips of small synthetic files, raw and gzipped, and refusal of every
/// kind of malformed file with an <see cref="IdxFormatException"/> — in particular headers that
/// claim huge payloads, which must be refused without allocating them.
/// </summary>
[TestFixture]
public sealed class IdxReaderTests
{
    // "A few MB": the gzip reader's first chunk is 1 MiB; anything near the claimed sizes
    // (gigabytes) would be far above this.
    private const long AllocationBudget = 4L << 20;

    private string _dir = null!;

    /// <summary>Creates a fresh temp directory for the test's files.</summary>
    [SetUp]
    public void SetUp() => _dir = SyntheticIdx.NewTempDirectory();

    /// <summary>Deletes the test's temp directory.</summary>
    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    /// <summary>A valid image file, raw or gzipped, reads back with its exact shape and pixels.</summary>
    [TestCase(false)]
    [TestCase(true)]
    public void ImagesRoundTrip(bool gzip)
    {
        string path = SyntheticIdx.WriteImages(Path.Combine(_dir, "images"), count: 5, rows: 3, columns: 4, gzip);

        ImageSet set = IdxReader.ReadImages(path);

        Assert.That(set.Count, Is.EqualTo(5));
        Assert.That(set.Rows, Is.EqualTo(3));
        Assert.That(set.Columns, Is.EqualTo(4));
        Assert.That(set.PixelsPerImage, Is.EqualTo(12));
        Assert.That(set.Pixels, Is.EqualTo(SyntheticIdx.ExpectedPixels(5, 3, 4)));
        Assert.That(set.GetImage(2).ToArray(), Is.EqualTo(SyntheticIdx.ExpectedPixels(5, 3, 4)[24..36]));
    }

    /// <summary>A valid label file, raw or gzipped, reads back exactly.</summary>
    [TestCase(false)]
    [TestCase(true)]
    public void LabelsRoundTrip(bool gzip)
    {
        string path = SyntheticIdx.WriteLabels(Path.Combine(_dir, "labels"), count: 23, gzip);

        Assert.That(IdxReader.ReadLabels(path), Is.EqualTo(SyntheticIdx.ExpectedLabels(23)));
    }

    /// <summary>Gzip is recognised by content, so a gzipped file without a .gz name still reads, and the stream overload works.</summary>
    [Test]
    public void GzipIsDetectedByMagicNotByName()
    {
        byte[] gz = SyntheticIdx.Gzip(SyntheticIdx.ImageFile(2, 2, 2));
        using var stream = new MemoryStream(gz);

        ImageSet set = IdxReader.ReadImages(stream, "in-memory.idx");

        Assert.That(set.Pixels, Is.EqualTo(SyntheticIdx.ExpectedPixels(2, 2, 2)));
    }

    /// <summary>A raw file shorter than its header says is refused with both lengths in the message.</summary>
    [Test]
    public void TruncatedRawPayloadIsRefused()
    {
        byte[] file = SyntheticIdx.ImageFile(4, 5, 5);
        string path = SyntheticIdx.Write(Path.Combine(_dir, "short"), file[..^3]);

        var ex = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));

        Assert.That(ex!.Message, Does.StartWith(path + ":"));
        Assert.That(ex.Message, Does.Contain("truncated"));
        Assert.That(ex.Message, Does.Contain($"{file.Length}").And.Contain($"{file.Length - 3}"));
    }

    /// <summary>A gzipped file whose decompressed payload is short is refused.</summary>
    [Test]
    public void TruncatedGzipPayloadIsRefused()
    {
        byte[] file = SyntheticIdx.ImageFile(4, 5, 5);
        string path = SyntheticIdx.Write(Path.Combine(_dir, "short.gz"), file[..^3], gzip: true);

        var ex = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));

        Assert.That(ex!.Message, Does.Contain("truncated").And.Contain($"{file.Length - 3}"));
    }

    /// <summary>A gzip stream cut off in the middle of its compressed data is refused.</summary>
    [Test]
    public void CutGzipStreamIsRefused()
    {
        byte[] gz = SyntheticIdx.Gzip(SyntheticIdx.ImageFile(50, 28, 28));
        string path = SyntheticIdx.Write(Path.Combine(_dir, "cut.gz"), gz[..(gz.Length / 2)]);

        Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));
    }

    /// <summary>Bytes after the payload are refused, raw (with both lengths) and gzipped.</summary>
    [TestCase(false)]
    [TestCase(true)]
    public void TrailingBytesAreRefused(bool gzip)
    {
        byte[] file = [.. SyntheticIdx.LabelFile(10), 1, 2];
        string path = SyntheticIdx.Write(Path.Combine(_dir, "long"), file, gzip);

        var ex = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(path));

        Assert.That(ex!.Message, Does.Contain("2 trailing bytes"));
        Assert.That(ex.Message, Does.Contain($"{file.Length - 2}").And.Contain($"{file.Length}"));
    }

    /// <summary>A file that is not IDX is refused with the magic found and the one expected.</summary>
    [Test]
    public void WrongMagicIsRefused()
    {
        byte[] file = SyntheticIdx.ImageFile(1, 2, 2);
        file[0] = 0x50; // 'P', as in a PNG or a text file
        string path = SyntheticIdx.Write(Path.Combine(_dir, "notidx"), file);

        var ex = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));

        Assert.That(ex!.Message, Does.Contain("0x50000803").And.Contain("0x00000803"));
    }

    /// <summary>A non-byte data type (here float32) is refused.</summary>
    [Test]
    public void WrongDataTypeIsRefused()
    {
        byte[] file = [.. SyntheticIdx.Header(0x00000D03, 1, 1, 1), 0, 0, 0, 0];
        string path = SyntheticIdx.Write(Path.Combine(_dir, "float"), file);

        var ex = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));

        Assert.That(ex!.Message, Does.Contain("0x0D").And.Contain("unsigned byte"));
    }

    /// <summary>A label file given as images (rank 1 for rank 3) is refused, and vice versa.</summary>
    [Test]
    public void WrongRankIsRefused()
    {
        string labels = SyntheticIdx.WriteLabels(Path.Combine(_dir, "labels"), 10);
        string images = SyntheticIdx.WriteImages(Path.Combine(_dir, "images"), 2, 2, 2);

        var asImages = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(labels));
        var asLabels = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(images));

        Assert.That(asImages!.Message, Does.Contain("rank 1").And.Contain("label file"));
        Assert.That(asLabels!.Message, Does.Contain("rank 3").And.Contain("image file"));
    }

    /// <summary>A zero dimension is refused, whichever it is.</summary>
    [TestCase(0u, 28u, 28u)]
    [TestCase(10u, 0u, 28u)]
    [TestCase(10u, 28u, 0u)]
    public void ZeroDimensionIsRefused(uint count, uint rows, uint columns)
    {
        string path = SyntheticIdx.Write(Path.Combine(_dir, "zero"), SyntheticIdx.Header(0x00000803, count, rows, columns));

        var ex = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));

        Assert.That(ex!.Message, Does.Contain("is zero"));
    }

    /// <summary>
    /// A header claiming 2^31 images of 28×28 (1.7 TB) is refused from the header alone, raw
    /// or gzipped, quickly and without allocating anything near that.
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    public void HugeHeaderIsRefusedWithoutAllocating(bool gzip)
    {
        byte[] file = [.. SyntheticIdx.Header(0x00000803, 1u << 31, 28, 28), 1, 2, 3];
        string path = SyntheticIdx.Write(Path.Combine(_dir, "huge"), file, gzip);

        var ex = AssertRefusedCheaply(() => IdxReader.ReadImages(path));

        Assert.That(ex.Message, Does.Contain("2147483648 × 28 × 28"));
    }

    /// <summary>
    /// With the limit lifted, a header claiming 2^31 − 2^20 one-pixel images gets past the size
    /// check; a raw file is then refused by its length, and a tiny .gz by its truncated
    /// payload, in both cases without allocating the claimed 2 GB.
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    public void HugeClaimPastTheLimitIsRefusedWithoutAllocating(bool gzip)
    {
        const uint claimed = (1u << 31) - (1u << 20);
        byte[] file = [.. SyntheticIdx.Header(0x00000803, claimed, 1, 1), 1, 2, 3];
        string path = SyntheticIdx.Write(Path.Combine(_dir, "liar"), file, gzip);

        var ex = AssertRefusedCheaply(() => IdxReader.ReadImages(path, maxBytes: long.MaxValue));

        Assert.That(ex.Message, Does.Contain("truncated"));
    }

    /// <summary>Data that starts with the gzip magic but is not valid deflate is an IdxFormatException.</summary>
    [Test]
    public void CorruptGzipIsRefused()
    {
        byte[] gz = SyntheticIdx.Gzip(SyntheticIdx.ImageFile(3, 4, 4));
        for (int i = 10; i < gz.Length - 8; i++)
        {
            gz[i] ^= 0xA5; // scramble the deflate body, keep the gzip header
        }

        string path = SyntheticIdx.Write(Path.Combine(_dir, "corrupt.gz"), gz);

        var ex = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(path));

        Assert.That(ex!.Message, Does.StartWith(path + ":"));
    }

    /// <summary>An empty file and a file shorter than the header are refused.</summary>
    [Test]
    public void EmptyAndShortFilesAreRefused()
    {
        string empty = SyntheticIdx.Write(Path.Combine(_dir, "empty"), []);
        string shortHeader = SyntheticIdx.Write(Path.Combine(_dir, "short"), SyntheticIdx.Header(0x00000803, 1, 2));

        var emptyEx = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(empty));
        var shortEx = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(shortHeader));

        Assert.That(emptyEx!.Message, Does.Contain("empty"));
        Assert.That(shortEx!.Message, Does.Contain("12 bytes").And.Contain("16-byte"));
    }

    /// <summary>A missing file is an InputException (not a format error) saying so.</summary>
    [Test]
    public void MissingFileIsAnInputException()
    {
        string path = Path.Combine(_dir, "absent");

        var ex = Assert.Throws<InputException>(() => IdxReader.ReadLabels(path));

        Assert.That(ex!.Message, Is.EqualTo($"{path}: no such IDX file"));
    }

    /// <summary>Every message is one line, so the command line can print it as is.</summary>
    [Test]
    public void MessagesAreOneLine()
    {
        byte[] gz = SyntheticIdx.Gzip(SyntheticIdx.LabelFile(100));
        gz[12] ^= 0xFF;
        string path = SyntheticIdx.Write(Path.Combine(_dir, "bad.gz"), gz);

        var ex = Assert.Throws<IdxFormatException>(() => IdxReader.ReadLabels(path));

        Assert.That(ex!.Message, Does.Not.Contain('\n'));
    }

    private static IdxFormatException AssertRefusedCheaply(Action read)
    {
        var clock = Stopwatch.StartNew();
        long before = GC.GetAllocatedBytesForCurrentThread();
        IdxFormatException? caught = null;
        try
        {
            read();
        }
        catch (IdxFormatException ex)
        {
            caught = ex;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        clock.Stop();

        Assert.That(caught, Is.Not.Null, "expected an IdxFormatException");
        Assert.That(allocated, Is.LessThan(AllocationBudget), "bytes allocated while refusing");
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)));
        return caught!;
    }
}
