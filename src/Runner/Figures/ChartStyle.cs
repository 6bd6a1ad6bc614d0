using IlgpuVae.Engine;
using ScottPlot;
using SkiaSharp;

namespace IlgpuVae.Runner.Figures;

/// <summary>
/// What every chart shares: a sans-serif font found on this machine, the colours of series and classes
/// (ScottPlot's Category10: ten colours that stay apart on white), and a white plot with a light grid.
/// SkiaSharp's Linux library reads the fonts under /usr/share/fonts itself (no fontconfig); with none
/// there a chart would have no text at all, so that is refused with the package to install.
/// </summary>
internal static class ChartStyle
{
    private static readonly string[] Preferred = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "FreeSans", "Arial", "Helvetica"];
    private static readonly Lazy<string?> Family = new(FindFamily);
    private static readonly ScottPlot.Palettes.Category10 Palette = new();

    /// <summary>The colour of series or class <paramref name="index"/> (cycling after ten).</summary>
    public static Color Colour(int index) => Palette.GetColor(((index % 10) + 10) % 10);

    /// <summary>The font family the charts use.</summary>
    public static string FontFamily => Family.Value
        ?? throw new InputException("no font to draw the chart's text with: SkiaSharp found none under /usr/share/fonts; install one (Debian: apt-get install fonts-dejavu-core)");

    /// <summary>A new plot with the shared font and look; the caller adds the data.</summary>
    public static Plot NewPlot()
    {
        string family = FontFamily;
        var plot = new Plot();
        plot.Font.Set(family);
        plot.Legend.FontName = family;
        plot.Grid.MajorLineColor = Color.Gray(228);
        plot.Grid.MinorLineColor = Color.Gray(242);
        return plot;
    }

    /// <summary>Shows the legend of <paramref name="plot"/> beside the data, on the right, at the top.</summary>
    public static void LegendOnTheRight(Plot plot) => plot.ShowLegend(Edge.Right).Alignment = Alignment.UpperCenter;

    private static string? FindFamily()
    {
        var installed = SKFontManager.Default.GetFontFamilies().Where(f => !string.IsNullOrWhiteSpace(f)).ToList();
        return Preferred.FirstOrDefault(p => installed.Contains(p, StringComparer.OrdinalIgnoreCase))
            ?? installed.Order(StringComparer.Ordinal).FirstOrDefault();
    }
}
