namespace IlgpuVae.Runner.Figures;

/// <summary>
/// Lays out small grey-level images (values in [0, 1], 1 = white ink on black, as MNIST is usually shown)
/// in a grid with a grey gutter, each image pixel drawn as a square of <c>scale</c> image pixels.
/// </summary>
internal static class ImageGrid
{
    /// <summary>Gutter between tiles, in image pixels.</summary>
    public const int Gutter = 2;
    private static readonly Rgb GutterColour = new(96, 96, 96);

    /// <summary>
    /// A canvas with <paramref name="count"/> images of <paramref name="rows"/> × <paramref name="columns"/>
    /// pixels (row-major, image after image in <paramref name="pixels"/>), <paramref name="perRow"/> per grid row.
    /// </summary>
    public static Canvas Render(ReadOnlySpan<float> pixels, int count, int rows, int columns, int perRow, int scale = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perRow, 1);
        int gridRows = (count + perRow - 1) / perRow;
        int tileW = columns * scale, tileH = rows * scale;
        var canvas = new Canvas(Gutter + perRow * (tileW + Gutter), Gutter + gridRows * (tileH + Gutter), GutterColour);
        for (int n = 0; n < count; n++)
        {
            int left = Gutter + (n % perRow) * (tileW + Gutter), top = Gutter + (n / perRow) * (tileH + Gutter);
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < columns; c++)
                {
                    float v = pixels[(n * rows + r) * columns + c];
                    byte g = (byte)Math.Clamp((int)Math.Round(v * 255.0), 0, 255);
                    canvas.Fill(left + c * scale, top + r * scale, scale, scale, new Rgb(g, g, g));
                }
        }
        return canvas;
    }

    /// <summary>Bytes 0–255 of an image set as values in [0, 1] (what the grid draws).</summary>
    public static float[] FromBytes(ReadOnlySpan<byte> bytes)
    {
        var v = new float[bytes.Length];
        for (int i = 0; i < v.Length; i++) v[i] = bytes[i] / 255f;
        return v;
    }
}
