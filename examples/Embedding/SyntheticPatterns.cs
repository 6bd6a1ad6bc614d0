using IlgpuVae.Engine.Data;

namespace IlgpuVae.Examples.Embedding;

/// <summary>
/// A stand-in for real data, so the example runs anywhere in a second: 8×8 images, each one of four
/// shapes (a horizontal bar, a vertical bar, a diagonal, a frame) with a few pixels flipped.
/// A VAE learns to tell the shapes apart in its latent space.
/// </summary>
internal static class SyntheticPatterns
{
    public const int Side = 8;

    /// <summary>A data set of <paramref name="train"/> training and <paramref name="test"/> test images.</summary>
    public static Dataset Create(int train, int test) =>
        new("synthetic patterns", Images(train, seed: 1), Images(test, seed: 2), null, null);

    private static ImageSet Images(int count, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[count * Side * Side];
        for (int i = 0; i < count; i++)
            for (int row = 0; row < Side; row++)
                for (int column = 0; column < Side; column++)
                {
                    bool ink = Shape(i % 4, row, column) ^ (random.NextDouble() < 0.05);
                    pixels[(i * Side + row) * Side + column] = ink ? (byte)255 : (byte)0;
                }
        return new ImageSet(count, Side, Side, pixels);
    }

    private static bool Shape(int shape, int row, int column) => shape switch
    {
        0 => row is 3 or 4,
        1 => column is 3 or 4,
        2 => row == column,
        _ => row is 0 or Side - 1 || column is 0 or Side - 1,
    };
}
