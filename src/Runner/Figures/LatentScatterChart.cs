using System.Globalization;
using ScottPlot;

namespace IlgpuVae.Runner.Figures;

/// <summary>
/// 2-D points coloured by class — the test set's encoder means in a 2-D latent space, coloured by label —
/// with a legend of the classes. The points are drawn in a fixed shuffled order, in rounds that each
/// hold every class, so no class is systematically painted over by another.
/// </summary>
internal static class LatentScatterChart
{
    /// <summary>Size of the chart in pixels.</summary>
    public const int Width = 820, Height = 760;

    /// <summary>Means of outliers can lie far out: the chart shows |z| ≤ this and counts the points beyond.</summary>
    public const double Clip = 4.5;

    private const int Rounds = 10;

    /// <summary>Draws the points (x[i], y[i]) in the colour of labels[i] (all one colour when null).</summary>
    public static Chart Draw(string title, string xTitle, string yTitle, ReadOnlySpan<float> x, ReadOnlySpan<float> y, byte[]? labels)
    {
        if (x.Length != y.Length) throw new ArgumentException("x and y differ in length");
        if (labels is not null && labels.Length < x.Length) throw new ArgumentException("fewer labels than points");
        var order = Enumerable.Range(0, x.Length).ToArray();
        new Random(12345).Shuffle(order);
        // rounds × classes lists of points; a point outside the clipped square is counted instead.
        var groups = new Dictionary<(int Round, int Label), List<Coordinates>>();
        int outside = 0, kept = 0;
        double xMin = double.MaxValue, xMax = double.MinValue, yMin = double.MaxValue, yMax = double.MinValue;
        foreach (int i in order)
        {
            if (!float.IsFinite(x[i]) || !float.IsFinite(y[i]) || Math.Abs(x[i]) > Clip || Math.Abs(y[i]) > Clip) { outside++; continue; }
            int label = labels?[i] ?? 0;
            var key = (kept++ * Rounds / x.Length, label);
            if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
            list.Add(new Coordinates(x[i], y[i]));
            (xMin, xMax, yMin, yMax) = (Math.Min(xMin, x[i]), Math.Max(xMax, x[i]), Math.Min(yMin, y[i]), Math.Max(yMax, y[i]));
        }

        var plot = ChartStyle.NewPlot();
        foreach (var ((_, label), points) in groups.OrderBy(g => g.Key.Round).ThenBy(g => g.Key.Label))
            plot.Add.Markers(points, MarkerShape.FilledCircle, 3.5f, ChartStyle.Colour(label));
        if (kept > 0)
        {
            double xPad = Math.Max(0.03 * (xMax - xMin), 0.05), yPad = Math.Max(0.03 * (yMax - yMin), 0.05);
            plot.Axes.SetLimits(xMin - xPad, xMax + xPad, yMin - yPad, yMax + yPad);
        }
        // The count of points left out goes under the title, where it covers no data.
        plot.Title(outside == 0 ? title : string.Create(CultureInfo.InvariantCulture,
            $"{title}\n({outside:N0} point{(outside == 1 ? "" : "s")} beyond |z| ≤ {Clip} or not finite, not shown)"));
        plot.XLabel(xTitle);
        plot.YLabel(yTitle);
        if (labels is not null)
        {
            // One entry per class in label order, its marker large enough to tell the colours apart.
            foreach (int label in groups.Keys.Select(k => k.Label).Distinct().Order())
                plot.Legend.ManualItems.Add(new LegendItem
                {
                    LabelText = label.ToString(CultureInfo.InvariantCulture),
                    MarkerShape = MarkerShape.FilledCircle,
                    MarkerSize = 10,
                    MarkerFillColor = ChartStyle.Colour(label),
                    MarkerLineColor = ChartStyle.Colour(label),
                });
            ChartStyle.LegendOnTheRight(plot);
        }
        return new Chart(plot, Width, Height);
    }
}
