using System.Globalization;

namespace IlgpuVae.Runner.Figures;

/// <summary>
/// A scatter plot of 2-D points coloured by class (the test set in a 2-D latent space, coloured by its
/// labels), with axes and a legend of the classes. Points are drawn in a fixed shuffled order, so no
/// class is systematically painted over by the next one.
/// </summary>
internal static class ScatterPlot
{
    /// <summary>Draws the points (x[i], y[i]) with the colour of labels[i] (all one colour when null).</summary>
    public static Canvas Render(string title, string xTitle, string yTitle, ReadOnlySpan<float> x, ReadOnlySpan<float> y,
        byte[]? labels, int width = 820, int height = 760, double clip = 4.5)
    {
        if (x.Length != y.Length) throw new ArgumentException("x and y differ in length");
        var canvas = new Canvas(width, height, Rgb.White);
        // Latent means of outliers can lie far out; the plot shows the bulk (|z| ≤ clip) and counts the rest.
        double Clamp(double v) => Math.Clamp(v, -clip, clip);
        double xMin = double.MaxValue, xMax = double.MinValue, yMin = double.MaxValue, yMax = double.MinValue;
        for (int i = 0; i < x.Length; i++)
        {
            if (!float.IsFinite(x[i]) || !float.IsFinite(y[i])) continue;
            xMin = Math.Min(xMin, Clamp(x[i])); xMax = Math.Max(xMax, Clamp(x[i]));
            yMin = Math.Min(yMin, Clamp(y[i])); yMax = Math.Max(yMax, Clamp(y[i]));
        }
        if (xMin > xMax) (xMin, xMax, yMin, yMax) = (-1, 1, -1, 1);
        const int legendWidth = 90;
        var frame = new PlotFrame(canvas, 110, 50, width - legendWidth - 20, height - 80, xMin, xMax, yMin, yMax, false);
        frame.Draw(title, xTitle, yTitle);
        var order = Enumerable.Range(0, x.Length).ToArray();
        new Random(12345).Shuffle(order);
        int outside = 0;
        foreach (int i in order)
        {
            if (!float.IsFinite(x[i]) || !float.IsFinite(y[i])) continue;
            if (Math.Abs(x[i]) > clip || Math.Abs(y[i]) > clip) { outside++; continue; }
            canvas.Disc(frame.MapX(x[i]), frame.MapY(y[i]), 1.6, labels is null ? Palette.Of(0) : Palette.Of(labels[i]));
        }
        if (labels is not null)
        {
            int top = frame.Top + 4, left = frame.Right + 20;
            foreach (int label in labels.Distinct().OrderBy(l => l))
            {
                canvas.Disc(left + 5, top + 7, 5, Palette.Of(label));
                canvas.Text(left + 18, top, label.ToString(CultureInfo.InvariantCulture), Rgb.Black);
                top += 22;
            }
        }
        if (outside > 0) canvas.Text(frame.Left + 8, frame.Top + 8, $"{outside} OUTSIDE |Z| <= {clip.ToString(CultureInfo.InvariantCulture)}", Rgb.Grey);
        return canvas;
    }
}
