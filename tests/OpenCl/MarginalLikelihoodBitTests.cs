using IlgpuVae.Engine.Evaluation;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Verification;
using NUnit.Framework;

namespace IlgpuVae.Tests.OpenCl;

/// <summary>
/// The whole importance-sampling estimate (encoder, sampling, decoder, likelihood, log-weights,
/// log-mean-exp, chunked) gives the same bits on OpenCL as on the CPU.
/// </summary>
[TestFixture]
public sealed class MarginalLikelihoodBitTests
{
    [Test]
    public void OpenClEstimateMatchesCpu()
    {
        var device = OpenClTestDevice.Require();
        var data = SyntheticData.Create(0, 12, 6, 3);
        var model = new ModelConfig { InputSize = 36, HiddenSizes = [20], LatentSize = 3, InitScale = 0.3f };
        var parameters = ParameterInit.Create(model, 9);
        var options = new MarginalLikelihoodOptions { Samples = 75, ChunkRows = 40, Seed = 4 };
        var cpu = MarginalLikelihood.Estimate(OpenClTestDevice.Cpu, model, parameters, data.Test, options);
        var ocl = MarginalLikelihood.Estimate(device, model, parameters, data.Test, options);
        Assert.That(ocl.PerImage.Select(BitConverter.SingleToUInt32Bits), Is.EqualTo(cpu.PerImage.Select(BitConverter.SingleToUInt32Bits)));
        Assert.That(ocl.MeanLogWeight, Is.EqualTo(cpu.MeanLogWeight));
    }
}
