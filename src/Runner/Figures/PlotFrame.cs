using System.Globalization;

namespace IlgpuVae.Runner.Figures;

/// <summary>
/// The frame of a 2-D plot on a <see cref="Canvas"/>: the data ranges, their mapping to the plot area
/// (linear, or logarithmic on x), and the axes with ticks, tick labels, light grid lines, axis titles
/// and a plot title. Linear ticks step by 1, 2 or 5 × 10ᵏ; a log axis ticks every decade, labelled 10ᵏ,
/// with unlabelled minor ticks at 2…9 × 10ᵏ.
/// </summary>
internal sealed class PlotFrame
{
    private const int TickLength = 6;
    private static readonly Rgb Axis = new(40, 40, 40);
    private static readonly Rgb GridLine = new(232, 232, 232);

    public PlotFrame(Canvas canvas, int left, int top, int right, int bottom, double xMin, double xMax, double yMin, double yMax, bool logX)
    {
        if (logX && !(xMin > 0)) throw new ArgumentOutOfRangeException(nameof(xMin), xMin, "a log axis needs positive values");
        Canvas = canvas;
        (Left, Top, Right, Bottom) = (left, top, right, bottom);
        LogX = logX;
        (XMin, XMax) = Widen(xMin, xMax, logX);
        (YMin, YMax) = Widen(yMin, yMax, false);
    }

    public Canvas Canvas { get; }
    public int Left { get; }
    public int Top { get; }
    public int Right { get; }
    public int Bottom { get; }
    public bool LogX { get; }
    public double XMin { get; }
    public double XMax { get; }
    public double YMin { get; }
    public double YMax { get; }

    public double MapX(double x)
    {
        double t = LogX ? (Math.Log10(x) - Math.Log10(XMin)) / (Math.Log10(XMax) - Math.Log10(XMin)) : (x - XMin) / (XMax - XMin);
        return Left + t * (Right - Left);
    }

    public double MapY(double y) => Bottom - (y - YMin) / (YMax - YMin) * (Bottom - Top);

    /// <summary>Whether (x, y) lies inside the plot area.</summary>
    public bool Inside(double px, double py) => px >= Left && px <= Right && py >= Top && py <= Bottom;

    /// <summary>Grid, axes, ticks with labels, the axis titles and the title above the plot.</summary>
    public void Draw(string title, string xTitle, string yTitle)
    {
        var c = Canvas;
        var xTicks = LogX ? DecadeTicks(XMin, XMax) : LinearTicks(XMin, XMax);
        var yTicks = LinearTicks(YMin, YMax);
        foreach (double x in xTicks) c.Line(MapX(x), Top, MapX(x), Bottom, GridLine);
        foreach (double y in yTicks) c.Line(Left, MapY(y), Right, MapY(y), GridLine);
        c.Line(Left, Top, Right, Top, Axis);
        c.Line(Left, Bottom, Right, Bottom, Axis);
        c.Line(Left, Top, Left, Bottom, Axis);
        c.Line(Right, Top, Right, Bottom, Axis);
        if (LogX)
        {
            for (int k = (int)Math.Floor(Math.Log10(XMin)); k <= (int)Math.Ceiling(Math.Log10(XMax)); k++)
                for (int m = 2; m <= 9; m++)
                {
                    double x = m * Math.Pow(10, k);
                    if (x >= XMin && x <= XMax) c.Line(MapX(x), Bottom, MapX(x), Bottom - TickLength / 2, Axis);
                }
        }
        foreach (double x in xTicks)
        {
            int px = (int)Math.Round(MapX(x));
            c.Line(px, Bottom, px, Bottom - TickLength, Axis);
            if (LogX) DrawPowerOfTen(px, Bottom + 8, (int)Math.Round(Math.Log10(x)));
            else
            {
                string label = Format(x, xTicks);
                c.Text(px - BitmapFont.Measure(label, 2) / 2, Bottom + 8, label, Axis);
            }
        }
        foreach (double y in yTicks)
        {
            int py = (int)Math.Round(MapY(y));
            c.Line(Left, py, Left + TickLength, py, Axis);
            string label = Format(y, yTicks);
            c.Text(Left - 8 - BitmapFont.Measure(label, 2), py - BitmapFont.Height, label, Axis);
        }
        c.Text((Left + Right) / 2 - BitmapFont.Measure(xTitle, 2) / 2, Bottom + 36, xTitle, Axis);
        c.TextUp(Left - 80, (Top + Bottom) / 2 - BitmapFont.Measure(yTitle, 2) / 2, yTitle, Axis);
        c.Text((Left + Right) / 2 - BitmapFont.Measure(title, 2) / 2, Top - 26, title, Axis);
    }

    /// <summary>"10" with a raised exponent, centred on <paramref name="centre"/>.</summary>
    private void DrawPowerOfTen(int centre, int top, int exponent)
    {
        string e = exponent.ToString(CultureInfo.InvariantCulture);
        int width = BitmapFont.Measure("10", 2) + 2 + BitmapFont.Measure(e, 1);
        int x = centre - width / 2;
        Canvas.Text(x, top + 4, "10", Axis, 2);
        Canvas.Text(x + BitmapFont.Measure("10", 2) + 2, top, e, Axis, 1);
    }

    /// <summary>Ticks at multiples of a step of 1, 2 or 5 × 10ᵏ, about five over the range.</summary>
    public static List<double> LinearTicks(double min, double max)
    {
        double raw = (max - min) / 5;
        double power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = raw / power < 1.5 ? power : raw / power < 3.5 ? 2 * power : raw / power < 7.5 ? 5 * power : 10 * power;
        var ticks = new List<double>();
        for (double t = Math.Ceiling(min / step) * step; t <= max + step * 1e-9; t += step) ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : t);
        return ticks;
    }

    private static List<double> DecadeTicks(double min, double max)
    {
        var ticks = new List<double>();
        for (int k = (int)Math.Ceiling(Math.Log10(min) - 1e-9); k <= (int)Math.Floor(Math.Log10(max) + 1e-9); k++) ticks.Add(Math.Pow(10, k));
        return ticks;
    }

    private static string Format(double v, List<double> ticks)
    {
        double step = ticks.Count > 1 ? Math.Abs(ticks[1] - ticks[0]) : 1;
        int decimals = step >= 1 ? 0 : (int)Math.Ceiling(-Math.Log10(step) - 1e-9);
        return v.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }

    /// <summary>A range that is never empty: equal ends are spread a little, and a linear range gets 4 % margins.</summary>
    private static (double, double) Widen(double min, double max, bool log)
    {
        if (log)
        {
            if (max <= min) max = min * 10;
            return (min, max);
        }
        if (max <= min) { min -= 1; max += 1; }
        double pad = (max - min) * 0.04;
        return (min - pad, max + pad);
    }
}
