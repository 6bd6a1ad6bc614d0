namespace IlgpuVae.Runner.Figures;

/// <summary>
/// Ten well-separated colours for classes and curves, chosen to stay distinguishable on white and for the
/// common forms of colour blindness as far as ten colours allow (dark and light variants alternate).
/// </summary>
internal static class Palette
{
    private static readonly Rgb[] Colours =
    [
        new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189),
        new(140, 86, 75), new(227, 119, 194), new(90, 90, 90), new(188, 189, 34), new(23, 190, 207),
    ];

    /// <summary>The colour of class or series <paramref name="index"/> (cycling after ten).</summary>
    public static Rgb Of(int index) => Colours[((index % Colours.Length) + Colours.Length) % Colours.Length];
}
