using System.Buffers.Binary;
using System.Text.Json.Nodes;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;
using NUnit.Framework;
using static IlgpuVae.Tests.Reliability.CheckpointBytes;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// The checkpoint format: exact round trips, and one clear <see cref="CheckpointFormatException"/> for
/// every flipped bit, every truncation, another version, a wrong magic, and a header that does not fit
/// its model or its own arrays; a state with a NaN is never written.
/// </summary>
[TestFixture]
public sealed class CheckpointFileTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = TinyTraining.NewFolder();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [TestCase(OptimizerKind.Adam)]
    [TestCase(OptimizerKind.Adagrad)]
    public void RoundTripIsExact(OptimizerKind optimizer)
    {
        var state = State(13, optimizer);
        string path = Path.Combine(_dir, "model.ckpt");
        CheckpointFile.Save(path, state);
        var loaded = CheckpointFile.Load(path);
        TinyTraining.AssertSameState(state, loaded, "loaded");
        Assert.That(loaded.Model, Is.EqualTo(state.Model));
        Assert.That(loaded.Training, Is.EqualTo(state.Training));
        Assert.That(Directory.GetFiles(_dir).Select(Path.GetFileName), Is.EqualTo(new[] { "model.ckpt" }), "no temporary file is left");
    }

    /// <summary>Every single-bit flip anywhere in the file is caught (by the checksum or before it).</summary>
    [Test]
    public void EveryFlippedBitIsDetected()
    {
        byte[] good = Of(State());
        for (int i = 0; i < good.Length; i++)
        {
            var bad = (byte[])good.Clone();
            bad[i] ^= (byte)(1 << (i % 8));
            Assert.Throws<CheckpointFormatException>(() => Load(bad), $"bit {i % 8} of byte {i} of {good.Length}");
        }
    }

    /// <summary>Every truncation is caught.</summary>
    [Test]
    public void EveryTruncationIsDetected()
    {
        byte[] good = Of(State());
        for (int n = 0; n < good.Length; n++)
            Assert.Throws<CheckpointFormatException>(() => Load(good[..n]), $"cut to {n} of {good.Length} bytes");
    }

    [TestCase(0u)]
    [TestCase(3u)]
    [TestCase(0xffffffffu)]
    public void AnotherFormatVersionIsNamed(uint version)
    {
        byte[] bytes = Of(State());
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), version);
        var e = Assert.Throws<CheckpointFormatException>(() => Load(Rehash(bytes)));
        Assert.That(e!.Message, Does.Contain($"format version {version}").And.Contain("reads versions 1 to 2"));
    }

    [Test]
    public void AWrongMagicIsNamed()
    {
        byte[] bytes = Of(State());
        bytes[0] = (byte)'X';
        Assert.That(() => Load(bytes), Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("wrong magic"));
    }

    /// <summary>Format version 1 (no step-in-epoch fields, no epoch ELBOs) still reads, as an epoch-boundary state.</summary>
    [Test]
    public void VersionOneFilesStillRead()
    {
        var state = State(10);
        Assert.That(state.StepInEpoch, Is.EqualTo(0));
        byte[] v2 = Of(state);
        var header = Header(v2);
        header.Remove("step_in_epoch");
        header.Remove("epoch_elbo_count");
        var loaded = Load(WithHeader(v2, header, version: 1));
        TinyTraining.AssertSameState(state, loaded, "version 1");
    }

    /// <summary>Headers with a valid checksum but values that cannot be right are refused by name, before any array is allocated.</summary>
    [TestCase("parameter_count", "1000000000000", "promises")]
    [TestCase("parameter_count", "-5", "promises")]
    [TestCase("state1_count", "9223372036854775807", "promises")]
    [TestCase("step", "-1", "corrupt checkpoint")]
    [TestCase("step_in_epoch", "2", "corrupt checkpoint")]
    [TestCase("epoch_elbo_count", "1", "corrupt checkpoint")]
    [TestCase("beta1_power", "\"NaN\"", "β powers")]
    [TestCase("model", "null", "configuration missing")]
    [TestCase("training", "{\"optimizer\":\"adamw\"}", "corrupt checkpoint header")]
    [TestCase("extra_field", "1", "corrupt checkpoint header")]
    public void ImpossibleHeaderValuesAreRefused(string field, string json, string fragment)
    {
        byte[] bytes = Of(State());
        var header = Header(bytes);
        header[field] = JsonNode.Parse(json);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CheckpointFormatException>(() => Load(WithHeader(bytes, header)));
        Assert.That(e!.Message, Does.Contain(fragment));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1L << 20), "no large allocation");
    }

    /// <summary>A configuration that is invalid, or that does not match the arrays, is named.</summary>
    [TestCase("latent_size", "0", "invalid configuration")]
    [TestCase("latent_size", "3", "parameters, its model")]
    [TestCase("hidden_sizes", "[4,4]", "parameters, its model")]
    [TestCase("hidden_sizes", "null", "configuration missing")]
    [TestCase("hidden_sizes", "[70000]", "invalid configuration")]
    public void AConfigurationThatDoesNotFitIsRefused(string field, string json, string fragment)
    {
        byte[] bytes = Of(State());
        var header = Header(bytes);
        header["model"]![field] = JsonNode.Parse(json);
        Assert.That(() => Load(WithHeader(bytes, header)), Throws.TypeOf<CheckpointFormatException>().With.Message.Contains(fragment));
    }

    [Test]
    public void AnOptimizerStateThatDoesNotFitTheOptimizerIsRefused()
    {
        byte[] bytes = Of(State(13, OptimizerKind.Adam));
        var header = Header(bytes);
        header["training"]!["optimizer"] = "adagrad";
        Assert.That(() => Load(WithHeader(bytes, header)), Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("optimizer state"));
    }

    /// <summary>A state with a NaN in a parameter is not written; the message names the step and the tensor; the old file stays.</summary>
    [Test]
    public void ANonFiniteStateIsNeverWritten()
    {
        string path = Path.Combine(_dir, "model.ckpt");
        CheckpointFile.Save(path, State(12));
        byte[] before = File.ReadAllBytes(path);
        var bad = State(13);
        var tensor = IlgpuVae.Engine.Model.ParameterTensors.Of(new IlgpuVae.Engine.Model.ParameterLayout(bad.Model)).Single(t => t.Name == "decoder.output.weight");
        bad.Parameters[tensor.Offset + 5] = float.NaN;
        var e = Assert.Throws<TrainingDivergedException>(() => CheckpointFile.Save(path, bad));
        Assert.That(e!.Message, Does.StartWith("step 13: non-finite parameter in decoder.output.weight[").And.Contain("NaN").And.Contain("not written"));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before), "the previous checkpoint is untouched");
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1), "no temporary file is left");
    }

    [Test]
    public void ANonFiniteEpochElboIsNamedByItsStep()
    {
        var bad = State(13);
        bad.EpochStepElbos[1] = float.NegativeInfinity;
        var e = Assert.Throws<TrainingDivergedException>(() => CheckpointFile.Save(Path.Combine(_dir, "m.ckpt"), bad));
        Assert.That(e!.Message, Does.StartWith("step 12: non-finite loss (minibatch ELBO -inf)"));
    }

    [Test]
    public void MissingFilesAndFoldersAreNamed()
    {
        Assert.That(() => CheckpointFile.Load(Path.Combine(_dir, "none.ckpt")), Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("no such checkpoint"));
        Assert.That(() => CheckpointFile.Load(_dir), Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("is a folder"));
    }
}
