namespace IlgpuVae.Runner.Figures;

/// <summary>One curve of a <see cref="LinePlot"/>: its legend label, colour, style and points (x, y).</summary>
/// <param name="Label">Legend text.</param>
/// <param name="Colour">Line colour.</param>
/// <param name="Dashed">Dashed (e.g. training curves) or solid (test curves).</param>
/// <param name="Points">The points in drawing order.</param>
internal sealed record Series(string Label, Rgb Colour, bool Dashed, IReadOnlyList<(double X, double Y)> Points);

/// <summary>
/// Curves on a log-x or linear plot with a legend on the right: the learning curves of the paper's
/// Figure 2 (ELBO against training samples evaluated, log x-axis). Each point is marked with a dot, so
/// a curve of one point still shows.
/// </summary>
internal static class LinePlot
{
    /// <summary>Draws <paramref name="series"/> (non-finite points are skipped) on a new canvas.</summary>
    public static Canvas Render(string title, string xTitle, string yTitle, IReadOnlyList<Series> series, bool logX,
        int width = 960, int height = 600, double? yFloor = null)
    {
        var points = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y) && double.IsFinite(p.X) && (!logX || p.X > 0)).ToList();
        if (points.Count == 0) points.Add((1, 0));
        double yMin = points.Min(p => p.Y), yMax = points.Max(p => p.Y);
        // Early points of a learning curve lie hundreds of nats below the rest; a floor keeps the
        // interesting part readable (the curves simply enter from below).
        if (yFloor is double floor && floor > yMin && floor < yMax) yMin = floor;
        const int legendWidth = 210;
        var canvas = new Canvas(width, height, Rgb.White);
        var frame = new PlotFrame(canvas, 110, 50, width - legendWidth - 20, height - 80,
            points.Min(p => p.X), points.Max(p => p.X), yMin, yMax, logX);
        frame.Draw(title, xTitle, yTitle);
        foreach (var s in series)
        {
            (double X, double Y)? previous = null;
            foreach (var p in s.Points)
            {
                if (!double.IsFinite(p.Y) || (logX && !(p.X > 0))) { previous = null; continue; }
                double px = frame.MapX(p.X), py = frame.MapY(p.Y);
                if (previous is (double qx, double qy) && ClipToBand(qx, qy, px, py, frame.Top, frame.Bottom, out double ax, out double ay, out double bx, out double by))
                    canvas.Line(ax, ay, bx, by, s.Colour, 2, s.Dashed ? 6 : 0);
                if (frame.Inside(px, py)) canvas.Dot(px, py, s.Colour, s.Dashed ? 3 : 5);
                previous = (px, py);
            }
        }
        int y = frame.Top + 4, x = frame.Right + 18;
        foreach (var s in series)
        {
            canvas.Line(x, y + 7, x + 28, y + 7, s.Colour, 2, s.Dashed ? 6 : 0);
            canvas.Text(x + 36, y, s.Label, Rgb.Black);
            y += 24;
        }
        return canvas;
    }

    /// <summary>
    /// The part of the segment (x0, y0)–(x1, y1) between the horizontal lines y = top and y = bottom; false
    /// when none of it is. Points below the floor of the plot thus enter it along their true slope.
    /// </summary>
    private static bool ClipToBand(double x0, double y0, double x1, double y1, double top, double bottom,
        out double ax, out double ay, out double bx, out double by)
    {
        (ax, ay, bx, by) = (x0, y0, x1, y1);
        if ((ay > bottom && by > bottom) || (ay < top && by < top)) return false;
        double Cut(double yFrom, double yTo, double xFrom, double xTo, double y) => xFrom + (xTo - xFrom) * (y - yFrom) / (yTo - yFrom);
        if (ay > bottom) { ax = Cut(y0, y1, x0, x1, bottom); ay = bottom; }
        else if (ay < top) { ax = Cut(y0, y1, x0, x1, top); ay = top; }
        if (by > bottom) { bx = Cut(y0, y1, x0, x1, bottom); by = bottom; }
        else if (by < top) { bx = Cut(y0, y1, x0, x1, top); by = top; }
        return true;
    }
}
