using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Kernels.Cpu;
using NUnit.Framework;

namespace IlgpuVae.Tests.Kernels;

/// <summary>
/// The importance-sampling kernels on the CPU accelerator against double precision, plus the exact
/// properties of their contract (docs/kernels.md: importance log-weights, log-mean-exp): the maximum
/// scheme, the infinite and NaN cases, a single value coming back unchanged. u = 2⁻²⁴.
/// </summary>
[TestFixture]
public sealed class ImportanceKernelTests
{
    private const double U = 1.0 / (1 << 24);
    private CpuAccelerator _cpu = null!;

    [OneTimeSetUp]
    public void Start() => _cpu = new CpuAccelerator(2);

    [OneTimeTearDown]
    public void Stop() => _cpu.Dispose();

    private static float[] Normal(Random r, int n, double sd, double mean = 0)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(mean + sd * Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble()));
        return v;
    }

    private float[] LogMeanExp(float[] values, int rows, int count)
    {
        using var v = _cpu.Upload<float>(values);
        using var result = _cpu.Allocate<float>(rows);
        _cpu.Kernels.LogMeanExp(v, result, rows, count);
        return result.ToArray();
    }

    [TestCase(1, 37, 11)]
    [TestCase(3, 20, 250)]
    [TestCase(4, 1, 1)]
    [TestCase(2, 200, 3)]
    public void LogWeightsMatchDoublePrecision(int rows, int latent, int samples)
    {
        var r = new Random(rows * 100 + latent + samples);
        int sampleRows = rows * samples;
        var e = Normal(r, rows * 2 * latent, 1.5);
        var eps = Normal(r, sampleRows * latent, 1);
        var z = Normal(r, sampleRows * latent, 2);
        var ll = Normal(r, sampleRows, 30, -100);
        using var be = _cpu.Upload<float>(e);
        using var beps = _cpu.Upload<float>(eps);
        using var bz = _cpu.Upload<float>(z);
        using var bll = _cpu.Upload<float>(ll);
        using var bw = _cpu.Allocate<float>(sampleRows + 2);
        _cpu.Kernels.ImportanceLogWeights(be, beps, bz, bll, bw.View(1, sampleRows), rows, latent, samples);
        var w = bw.ToArray();
        Assert.That(w[0], Is.EqualTo(0f), "written before its view");
        Assert.That(w[^1], Is.EqualTo(0f), "written after its view");
        for (int row = 0; row < sampleRows; row++)
        {
            int i = row / samples;
            double logP = 0, logQ = 0, magnitude = Math.Abs(ll[row]);
            for (int j = 0; j < latent; j++)
            {
                double zz = z[row * latent + j], ee = eps[row * latent + j], lv = e[i * 2 * latent + latent + j];
                logP += -0.5 * (Math.Log(2 * Math.PI) + zz * zz);
                logQ += -0.5 * (Math.Log(2 * Math.PI) + lv + ee * ee);
                magnitude += zz * zz + Math.Abs(lv) + ee * ee;
            }
            double expected = ll[row] + logP - logQ;
            // Three roundings per term, a sum of `latent` terms (at most latent/32 + 5 additions deep), one subtraction.
            double bound = (latent / 32 + 10) * U * magnitude;
            Assert.That(w[row + 1], Is.EqualTo(expected).Within(bound), $"row {row}");
        }
    }

    [TestCase(1, 5000, 40.0)]
    [TestCase(3, 33, 5.0)]
    [TestCase(5, 32, 0.1)]
    [TestCase(2, 31, 300.0)]
    [TestCase(4, 1, 10.0)]
    public void LogMeanExpMatchesDoublePrecision(int rows, int count, double spread)
    {
        var r = new Random(rows * 7 + count);
        var v = Normal(r, rows * count, spread, -150);
        var result = LogMeanExp(v, rows, count);
        for (int i = 0; i < rows; i++)
        {
            double m = double.NegativeInfinity, mean = 0;
            for (int k = 0; k < count; k++) { m = Math.Max(m, v[i * count + k]); mean += v[i * count + k]; }
            mean /= count;
            double s = 0;
            for (int k = 0; k < count; k++) s += Math.Exp(v[i * count + k] - m);
            double expected = m + Math.Log(s / count);
            // exp: ≤ 1 ULP per term; the strided sum: ≤ (count/32 + 5)·u relative; then log, +, − (|m| and log count).
            double bound = (count / 32.0 + 10) * U + 4 * U * (Math.Abs(m) + Math.Log(count) + 1);
            Assert.That(result[i], Is.EqualTo(expected).Within(bound), $"row {i}");
            Assert.That(result[i], Is.GreaterThanOrEqualTo(mean - bound), $"row {i}: log-mean-exp is never below the mean (Jensen)");
            Assert.That(result[i], Is.LessThanOrEqualTo(m + bound), $"row {i}: nor above the maximum");
        }
    }

    [Test]
    public void ASingleValueComesBackUnchanged()
    {
        float[] v = [-123.456f, 0f, -0.0001f, 88f];
        var result = LogMeanExp(v, 4, 1);
        Assert.That(result, Is.EqualTo(v));
    }

    [Test]
    public void InfiniteAndNaNValuesGiveTheirLimits()
    {
        const int count = 40;
        var v = new float[4 * count];
        for (int k = 0; k < v.Length; k++) v[k] = -50f - k % 7;
        for (int k = 0; k < count; k++) v[k] = float.NegativeInfinity;   // row 0: log 0
        v[count + 5] = float.PositiveInfinity;                            // row 1: +∞
        v[2 * count + 33] = float.NegativeInfinity;                       // row 2: one weight of 0 changes the mean only
        v[3 * count + 2] = float.NaN;                                     // row 3: NaN spreads
        var result = LogMeanExp(v, 4, count);
        Assert.That(result[0], Is.EqualTo(float.NegativeInfinity));
        Assert.That(result[1], Is.EqualTo(float.PositiveInfinity));
        Assert.That(float.IsFinite(result[2]), Is.True, $"row 2 gave {result[2]}");
        Assert.That(float.IsNaN(result[3]), Is.True, $"row 3 gave {result[3]}");
    }

    [Test]
    public void TheMaximumFollowsTheLaneScheme()
    {
        // +0 in lane 0 and −0 in lane 16: the tree compares p[16] > p[0], which is false, so +0 stays.
        var v = new float[64];
        v.AsSpan().Fill(-1f);
        v[0] = 0f;
        v[16] = -0f;
        Assert.That(BitConverter.SingleToUInt32Bits(CpuImportance.RowMax32(v)), Is.EqualTo(0u));
        v[0] = -0f;
        v[16] = 0f;
        Assert.That(BitConverter.SingleToUInt32Bits(CpuImportance.RowMax32(v)), Is.EqualTo(0x8000_0000u));
        // Within a lane the first of equal values stays; a NaN never wins.
        Assert.That(CpuImportance.RowMax32([float.NaN, 3f, float.NaN]), Is.EqualTo(3f));
        Assert.That(CpuImportance.RowMax32([]), Is.EqualTo(float.NegativeInfinity));
    }

    [Test]
    public void BadShapesAreRefused()
    {
        using var v = _cpu.Allocate<float>(4);
        using var result = _cpu.Allocate<float>(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => _cpu.Kernels.LogMeanExp(v, result, 1, 0));
    }
}
