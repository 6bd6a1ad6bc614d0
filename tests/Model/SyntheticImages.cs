using IlgpuVae.Engine.Data;

namespace IlgpuVae.Tests.Model;

/// <summary>
/// Small in-memory datasets with structure a VAE can learn: 8×8 images, each one of four fixed binary
/// patterns (a horizontal bar, a vertical bar, the diagonal, the border) with a fraction of its pixels
/// flipped, optionally with grey-level jitter. Deterministic for a given seed.
/// </summary>
internal static class SyntheticImages
{
    public const int Side = 8;
    public const int Pixels = Side * Side;

    /// <summary>Whether pixel (row, column) is ink in pattern <paramref name="pattern"/> (0–3).</summary>
    public static bool Ink(int pattern, int row, int column) => pattern switch
    {
        0 => row is 3 or 4,
        1 => column is 3 or 4,
        2 => row == column || row == column + 1,
        _ => row == 0 || row == Side - 1 || column == 0 || column == Side - 1,
    };

    /// <summary>
    /// <paramref name="count"/> images: pattern i mod 4 with each pixel flipped with probability
    /// <paramref name="flip"/>; ink is 255 and background 0, or, with <paramref name="grey"/>, ink in
    /// [160, 255] and background in [0, 95].
    /// </summary>
    public static ImageSet Create(int count, int seed, double flip, bool grey = false)
    {
        var random = new Random(seed);
        var pixels = new byte[count * Pixels];
        for (int i = 0; i < count; i++)
            for (int r = 0; r < Side; r++)
                for (int c = 0; c < Side; c++)
                {
                    bool ink = Ink(i % 4, r, c) ^ (random.NextDouble() < flip);
                    pixels[i * Pixels + r * Side + c] = grey
                        ? (byte)(ink ? 160 + random.Next(96) : random.Next(96))
                        : (byte)(ink ? 255 : 0);
                }
        return new ImageSet(count, Side, Side, pixels);
    }

    /// <summary>A training and a test set from different seeds.</summary>
    public static Dataset Dataset(int train, int test, double flip, bool grey = false) =>
        new("synthetic", Create(train, 1, flip, grey), Create(test, 2, flip, grey), null, null);
}
