using IlgpuVae.Engine.Data;

namespace IlgpuVae.Engine.Verification;

/// <summary>
/// Small made-up image sets for checks and tests that must not depend on downloaded data: each image
/// is one of four smooth patterns (stripes, a ring, a gradient, a blob) at a random shift, with noise,
/// so a VAE has structure to learn and gradients are neither zero nor degenerate.
/// </summary>
internal static class SyntheticData
{
    /// <summary>A dataset of <paramref name="trainCount"/> + <paramref name="testCount"/> images of side × side pixels.</summary>
    public static Dataset Create(int trainCount, int testCount, int side, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trainCount);
        ArgumentOutOfRangeException.ThrowIfNegative(testCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(side, 2);
        var random = new Random(seed);
        return new Dataset($"synthetic {side}x{side}", Images(trainCount, side, random), Images(testCount, side, random), null, null);
    }

    private static ImageSet Images(int count, int side, Random random)
    {
        var pixels = new byte[(long)count * side * side];
        for (int n = 0; n < count; n++)
        {
            int pattern = random.Next(4);
            double shift = random.NextDouble() * side;
            for (int r = 0; r < side; r++)
            {
                for (int c = 0; c < side; c++)
                {
                    double u = (double)r / side, v = (double)c / side;
                    double value = pattern switch
                    {
                        0 => 0.5 + 0.5 * Math.Sin(2 * Math.PI * (c + shift) / 4),
                        1 => Math.Exp(-Math.Pow(Math.Sqrt((u - 0.5) * (u - 0.5) + (v - 0.5) * (v - 0.5)) - 0.25 - shift / (8 * side), 2) * 80),
                        2 => (u + v) / 2,
                        _ => Math.Exp(-((u - shift / side) * (u - shift / side) + (v - 0.5) * (v - 0.5)) * 20),
                    };
                    value += 0.1 * (random.NextDouble() - 0.5);
                    pixels[(long)n * side * side + r * side + c] = (byte)Math.Clamp(Math.Round(value * 255), 0, 255);
                }
            }
        }
        return new ImageSet(count, side, side, pixels);
    }
}
