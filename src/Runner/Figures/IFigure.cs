namespace IlgpuVae.Runner.Figures;

/// <summary>A picture the commands save or embed: its size in pixels and its PNG encoding.</summary>
internal interface IFigure : IDisposable
{
    /// <summary>Width in pixels.</summary>
    int Width { get; }

    /// <summary>Height in pixels.</summary>
    int Height { get; }

    /// <summary>The picture as a PNG file.</summary>
    byte[] ToPng();
}
