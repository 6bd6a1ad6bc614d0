using IlgpuVae.Engine;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Kernels;

namespace IlgpuVae.Runner.Figures;

/// <summary>
/// The pictures of a trained model, each from forward passes on the accelerator
/// (<see cref="VaeModel"/>): the learned manifold of a 2-D latent space (the paper's Figure 4),
/// samples from the prior, test images beside their reconstructions, and the test set in a 2-D latent
/// space coloured by label.
/// </summary>
internal static class ModelFigures
{
    /// <summary>
    /// The decoder means over a <paramref name="grid"/> × <paramref name="grid"/> grid of latent points
    /// z = (Φ⁻¹(u₁), Φ⁻¹(u₂)) with u = (i + ½)/grid: equal probability mass per cell under the prior. z₁
    /// grows to the right, z₂ upwards. Only for a 2-D latent space.
    /// </summary>
    public static ImageGrid Manifold(VaeModel model, int grid, int scale = 1, (int Rows, int Columns)? shape = null)
    {
        if (model.Config.LatentSize != 2) throw new InputException($"the manifold figure needs a 2-D latent space; this model has {model.Config.LatentSize} dimensions (train one with --latent 2)");
        if (grid < 2 || grid > 100) throw new InputException($"--grid must be between 2 and 100, got {grid}");
        var (rows, columns) = shape ?? Shape(model.Config.InputSize);
        var z = new float[grid * grid * 2];
        for (int r = 0; r < grid; r++)
            for (int c = 0; c < grid; c++)
            {
                int n = r * grid + c;
                z[2 * n] = (float)InverseNormalCdf.Evaluate((c + 0.5) / grid);
                z[2 * n + 1] = (float)InverseNormalCdf.Evaluate((grid - r - 0.5) / grid);
            }
        return ImageGrid.Render(model.Decode(z), grid * grid, rows, columns, grid, scale);
    }

    /// <summary><paramref name="count"/> decoder means at points drawn from the prior N(0, I).</summary>
    public static ImageGrid Samples(VaeModel model, int count, ulong seed, int scale = 2, (int Rows, int Columns)? shape = null)
    {
        if (count < 1 || count > 10_000) throw new InputException($"--count must be between 1 and 10000, got {count}");
        var (rows, columns) = shape ?? Shape(model.Config.InputSize);
        var means = model.Sample(count, seed);
        return ImageGrid.Render(means, count, rows, columns, PerRow(count), scale);
    }

    /// <summary>
    /// The first <paramref name="count"/> test images (odd grid rows) above their reconstructions, the decoder
    /// means at the encoder means (even grid rows), <paramref name="perRow"/> pairs per row.
    /// </summary>
    public static ImageGrid Reconstructions(VaeModel model, ImageSet images, int count, Binarization inputs, int perRow = 10, int scale = 2)
    {
        if (count < 1) throw new InputException($"--count must be at least 1, got {count}");
        count = Math.Min(count, images.Count);
        var subset = images.Take(count);
        var recon = model.Decode(model.Encode(subset, inputs).Mean);
        var originals = ImageGrid.FromBytes(subset.Pixels);
        int p = images.PixelsPerImage;
        int blocks = (count + perRow - 1) / perRow;
        var tiles = new float[blocks * 2 * perRow * p];
        for (int n = 0; n < count; n++)
        {
            int block = n / perRow, col = n % perRow;
            Array.Copy(originals, n * p, tiles, (block * 2 * perRow + col) * p, p);
            Array.Copy(recon, n * p, tiles, ((block * 2 + 1) * perRow + col) * p, p);
        }
        return ImageGrid.Render(tiles, blocks * 2 * perRow, images.Rows, images.Columns, perRow, scale);
    }

    /// <summary>The encoder means μ(x) of <paramref name="images"/> in a 2-D latent space, coloured by <paramref name="labels"/>.</summary>
    public static Chart LatentScatter(VaeModel model, ImageSet images, byte[]? labels, string dataName, Binarization inputs)
    {
        if (model.Config.LatentSize != 2) throw new InputException($"the latent scatter needs a 2-D latent space; this model has {model.Config.LatentSize} dimensions");
        var mu = model.Encode(images, inputs).Mean;
        var x = new float[images.Count];
        var y = new float[images.Count];
        for (int i = 0; i < images.Count; i++) { x[i] = mu[2 * i]; y[i] = mu[2 * i + 1]; }
        return LatentScatterChart.Draw($"{dataName} test set: encoder means μ(x)", "z₁", "z₂", x, y, labels?[..images.Count]);
    }

    /// <summary>Rows × columns of a square image of <paramref name="pixels"/> pixels (the checkpoint stores only the count; pass the data's shape where it is known).</summary>
    public static (int Rows, int Columns) Shape(int pixels)
    {
        int side = (int)Math.Round(Math.Sqrt(pixels));
        if (side * side != pixels) throw new InputException($"the model's {pixels} pixels are no square image; pictures need square images");
        return (side, side);
    }

    /// <summary>Tiles per grid row for a picture of <paramref name="count"/> tiles: as square as possible.</summary>
    public static int PerRow(int count) => (int)Math.Ceiling(Math.Sqrt(count));

    /// <summary>Inputs for pictures: grey levels for models trained on grey levels or dynamic draws, the threshold for threshold models.</summary>
    public static Binarization PictureInputs(Binarization trained) => trained == Binarization.Threshold ? Binarization.Threshold : Binarization.None;
}
