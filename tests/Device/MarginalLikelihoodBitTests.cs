using IlgpuVae.Engine.Evaluation;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Verification;
using NUnit.Framework;

namespace IlgpuVae.Tests.Device;

/// <summary>
/// The whole importance-sampling estimate (encoder, sampling, decoder, likelihood, log-weights,
/// log-mean-exp, chunked) gives the same bits on every ILGPU family as on the CPU.
/// </summary>
[TestFixture]
public sealed class MarginalLikelihoodBitTests
{
    [TestCaseSource(typeof(DeviceAccelerators), nameof(DeviceAccelerators.Families))]
    public void EstimateMatchesCpu(string family)
    {
        var device = DeviceAccelerators.Require(family);
        var data = SyntheticData.Create(0, 12, 6, 3);
        var model = new ModelConfig { InputSize = 36, HiddenSizes = [20], LatentSize = 3, InitScale = 0.3f };
        var parameters = ParameterInit.Create(model, 9);
        var options = new MarginalLikelihoodOptions { Samples = 75, ChunkRows = 40, Seed = 4 };
        var cpu = MarginalLikelihood.Estimate(DeviceAccelerators.Cpu, model, parameters, data.Test, options);
        var other = MarginalLikelihood.Estimate(device, model, parameters, data.Test, options);
        Assert.That(other.PerImage.Select(BitConverter.SingleToUInt32Bits), Is.EqualTo(cpu.PerImage.Select(BitConverter.SingleToUInt32Bits)));
        Assert.That(other.MeanLogWeight, Is.EqualTo(cpu.MeanLogWeight));
    }
}
