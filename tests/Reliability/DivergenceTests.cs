using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;
using NUnit.Framework;
using static IlgpuVae.Tests.Reliability.TinyTraining;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// Numerical faults: the host scan finds every NaN and infinity and names its tensor; a diverging run
/// stops with the step; the replay of <see cref="DivergenceDiagnosis"/> finds the first step and tensor
/// that went non-finite, and the state just before that step is finite.
/// </summary>
[TestFixture]
public sealed class DivergenceTests
{
    [Test]
    public void TheScanFindsTheFirstNonFiniteValueAnywhere()
    {
        foreach (int length in new[] { 1, 15, 16, 17, 100, 1000 })
            foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
                for (int at = 0; at < length; at += Math.Max(1, length / 7))
                {
                    var values = Enumerable.Range(0, length).Select(i => (float)(i % 3 == 0 ? float.MaxValue : -float.Epsilon * i)).ToArray();
                    Assert.That(NonFiniteScan.FirstNonFinite(values), Is.EqualTo(-1), "finite extremes are finite");
                    values[at] = bad;
                    if (at + 1 < length) values[length - 1] = float.NaN;
                    Assert.That(NonFiniteScan.FirstNonFinite(values), Is.EqualTo(at), $"{bad} at {at} of {length}");
                }
    }

    [Test]
    public void TensorsAreNamedAndCoverTheVector()
    {
        var layout = new ParameterLayout(new ModelConfig { InputSize = 10, HiddenSizes = [7, 5], LatentSize = 3 });
        var tensors = ParameterTensors.Of(layout);
        Assert.That(tensors.Select(t => t.Name), Is.EqualTo(new[]
        {
            "encoder.hidden1.weight", "encoder.hidden1.bias", "encoder.hidden2.weight", "encoder.hidden2.bias",
            "encoder.head.weight", "encoder.head.bias", "decoder.hidden1.weight", "decoder.hidden1.bias",
            "decoder.hidden2.weight", "decoder.hidden2.bias", "decoder.output.weight", "decoder.output.bias",
        }));
        long next = 0;
        foreach (var t in tensors)
        {
            Assert.That(t.Offset, Is.EqualTo(next), t.Name);
            next += t.Length;
        }
        Assert.That(next, Is.EqualTo(layout.Count));
        var values = new float[layout.Count];
        values[tensors[^2].Offset + 2 * 10 + 3] = float.NaN;
        Assert.That(NonFiniteScan.Locate(layout, values, "gradient"), Is.EqualTo("gradient in decoder.output.weight[2, 3] = NaN"));
    }

    /// <summary>A NaN in one parameter makes the next progress check stop training, naming the step.</summary>
    [Test]
    public void ANaNParameterStopsTrainingAtTheNextCheck()
    {
        using var cpu = new CpuAccelerator(2);
        var (state, _) = Run(cpu, TinyModel(), TinyConfig(), null, 7);
        var tensor = ParameterTensors.Of(new ParameterLayout(state.Model)).Single(t => t.Name == "decoder.output.weight");
        state.Parameters[tensor.Offset + 3] = float.NaN;
        using var trainer = new Trainer(cpu, TinyModel(), TinyConfig(), TinyData, state);
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.TrainSteps(5, _ => { }, TimeSpan.Zero));
        Assert.That(e!.Step, Is.EqualTo(8));
        Assert.That(e.Message, Does.StartWith("step 8 (epoch 1): non-finite loss (minibatch ELBO NaN); non-finite gradient of step 8 in "));
    }

    /// <summary>
    /// A run that explodes (SGD with a huge learning rate): the replay names the first bad step and a
    /// tensor, training notices no earlier than that step, and every state before it is finite.
    /// </summary>
    [Test]
    public void TheReplayFindsTheFirstNonFiniteStep()
    {
        using var cpu = new CpuAccelerator(2);
        var training = TinyConfig(OptimizerKind.SgdMomentum) with { LearningRate = 1e4f };
        long noticed;
        using (var trainer = new Trainer(cpu, TinyModel(), training, TinyData))
        {
            var e = Assert.Throws<TrainingDivergedException>(() => { while (true) trainer.TrainEpoch(evaluateTest: false); });
            noticed = e!.Step;
        }
        string? found = DivergenceDiagnosis.Locate(cpu, TinyModel(), training, TinyData, null, noticed);
        Assert.That(found, Does.Match(@"^step \d+: non-finite (gradient|parameter|loss|optimizer state)"));
        long first = long.Parse(found!.Split(' ', ':')[1]);
        Assert.That(first, Is.LessThanOrEqualTo(noticed));
        var (before, _) = Run(cpu, TinyModel(), training, null, first - 1);
        Assert.That(NonFiniteScan.Describe(before), Is.Null, $"the state after step {first - 1} is finite");
    }
}
