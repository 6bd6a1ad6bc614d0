using System.Globalization;
using ScottPlot;

namespace IlgpuVae.Runner.Figures;

/// <summary>
/// Ticks for an axis that shows log₁₀ of a positive quantity (training samples): the plot holds log₁₀(v),
/// the labels show v. The coarsest of three ladders that gives at least three labels that fit is used —
/// decades (10, 100, 1k, …), then 1-2-5 per decade, then every 1…9 × 10ᵏ — with the remaining 1…9 × 10ᵏ as
/// unlabelled minor ticks; a range narrower than that gets evenly spaced round values. So a run of two
/// epochs (60k to 120k samples) is labelled 60k, 70k, 80k, 90k, 100k, and a sweep from 100 to 10⁷ samples
/// every decade. Labels are compact: 500, 2k, 60k, 1.5M.
/// </summary>
internal sealed class LogTicks : ITickGenerator
{
    /// <summary>Labels wanted at least, where they fit.</summary>
    private const int MinimumLabels = 3;

    /// <summary>Space between neighbouring labels, in pixels.</summary>
    private const float LabelGap = 10;

    private static readonly int[][] Ladders = [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]];

    /// <inheritdoc />
    public Tick[] Ticks { get; set; } = [];

    /// <inheritdoc />
    public int MaxTickCount { get; set; } = 1000;

    /// <inheritdoc />
    public void Regenerate(CoordinateRange range, Edge edge, PixelLength size, Paint paint, LabelStyle labelStyle) =>
        Ticks = Generate(range.Min, range.Max, size.Length, label => labelStyle.Measure(label, paint).Width);

    /// <summary>
    /// The ticks for log₁₀ values from <paramref name="low"/> to <paramref name="high"/> drawn over
    /// <paramref name="pixels"/> pixels, given the width in pixels of a label.
    /// </summary>
    public static Tick[] Generate(double low, double high, double pixels, Func<string, float> labelWidth)
    {
        if (!(high > low) || !double.IsFinite(low) || !double.IsFinite(high) || pixels <= 0) return [];
        double pixelsPerDecade = pixels / (high - low);
        bool Fits(List<double> values)
        {
            for (int i = 1; i < values.Count; i++)
            {
                double apart = (Math.Log10(values[i]) - Math.Log10(values[i - 1])) * pixelsPerDecade;
                if (apart < (labelWidth(Label(values[i])) + labelWidth(Label(values[i - 1]))) / 2 + LabelGap) return false;
            }
            return true;
        }

        List<double>? chosen = null;
        foreach (var ladder in Ladders)
        {
            var values = Ladder(low, high, ladder);
            if (!Fits(values)) break;
            chosen = values;
            if (values.Count >= MinimumLabels) break;
        }
        if (chosen is null)
        {
            // Even decades crowd: label every 2nd, 5th, 10th… decade.
            foreach (int every in new[] { 2, 5, 10, 20, 50, 100 })
            {
                var values = Ladder(low, high, [1]).Where(v => (long)Math.Round(Math.Log10(v)) % every == 0).ToList();
                if (Fits(values)) { chosen = values; break; }
            }
            chosen ??= [];
        }
        else if (chosen.Count < MinimumLabels)
        {
            var even = EvenlySpaced(Math.Pow(10, low), Math.Pow(10, high));
            if (even.Count > chosen.Count && Fits(even)) chosen = even;
        }

        var ticks = chosen.Select(v => Tick.Major(Math.Log10(v), Label(v))).ToList();
        // Unlabelled minor ticks at the other 1…9 × 10ᵏ, where a decade is wide enough to show them.
        if (pixelsPerDecade >= 40)
        {
            var labelled = chosen.Select(Math.Log10).ToList();
            foreach (double v in Ladder(low, high, Ladders[^1]))
            {
                double at = Math.Log10(v);
                if (!labelled.Any(l => Math.Abs(l - at) < 1e-9)) ticks.Add(Tick.Minor(at));
            }
        }
        return [.. ticks.OrderBy(t => t.Position)];
    }

    /// <summary>The values m × 10ᵏ (m from <paramref name="mantissas"/>) whose log₁₀ lies in [low, high], ascending.</summary>
    private static List<double> Ladder(double low, double high, int[] mantissas)
    {
        var values = new List<double>();
        for (int k = (int)Math.Floor(low) - 1; k <= (int)Math.Ceiling(high); k++)
            foreach (int m in mantissas)
            {
                double v = m * Math.Pow(10, k);
                double at = Math.Log10(v);
                if (at >= low - 1e-9 && at <= high + 1e-9) values.Add(v);
            }
        return values;
    }

    /// <summary>Round values 1, 2 or 5 × 10ʲ apart between <paramref name="from"/> and <paramref name="to"/> (a range within one step of the 1…9 ladder).</summary>
    private static List<double> EvenlySpaced(double from, double to)
    {
        double raw = (to - from) / 4;
        double power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 5, 10 }.Select(m => m * power).First(s => s >= raw);
        var values = new List<double>();
        for (double v = Math.Ceiling(from / step) * step; v <= to * (1 + 1e-12); v += step) values.Add(Math.Round(v / step) * step);
        return values;
    }

    /// <summary>A compact label: 500, 2k, 62.5k, 1.5M, 2G.</summary>
    public static string Label(double value)
    {
        (double unit, string suffix) = Math.Abs(value) switch
        {
            >= 1e9 => (1e9, "G"),
            >= 1e6 => (1e6, "M"),
            >= 1e3 => (1e3, "k"),
            _ => (1.0, ""),
        };
        return (value / unit).ToString("0.###", CultureInfo.InvariantCulture) + suffix;
    }
}
