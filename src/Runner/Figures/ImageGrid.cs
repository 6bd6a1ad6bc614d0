using SkiaSharp;

namespace IlgpuVae.Runner.Figures;

/// <summary>
/// Small grey-level images (values in [0, 1], 1 = white ink on black, as MNIST is usually shown) laid
/// out in a grid with a grey gutter, each image pixel a square of <c>scale</c> × scale picture pixels,
/// in an 8-bit grey SkiaSharp bitmap.
/// </summary>
internal sealed class ImageGrid : IFigure
{
    /// <summary>Gutter between tiles, in picture pixels.</summary>
    public const int Gutter = 2;

    /// <summary>Grey level of the gutter.</summary>
    public const byte GutterGrey = 96;

    private readonly SKBitmap _bitmap;

    private ImageGrid(SKBitmap bitmap) => _bitmap = bitmap;

    /// <inheritdoc />
    public int Width => _bitmap.Width;

    /// <inheritdoc />
    public int Height => _bitmap.Height;

    /// <summary>Where the tile of image <paramref name="n"/> starts: its top-left picture pixel.</summary>
    public static (int X, int Y) TileOrigin(int n, int rows, int columns, int perRow, int scale) =>
        (Gutter + n % perRow * (columns * scale + Gutter), Gutter + n / perRow * (rows * scale + Gutter));

    /// <summary>
    /// <paramref name="count"/> images of <paramref name="rows"/> × <paramref name="columns"/> pixels (row-major,
    /// image after image in <paramref name="pixels"/>), <paramref name="perRow"/> per grid row.
    /// </summary>
    public static ImageGrid Render(ReadOnlySpan<float> pixels, int count, int rows, int columns, int perRow, int scale = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perRow, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        if (pixels.Length < (long)count * rows * columns) throw new ArgumentException($"{count} images of {rows}×{columns} need {(long)count * rows * columns} values, got {pixels.Length}", nameof(pixels));
        int gridRows = (count + perRow - 1) / perRow;
        int width = checked(Gutter + perRow * (columns * scale + Gutter)), height = checked(Gutter + gridRows * (rows * scale + Gutter));
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        var target = bitmap.GetPixelSpan();
        int stride = bitmap.RowBytes;
        target.Fill(GutterGrey);
        for (int n = 0; n < count; n++)
        {
            var (left, top) = TileOrigin(n, rows, columns, perRow, scale);
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < columns; c++)
                {
                    byte grey = Grey(pixels[(n * rows + r) * columns + c]);
                    for (int dy = 0; dy < scale; dy++)
                        target.Slice((top + r * scale + dy) * stride + left + c * scale, scale).Fill(grey);
                }
        }
        return new ImageGrid(bitmap);
    }

    /// <summary>The 8-bit grey level of a value in [0, 1] (clamped, rounded to nearest).</summary>
    public static byte Grey(float value) => (byte)Math.Clamp((int)Math.Round(value * 255.0), 0, 255);

    /// <summary>Bytes 0–255 of an image set as values in [0, 1] (what the grid draws).</summary>
    public static float[] FromBytes(ReadOnlySpan<byte> bytes)
    {
        var v = new float[bytes.Length];
        for (int i = 0; i < v.Length; i++) v[i] = bytes[i] / 255f;
        return v;
    }

    /// <inheritdoc />
    public byte[] ToPng()
    {
        using var data = _bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <inheritdoc />
    public void Dispose() => _bitmap.Dispose();
}
