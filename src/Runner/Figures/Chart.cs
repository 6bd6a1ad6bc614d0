using ScottPlot;

namespace IlgpuVae.Runner.Figures;

/// <summary>
/// A ScottPlot chart at a fixed size, encoded as a PNG (picture files) or an SVG (report.html, where it
/// stays sharp at any zoom). <see cref="Plot"/> exposes the rendered plot's coordinate
/// mapping (<see cref="Plot.GetPixel(Coordinates)"/>, <see cref="Plot.LastRender"/>) after a render.
/// </summary>
internal sealed class Chart(Plot plot, int width, int height) : IFigure
{
    /// <summary>The ScottPlot plot.</summary>
    public Plot Plot { get; } = plot;

    /// <inheritdoc />
    public int Width { get; } = width;

    /// <inheritdoc />
    public int Height { get; } = height;

    /// <inheritdoc />
    public byte[] ToPng() => Plot.GetImageBytes(Width, Height, ImageFormat.Png);

    /// <summary>The chart as an SVG document.</summary>
    public string ToSvg() => Plot.GetSvgXml(Width, Height);

    /// <inheritdoc />
    public void Dispose() => Plot.Dispose();
}
