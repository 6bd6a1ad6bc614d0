using IlgpuVae.Engine;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Kernels;
using IlgpuVae.Kernels.Math;
using IlgpuVae.Tests.Model;
using NUnit.Framework;
using static IlgpuVae.Tests.Kernels.KernelAssert;

namespace IlgpuVae.Tests.Embedding;

/// <summary>
/// The library's model API: encode and decode agree with a double-precision evaluation of the same
/// network; results do not depend on the thread count or on how many inputs one call gets; sampling is
/// the decoding of the documented prior draws; bad arguments are refused with a clear exception.
/// A 64-16-4 model with init N(0, 0.3²), so the values are far from trivial.
/// </summary>
[TestFixture]
public sealed class VaeModelTests
{
    private static ModelConfig Config(Likelihood likelihood = Likelihood.Bernoulli, int[]? hidden = null) => new()
    {
        InputSize = SyntheticImages.Pixels, HiddenSizes = hidden ?? [16], LatentSize = 4, Likelihood = likelihood, InitScale = 0.3f,
    };

    [TestCase(Likelihood.Bernoulli)]
    [TestCase(Likelihood.Gaussian)]
    public void EncodeAndDecodeMatchADoublePrecisionReference(Likelihood likelihood)
    {
        var config = Config(likelihood, [16, 8]);
        using var cpu = new CpuAccelerator(2);
        using var model = VaeModel.Initialize(cpu, config, seed: 5);
        var parameters = model.GetParameters();
        var reference = new ReferenceNetwork(config, parameters);

        float[] x = Uniform(11, 7 * config.InputSize, 0, 1);
        var codes = model.Encode(x);
        Assert.That(codes.Count, Is.EqualTo(7));
        for (int i = 0; i < codes.Count; i++)
        {
            var (mu, logVar) = reference.Encode(x.AsSpan(i * config.InputSize, config.InputSize));
            Close(codes.MeanOf(i), mu, _ => 1e-5, $"μ of input {i}");
            Close(codes.LogVarianceOf(i), logVar, _ => 1e-5, $"log σ² of input {i}");
        }

        float[] z = Uniform(12, 5 * config.LatentSize, -2, 2);
        float[] means = model.Decode(z);
        Assert.That(means, Has.Length.EqualTo(5 * config.InputSize));
        for (int i = 0; i < 5; i++)
            Close(means.AsSpan(i * config.InputSize, config.InputSize), reference.DecodeMeans(z.AsSpan(i * config.LatentSize, config.LatentSize)),
                _ => 1e-6, $"decoded means of z {i}");
        Assert.That(means.All(m => m > 0f && m < 1f), "means of pixels in [0, 1] lie strictly inside it");
    }

    [Test]
    public void ResultsDoNotDependOnThreadsOrOnHowManyInputsACallGets()
    {
        var config = Config();
        float[] x = Uniform(21, 2100 * config.InputSize, 0, 1); // three passes of up to 1000 rows
        float[] z = Uniform(22, 2100 * config.LatentSize, -3, 3);
        LatentCodes all;
        float[] decoded;
        using (var one = new CpuAccelerator(1))
        using (var model = VaeModel.Initialize(one, config, seed: 9))
        {
            all = model.Encode(x);
            decoded = model.Decode(z);
        }
        using var two = new CpuAccelerator(2);
        using var again = VaeModel.Initialize(two, config, seed: 9);
        foreach (int i in new[] { 0, 999, 1000, 2099 })
        {
            var single = again.Encode(x.AsSpan(i * config.InputSize, config.InputSize));
            BitEqual(all.MeanOf(i), single.MeanOf(0), $"μ of input {i}");
            BitEqual(all.LogVarianceOf(i), single.LogVarianceOf(0), $"log σ² of input {i}");
            BitEqual(decoded.AsSpan(i * config.InputSize, config.InputSize), again.Decode(z.AsSpan(i * config.LatentSize, config.LatentSize)), $"decoding {i}");
        }
    }

    [Test]
    public void EncodingImagesUsesTheTrainingInputs()
    {
        var config = Config();
        var images = SyntheticImages.Create(30, seed: 4, flip: 0.1, grey: true);
        using var cpu = new CpuAccelerator(2);
        using var model = VaeModel.Initialize(cpu, config, seed: 2);
        var grey = images.Pixels.Select(b => (float)b / 255f).ToArray();
        BitEqual(model.Encode(grey).Mean, model.Encode(images).Mean, "grey levels b/255");
        var threshold = images.Pixels.Select(b => b >= 128 ? 1f : 0f).ToArray();
        BitEqual(model.Encode(threshold).Mean, model.Encode(images, Binarization.Threshold).Mean, "threshold");
        var dynamic = model.Encode(images, Binarization.Dynamic, seed: 3);
        BitEqual(dynamic.Mean, model.Encode(images, Binarization.Dynamic, seed: 3).Mean, "dynamic draws are reproducible");
        Assert.That(model.Encode(images, Binarization.Dynamic, seed: 4).Mean, Is.Not.EqualTo(dynamic.Mean), "another seed, other draws");
    }

