using NUnit.Framework;
using SkiaSharp;

namespace IlgpuVae.Tests.Figures;

/// <summary>
/// A PNG file decoded by SkiaSharp for the tests to look at: its size and the colour of every pixel
/// (opaque RGB; a grey picture has R = G = B).
/// </summary>
internal sealed class Picture
{
    private readonly SKColor[] _pixels;

    private Picture(int width, int height, SKColor[] pixels) => (Width, Height, _pixels) = (width, height, pixels);

    public int Width { get; }
    public int Height { get; }

    /// <summary>Decodes <paramref name="png"/>, failing the test when it is not a PNG file.</summary>
    public static Picture Decode(byte[] png)
    {
        Assert.That(png.AsSpan(0, 8).ToArray(), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), "PNG signature");
        using var bitmap = SKBitmap.Decode(png);
        Assert.That(bitmap, Is.Not.Null, "SkiaSharp decodes the file");
        return new Picture(bitmap.Width, bitmap.Height, bitmap.Pixels);
    }

    public static Picture Read(string path) => Decode(File.ReadAllBytes(path));

    public SKColor this[int x, int y] => _pixels[y * Width + x];

    /// <summary>The grey level at (x, y), failing the test when the pixel is not grey.</summary>
    public byte Grey(int x, int y)
    {
        var c = this[x, y];
        Assert.That((c.Green, c.Blue), Is.EqualTo((c.Red, c.Red)), $"pixel ({x}, {y}) is grey");
        return c.Red;
    }

    /// <summary>Distinct colours (a picture of one colour is a failed picture).</summary>
    public int DistinctColours => _pixels.Distinct().Count();

    /// <summary>Pixels in the rectangle [x0, x1) × [y0, y1) that are darker than mid-grey (drawn text, lines).</summary>
    public int DarkPixels(int x0, int y0, int x1, int y1)
    {
        int n = 0;
        for (int y = Math.Max(0, y0); y < Math.Min(Height, y1); y++)
            for (int x = Math.Max(0, x0); x < Math.Min(Width, x1); x++)
                if (this[x, y].Red + this[x, y].Green + this[x, y].Blue < 3 * 128) n++;
        return n;
    }

    /// <summary>Whether some pixel within <paramref name="radius"/> of (x, y) has colour <paramref name="colour"/> (each channel within <paramref name="tolerance"/>).</summary>
    public bool HasColourNear(double x, double y, SKColor colour, int radius = 1, int tolerance = 8)
    {
        for (int dy = -radius; dy <= radius; dy++)
            for (int dx = -radius; dx <= radius; dx++)
            {
                int px = (int)Math.Round(x) + dx, py = (int)Math.Round(y) + dy;
                if (px < 0 || py < 0 || px >= Width || py >= Height) continue;
                var c = this[px, py];
                if (Math.Abs(c.Red - colour.Red) <= tolerance && Math.Abs(c.Green - colour.Green) <= tolerance && Math.Abs(c.Blue - colour.Blue) <= tolerance) return true;
            }
        return false;
    }
}
