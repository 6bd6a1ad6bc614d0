using IlgpuVae.Runner.Figures;
using NUnit.Framework;

namespace IlgpuVae.Tests.Figures;

/// <summary>The PNG encoder and its CRC-32, read back by an independent reader (<see cref="PngFile"/>).</summary>
[TestFixture]
public sealed class PngTests
{
    [Test]
    public void Crc32HasTheStandardCheckValue() =>
        Assert.That(Crc32.Compute("123456789"u8), Is.EqualTo(0xCBF43926u));

    [Test]
    public void Crc32CanContinueAcrossPieces() =>
        Assert.That(Crc32.Compute("6789"u8, Crc32.Compute("12345"u8)), Is.EqualTo(Crc32.Compute("123456789"u8)));

    [TestCase(1, 1)]
    [TestCase(7, 3)]
    [TestCase(300, 41)]
    public void GreyImagesRoundTrip(int width, int height)
    {
        var pixels = new byte[width * height];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 37 + i / 7);
        var png = PngFile.Read(Png.Encode(width, height, Png.Greyscale, pixels));
        Assert.That((png.Width, png.Height, png.Channels), Is.EqualTo((width, height, 1)));
        Assert.That(png.Pixels, Is.EqualTo(pixels));
    }

    [Test]
    public void CanvasesRoundTripAsRgb()
    {
        var canvas = new Canvas(33, 20, Rgb.White);
        canvas.Line(0, 0, 32, 19, new Rgb(200, 10, 30), 2);
        canvas.Text(2, 2, "NZ=20", Rgb.Black, 1);
        var png = PngFile.Read(canvas.ToPng());
        Assert.That((png.Width, png.Height, png.Channels), Is.EqualTo((33, 20, 3)));
        Assert.That(png.Pixels[..3], Is.EqualTo(new byte[] { 200, 10, 30 }), "the line starts at the top-left pixel");
        Assert.That(png.DistinctValues, Is.GreaterThanOrEqualTo(4));
    }

    [Test]
    public void WrongSizesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => Png.Encode(2, 2, Png.Greyscale, new byte[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Png.Encode(0, 2, Png.Greyscale, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => Png.Encode(1, 1, 6, new byte[4]));
    }

    [Test]
    public void EveryGlyphIsSevenRowsOfFiveBits()
    {
        foreach (char c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ .,-+=():/%_^[]<>?×*~≈'−|")
        {
            var g = BitmapFont.Glyph(c);
            Assert.That(g, Has.Length.EqualTo(BitmapFont.Height), $"'{c}'");
            Assert.That(g.All(row => row < 32), $"'{c}'");
        }
        Assert.That(BitmapFont.Glyph('a'), Is.SameAs(BitmapFont.Glyph('A')), "lower case is drawn as capitals");
        Assert.That(BitmapFont.Glyph('§'), Is.SameAs(BitmapFont.Glyph('?')));
        Assert.That(BitmapFont.Glyph('|'), Is.Not.SameAs(BitmapFont.Glyph('?')), "the scatter plot's |Z| needs it");
    }
}
