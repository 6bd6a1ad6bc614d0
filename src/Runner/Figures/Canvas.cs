namespace IlgpuVae.Runner.Figures;

/// <summary>An sRGB colour, 8 bits per channel.</summary>
/// <param name="R">Red.</param>
/// <param name="G">Green.</param>
/// <param name="B">Blue.</param>
internal readonly record struct Rgb(byte R, byte G, byte B)
{
    public static readonly Rgb White = new(255, 255, 255);
    public static readonly Rgb Black = new(0, 0, 0);
    public static readonly Rgb Grey = new(128, 128, 128);
    public static readonly Rgb LightGrey = new(225, 225, 225);
}

/// <summary>
/// An RGB raster with the few drawing operations the figures need: pixels, filled rectangles, lines of
/// a given width (optionally dashed), small discs and text in <see cref="BitmapFont"/>, horizontal or
/// turned a quarter left. Everything outside the canvas is clipped. Encodes itself as a PNG.
/// </summary>
internal sealed class Canvas
{
    private readonly byte[] _rgb;

    public Canvas(int width, int height, Rgb background)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        Width = width;
        Height = height;
        _rgb = new byte[checked(width * height * 3)];
        Fill(0, 0, width, height, background);
    }

    public int Width { get; }
    public int Height { get; }

    public void Set(int x, int y, Rgb c)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height) return;
        int i = (y * Width + x) * 3;
        _rgb[i] = c.R;
        _rgb[i + 1] = c.G;
        _rgb[i + 2] = c.B;
    }

    public Rgb Get(int x, int y)
    {
        int i = (y * Width + x) * 3;
        return new Rgb(_rgb[i], _rgb[i + 1], _rgb[i + 2]);
    }

    public void Fill(int x, int y, int width, int height, Rgb c)
    {
        for (int yy = Math.Max(0, y); yy < Math.Min(Height, y + height); yy++)
            for (int xx = Math.Max(0, x); xx < Math.Min(Width, x + width); xx++) Set(xx, yy, c);
    }

    /// <summary>A line from (x0, y0) to (x1, y1), <paramref name="thickness"/> pixels wide; dashed when dash &gt; 0 (dash pixels on, dash off).</summary>
    public void Line(double x0, double y0, double x1, double y1, Rgb c, int thickness = 1, int dash = 0)
    {
        double dx = x1 - x0, dy = y1 - y0;
        int steps = (int)Math.Ceiling(Math.Max(Math.Abs(dx), Math.Abs(dy)));
        double length = Math.Sqrt(dx * dx + dy * dy);
        for (int s = 0; s <= steps; s++)
        {
            double t = steps == 0 ? 0 : (double)s / steps;
            if (dash > 0 && (int)(t * length / dash) % 2 == 1) continue;
            Dot(x0 + t * dx, y0 + t * dy, c, thickness);
        }
    }

    /// <summary>A filled square of side <paramref name="size"/> centred on (x, y).</summary>
    public void Dot(double x, double y, Rgb c, int size)
    {
        int left = (int)Math.Round(x - (size - 1) / 2.0), top = (int)Math.Round(y - (size - 1) / 2.0);
        Fill(left, top, size, size, c);
    }

    /// <summary>A filled disc of radius <paramref name="radius"/> centred on (x, y).</summary>
    public void Disc(double x, double y, double radius, Rgb c)
    {
        int r = (int)Math.Ceiling(radius);
        int cx = (int)Math.Round(x), cy = (int)Math.Round(y);
        for (int dy = -r; dy <= r; dy++)
            for (int dx = -r; dx <= r; dx++)
                if (dx * dx + dy * dy <= radius * radius + 0.25) Set(cx + dx, cy + dy, c);
    }

    /// <summary>Text with its top-left corner at (x, y), each font pixel <paramref name="scale"/> × scale image pixels.</summary>
    public void Text(int x, int y, string text, Rgb c, int scale = 2)
    {
        for (int i = 0; i < text.Length; i++)
        {
            var glyph = BitmapFont.Glyph(text[i]);
            int gx = x + i * BitmapFont.Advance * scale;
            for (int row = 0; row < BitmapFont.Height; row++)
                for (int col = 0; col < BitmapFont.Width; col++)
                    if ((glyph[row] >> (BitmapFont.Width - 1 - col) & 1) != 0) Fill(gx + col * scale, y + row * scale, scale, scale, c);
        }
    }

    /// <summary>Text turned a quarter to the left (reading upwards), its bottom-left corner at (x, y + width).</summary>
    public void TextUp(int x, int y, string text, Rgb c, int scale = 2)
    {
        int width = BitmapFont.Measure(text, scale);
        for (int i = 0; i < text.Length; i++)
        {
            var glyph = BitmapFont.Glyph(text[i]);
            int along = i * BitmapFont.Advance * scale;
            for (int row = 0; row < BitmapFont.Height; row++)
                for (int col = 0; col < BitmapFont.Width; col++)
                    if ((glyph[row] >> (BitmapFont.Width - 1 - col) & 1) != 0)
                        Fill(x + row * scale, y + width - along - (col + 1) * scale, scale, scale, c);
        }
    }

    /// <summary>
    /// The canvas as a PNG file: greyscale when every pixel is grey (grids of decoded images, a third of
    /// the size), RGB otherwise.
    /// </summary>
    public byte[] ToPng()
    {
        var grey = new byte[Width * Height];
        for (int i = 0; i < grey.Length; i++)
        {
            byte r = _rgb[3 * i];
            if (_rgb[3 * i + 1] != r || _rgb[3 * i + 2] != r) return Png.Encode(Width, Height, Png.Rgb, _rgb);
            grey[i] = r;
        }
        return Png.Encode(Width, Height, Png.Greyscale, grey);
    }
}