    [Test]
    public void SamplingDecodesTheDocumentedPriorDraws()
    {
        var config = Config();
        using var cpu = new CpuAccelerator(2);
        using var model = VaeModel.Initialize(cpu, config, seed: 2);
        float[] samples = model.Sample(6, seed: 77);
        var z = new float[6 * config.LatentSize];
        for (int e = 0; e < z.Length; e++) z[e] = Philox4x32.StandardNormal((uint)e, RandomStream.Prior, 0, 0, 77, 0);
        BitEqual(model.Decode(z), samples, "Sample = Decode(prior draws)");
        BitEqual(samples, model.Sample(6, seed: 77), "same seed, same samples");
        Assert.That(model.Sample(6, seed: 78), Is.Not.EqualTo(samples), "another seed, other samples");
        Assert.That(model.Sample(0, seed: 1), Is.Empty);
    }

    [Test]
    public void OpenClEncodesDecodesAndSamplesTheCpuBits()
    {
        Accelerator openCl;
        try { openCl = AcceleratorFactory.Create(AcceleratorKind.OpenCl); }
        catch (AcceleratorUnavailableException e)
        {
            if (Environment.GetEnvironmentVariable("ILGPUVAE_REQUIRE_OPENCL") == "1") throw;
            Assert.Ignore($"no usable OpenCL device: {e.Message}");
            return;
        }
        using (openCl)
        {
            var config = Config(Likelihood.Gaussian);
            var images = SyntheticImages.Create(50, seed: 4, flip: 0.1, grey: true);
            float[] z = Uniform(31, 50 * config.LatentSize, -3, 3);
            using var cpu = new CpuAccelerator(2);
            using var onCpu = VaeModel.Initialize(cpu, config, seed: 8);
            using var onDevice = VaeModel.Initialize(openCl, config, seed: 8);
            var a = onCpu.Encode(images, Binarization.Dynamic, seed: 2);
            var b = onDevice.Encode(images, Binarization.Dynamic, seed: 2);
            BitEqual(a.Mean, b.Mean, "μ");
            BitEqual(a.LogVariance, b.LogVariance, "log σ²");
            BitEqual(onCpu.Decode(z), onDevice.Decode(z), "decoded means");
            BitEqual(onCpu.Sample(9, seed: 3), onDevice.Sample(9, seed: 3), "samples");
        }
    }

    [Test]
    public void BadArgumentsAreRefused()
    {
        var config = Config();
        using var cpu = new CpuAccelerator(1);
        var model = VaeModel.Initialize(cpu, config, seed: 1);
        Assert.Throws<ArgumentException>(() => model.Encode(new float[config.InputSize + 1]));
        Assert.Throws<ArgumentException>(() => model.Decode(new float[config.LatentSize - 1]));
        Assert.Throws<InputException>(() => model.Encode(new ImageSet(2, 4, 4, new byte[32])));
        Assert.Throws<InputException>(() => _ = new VaeModel(cpu, config, new float[3]));
        Assert.That(model.Encode(ReadOnlySpan<float>.Empty).Count, Is.Zero);
        model.Dispose();
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Encode(new float[config.InputSize]));
    }

    /// <summary>The same network in double precision: tanh hidden layers, a linear head, a sigmoid output.</summary>
    private sealed class ReferenceNetwork(ModelConfig config, float[] parameters)
    {
        private readonly ParameterLayout _layout = new(config);

        public (double[] Mean, double[] LogVariance) Encode(ReadOnlySpan<float> x)
        {
            double[] h = x.ToArray().Select(v => (double)v).ToArray();
            foreach (var l in _layout.EncoderHidden) h = Layer(l, h, Math.Tanh);
            double[] head = Layer(_layout.EncoderHead, h, a => a);
            return (head[..config.LatentSize], head[config.LatentSize..]);
        }

        public double[] DecodeMeans(ReadOnlySpan<float> z)
        {
            double[] h = z.ToArray().Select(v => (double)v).ToArray();
            foreach (var l in _layout.DecoderHidden) h = Layer(l, h, Math.Tanh);
            return Layer(_layout.DecoderOutput, h, a => 1 / (1 + Math.Exp(-a)))[..config.InputSize];
        }

        private double[] Layer(LinearLayer l, double[] x, Func<double, double> activation)
        {
            var y = new double[l.Outputs];
            for (int n = 0; n < l.Outputs; n++)
            {
                double a = parameters[l.BiasOffset + n];
                for (int k = 0; k < l.Inputs; k++) a += x[k] * parameters[l.WeightOffset + (long)k * l.Outputs + n];
                y[n] = activation(a);
            }
            return y;
        }
    }
}
