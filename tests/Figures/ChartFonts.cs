using IlgpuVae.Engine;
using IlgpuVae.Runner.Figures;
using NUnit.Framework;

namespace IlgpuVae.Tests.Figures;

/// <summary>
/// The font the charts need. A test that draws a chart calls <see cref="Require"/>: on a machine without
/// a font under /usr/share/fonts (a GPU node, a bare container) the test is ignored with the reason, and
/// with ILGPUVAE_REQUIRE_FONTS=1 (as in CI, which installs fonts-dejavu-core) it fails instead.
/// </summary>
internal static class ChartFonts
{
    public static void Require()
    {
        try
        {
            _ = ChartStyle.FontFamily;
        }
        catch (InputException e)
        {
            if (Environment.GetEnvironmentVariable("ILGPUVAE_REQUIRE_FONTS") == "1") Assert.Fail($"ILGPUVAE_REQUIRE_FONTS=1 but {e.Message}");
            Assert.Ignore(e.Message);
        }
    }
}
