using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Verification;

/// <summary>
/// The bit-level checks of the importance-sampling kernels (<see cref="Accelerators.IKernels.ImportanceLogWeights"/>
/// and <see cref="Accelerators.IKernels.LogMeanExp"/>), part of <see cref="KernelChecks.All"/>. The scenarios aim
/// at what the two trees and the shift can get wrong: rows of 1, 31, 32, 33 and 5000 values, a latent
/// wider than 32 lanes, maxima in every lane position, ties and signed zeros, a spread of magnitudes
/// (so the exp terms span many binades), and the infinite cases the shift guards.
/// </summary>
internal static class ImportanceKernelChecks
{
    /// <summary>The checks, in catalogue order.</summary>
    public static IEnumerable<KernelCheck> Create() => [LogWeights(), LogMeanExp()];

    private static KernelCheck LogWeights() => new("ImportanceLogWeights", "ImportanceLogWeights",
        new (string Label, int Rows, int Latent, int Samples)[]
        {
            ("3 rows x 37 units, 11 samples", 3, 37, 11),
            ("1 row x 20 units, 250 samples", 1, 20, 250),
            ("9 rows x 2 units, 1 sample", 9, 2, 1),
            ("single 1x1 S=1", 1, 1, 1),
        }.Select(s => (s.Label, (Action<CheckSession>)(c =>
        {
            var v = new TestValues(s.Rows * 37 + s.Latent * 5 + s.Samples);
            int sampleRows = s.Rows * s.Samples;
            var e = new float[s.Rows * 2 * s.Latent];
            var mu = v.Normal((long)s.Rows * s.Latent, 1f);
            var lv = v.Normal((long)s.Rows * s.Latent, 2f, -3f);
            for (int i = 0; i < s.Rows; i++)
            {
                Array.Copy(mu, i * s.Latent, e, i * 2 * s.Latent, s.Latent);
                Array.Copy(lv, i * s.Latent, e, i * 2 * s.Latent + s.Latent, s.Latent);
            }
            var eps = v.Normal((long)sampleRows * s.Latent, 1f);
            var z = v.Normal((long)sampleRows * s.Latent, 1.5f);
            var ll = v.Normal(sampleRows, 30f, -100f);
            c.Kernels.ImportanceLogWeights(c.In(e), c.In(eps), c.In(z), c.In(ll), c.Out("w", sampleRows), s.Rows, s.Latent, s.Samples);
        }))).ToList());

    private static KernelCheck LogMeanExp() => new("LogMeanExp", "LogMeanExp",
        new (string Label, int Rows, int Count, string Data)[]
        {
            ("2 rows of 5000", 2, 5000, "spread"),
            ("11 rows of 33", 11, 33, "spread"),
            ("9 rows of 32", 9, 32, "spread"),
            ("7 rows of 31", 7, 31, "spread"),
            ("single value", 1, 1, "spread"),
            ("ties and signed zeros 4x40", 4, 40, "ties"),
            ("infinities 3x35", 3, 35, "infinite"),
        }.Select(s => (s.Label, (Action<CheckSession>)(c =>
        {
            var v = new TestValues(s.Rows * 11 + s.Count);
            int n = s.Rows * s.Count;
            float[] values = s.Data switch
            {
                "ties" => v.Pick(n, -0f, 0f, -1e-3f, -2f, -0f),
                _ => v.Normal(n, 40f, -120f),
            };
            if (s.Data == "infinite")
            {
                // Row 0: every value −∞ (log 0); row 1: one +∞; row 2: one −∞ among finite values.
                for (int k = 0; k < s.Count; k++) values[k] = float.NegativeInfinity;
                values[s.Count + 17] = float.PositiveInfinity;
                values[2 * s.Count + 3] = float.NegativeInfinity;
            }
            c.Kernels.LogMeanExp(c.In(values), c.Out("result", s.Rows), s.Rows, s.Count);
        }))).ToList());
}
