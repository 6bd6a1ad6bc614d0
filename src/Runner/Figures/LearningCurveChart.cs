using ScottPlot;

namespace IlgpuVae.Runner.Figures;

/// <summary>
/// Learning curves in the form of the paper's Figure 2: the test ELBO (a dot per evaluation) and the train
/// ELBO (lighter, open circles) of one or more runs against training samples evaluated on a log
/// axis (<see cref="LogTicks"/>), one colour per run, the legend on the right.
/// </summary>
internal static class LearningCurveChart
{
    /// <summary>Size of the chart in pixels.</summary>
    public const int Width = 960, Height = 600;

    /// <summary>
    /// The y-axis shows every point of the last this-many decades of training samples; earlier points
    /// below them (the first minibatches, hundreds of nats lower) enter the plot from below, so they do
    /// not squash the part worth reading; the x-axis begins at the last of them before the curves enter.
    /// </summary>
    public const double DecadesInView = 2;

    /// <summary>Draws <paramref name="runs"/>; points with non-finite values or no samples are left out.</summary>
    public static Chart Draw(string title, IReadOnlyList<(string Label, List<CurvePoint> Points)> runs)
    {
        var plot = ChartStyle.NewPlot();
        for (int i = 0; i < runs.Count; i++)
        {
            var (label, points) = runs[i];
            var colour = ChartStyle.Colour(i);
            AddSeries(plot, points, p => p.TestElbo, $"{label} test", colour, 2.5f, MarkerShape.FilledCircle, 7);
            // A lighter tint and open circles, so that a train curve lying on its test curve still shows.
            AddSeries(plot, points, p => p.TrainElbo, $"{label} train", colour.MixedWith(Colors.White, 0.45), 1.5f, MarkerShape.OpenCircle, 6);
        }
        plot.Title(title);
        plot.XLabel("training samples evaluated (log scale)");
        plot.YLabel("ELBO per datapoint (nats)");
        plot.Axes.Bottom.TickGenerator = new LogTicks();
        var (left, right, bottom, top) = Limits(runs.SelectMany(r => r.Points).ToList());
        plot.Axes.SetLimits(left, right, bottom, top);
        ChartStyle.LegendOnTheRight(plot);
        return new Chart(plot, Width, Height);
    }

    /// <summary>
    /// The axis limits: y spans every point of the last <see cref="DecadesInView"/> decades of samples with a
    /// margin (see there); x (log₁₀ of samples) spans the points from the evaluation before the first one in
    /// view, with a margin, so each curve is seen entering from below without decades of empty plot to its left.
    /// </summary>
    public static (double Left, double Right, double Bottom, double Top) Limits(List<CurvePoint> points)
    {
        var drawn = points.Where(p => p.Samples > 0).ToList();
        var xs = drawn.Where(p => Values(p).Any()).Select(p => Math.Log10(p.Samples)).ToList();
        if (xs.Count == 0) return (0, 1, -1, 0);
        double xMax = xs.Max();
        double from = xMax - DecadesInView;
        var ys = drawn.Where(p => Math.Log10(p.Samples) >= from - 1e-9).SelectMany(Values).ToList();
        var all = drawn.SelectMany(Values).ToList();
        double yMin = ys.Min(), yMax = all.Max();
        double yPad = Math.Max(0.05 * (yMax - yMin), 1);
        double bottom = yMin - yPad, top = yMax + yPad;
        double firstInView = drawn.Where(p => Values(p).Any(v => v >= bottom)).Min(p => Math.Log10(p.Samples));
        double xMin = xs.Where(x => x < firstInView).DefaultIfEmpty(firstInView).Max();
        double xPad = Math.Max(0.04 * (xMax - xMin), 0.02);
        return (xMin - xPad, xMax + xPad, bottom, top);
    }

    private static IEnumerable<double> Values(CurvePoint p) => new[] { p.TestElbo, p.TrainElbo }.Where(double.IsFinite);

    /// <remarks>
    /// Lines stay solid: Skia's SVG output has no path effects, so a dashed line would come out solid in
    /// report.html (with a warning per segment on stderr); the tint and the marker tell the series apart.
    /// </remarks>
    private static void AddSeries(Plot plot, List<CurvePoint> points, Func<CurvePoint, double> value, string legend, Color colour, float lineWidth, MarkerShape marker, float markerSize)
    {
        var shown = points.Where(p => p.Samples > 0 && double.IsFinite(value(p))).ToList();
        if (shown.Count == 0) return;
        var series = plot.Add.Scatter(shown.Select(p => Math.Log10(p.Samples)).ToArray(), shown.Select(value).ToArray(), colour);
        series.LegendText = legend;
        series.LineWidth = lineWidth;
        series.MarkerShape = marker;
        series.MarkerSize = markerSize;
    }
}
