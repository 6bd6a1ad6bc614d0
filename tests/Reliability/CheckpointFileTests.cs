using System.Buffers.Binary;
using System.Text.Json.Nodes;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Data;
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
    [TestCase(5u)]
    [TestCase(0xffffffffu)]
    public void AnotherFormatVersionIsNamed(uint version)
    {
        byte[] bytes = Of(State());
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), version);
        var e = Assert.Throws<CheckpointFormatException>(() => Load(Rehash(bytes)));
        Assert.That(e!.Message, Does.Contain($"format version {version}").And.Contain("reads versions 1 to 4"));
    }

    [Test]
    public void AWrongMagicIsNamed()
    {
        byte[] bytes = Of(State());
        bytes[0] = (byte)'X';
        Assert.That(() => Load(bytes), Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("wrong magic"));
    }

    /// <summary>Format version 1 (no step-in-epoch fields, no epoch ELBOs, no data, no run options) still reads, as an epoch-boundary state.</summary>
    [Test]
    public void VersionOneFilesStillRead()
    {
        var state = State(10);
        Assert.That(state.StepInEpoch, Is.EqualTo(0));
        byte[] v3 = Of(state);
        var header = Header(v3);
        foreach (string field in new[] { "step_in_epoch", "epoch_elbo_count", "data", "run_options" }) header.Remove(field);
        header["training"]!.AsObject().Remove("batch_parts");
        var loaded = Load(WithHeader(v3, header, version: 1));
        TinyTraining.AssertSameState(state, loaded, "version 1");
        Assert.That(loaded.Training.BatchParts, Is.EqualTo(1), "version 1: one batch part");
        Assert.That((loaded.Data, loaded.RunOptions.Count), Is.EqualTo(((DataIdentity?)null, 0)), "nothing recorded");
    }

    /// <summary>Format version 2 (no data identity, no run options) still reads, also inside an epoch.</summary>
    [Test]
    public void VersionTwoFilesStillRead()
    {
        var state = State(13);
        byte[] v3 = Of(state);
        var header = Header(v3);
        header.Remove("data");
        header.Remove("run_options");
        header["training"]!.AsObject().Remove("batch_parts");
        var loaded = Load(WithHeader(v3, header, version: 2));
        TinyTraining.AssertSameState(state, loaded, "version 2");
        Assert.That(loaded.Training.BatchParts, Is.EqualTo(1), "version 2: one batch part");
        Assert.That(loaded.Data, Is.Null);
        Assert.That(() => Load(WithHeader(v3, Header(v3), version: 2)), Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("version 2 has no data identity"),
            "a version 2 file with version 3 fields was not written by any version");
    }

    /// <summary>
    /// Format version 3 (every minibatch sum one chain) reads with one batch part, so a run saved by an older build
    /// continues exactly; a version 3 file that names batch parts was not written by any version.
    /// </summary>
    [Test]
    public void VersionThreeFilesReadWithOneBatchPart()
    {
        var state = State(13);
        Assert.That(state.Training.BatchParts, Is.EqualTo(TrainingConfig.DefaultBatchParts));
        byte[] v4 = Of(state);
        var header = Header(v4);
        header["training"]!.AsObject().Remove("batch_parts");
        var loaded = Load(WithHeader(v4, header, version: 3));
        TinyTraining.AssertSameState(state, loaded, "version 3");
        Assert.That(loaded.Training.BatchParts, Is.EqualTo(1), "version 3: one batch part");
        Assert.That(() => Load(WithHeader(v4, Header(v4), version: 3)), Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("version 3 has no batch parts"));
    }

    /// <summary>The minibatch's parts are part of the configuration a checkpoint keeps.</summary>
    [Test]
    public void TheBatchPartsRoundTrip()
    {
        var state = State(13);
        var loaded = Load(Of(state with { Training = state.Training with { BatchParts = 5 } }));
        Assert.That(loaded.Training.BatchParts, Is.EqualTo(5));
    }

    /// <summary>Version 3 keeps the data's identity and the run options, exactly.</summary>
    [Test]
    public void TheDataIdentityAndTheRunOptionsRoundTrip()
    {
        var identity = new DataIdentity("fashion-mnist", 60000, 10000, 28, 28, new string('a', 64));
        var options = new Dictionary<string, string> { ["keep_checkpoints"] = "10", ["data"] = "/data/ünïcode folder" };
        var state = State(13) with { Data = identity, RunOptions = options };
        var loaded = Load(Of(state));
        Assert.That(loaded.Data, Is.EqualTo(identity));
        Assert.That(loaded.RunOptions, Is.EquivalentTo(options));
    }

    /// <summary>A file whose checksum is right but which holds a NaN or an infinity (a writer that skipped the scan) is refused, naming the value.</summary>
    [TestCase("parameter", "non-finite parameter")]
    [TestCase("optimizer", "non-finite optimizer state")]
    [TestCase("elbo", "non-finite loss")]
    public void NonFiniteValuesBehindAValidChecksumAreRefused(string where, string fragment)
    {
        var state = State(13);
        byte[] bytes = Of(state);
        // The arrays follow the header: parameters, optimizer state 0, 1, then the epoch's ELBOs.
        int body = 16 + BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        int offset = where switch
        {
            "parameter" => body + 4 * 5,
            "optimizer" => body + 4 * (state.Parameters.Length + 2),
            _ => bytes.Length - 32 - 4,
        };
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(offset), where == "elbo" ? float.NegativeInfinity : float.NaN);
        var e = Assert.Throws<CheckpointFormatException>(() => Load(Rehash(bytes)));
        Assert.That(e!.Message, Does.Contain(fragment).And.Contain("cannot be used"));
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
    [TestCase("data", "{\"name\":\"x\",\"train_images\":0,\"test_images\":1,\"rows\":1,\"columns\":1,\"sha256\":\"00\"}", "data identity")]
    [TestCase("data", "{\"name\":\"x\",\"train_images\":5,\"test_images\":1,\"rows\":1,\"columns\":1,\"sha256\":\"zz\"}", "data identity")]
    [TestCase("run_options", "{\"keep_checkpoints\":3}", "corrupt checkpoint header")]
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
