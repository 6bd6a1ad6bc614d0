using FsCheck;
using FsCheck.Fluent;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Data;
using IlgpuVae.Tests.Data;
using NUnit.Framework;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// Property-based tests (FsCheck) of the two readers of untrusted files: valid IDX files and
/// checkpoints are damaged at random (<see cref="Mutation"/>), and each reader must either succeed or
/// raise its documented <see cref="InputException"/> — never another exception, a hang or a large
/// allocation. 300 cases per property keep each under a second.
/// </summary>
[TestFixture]
public sealed class ReaderPropertyTests
{
    private const int Cases = 300;

    // The IDX reader may take its first gzip chunk (1 MiB) and the checkpoint reader a 1 MiB header;
    // anything that followed a damaged length field would be far larger.
    private const long AllocationBudget = 4L << 20;

    private static Config Configuration => Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true);

    /// <summary>
    /// Runs <paramref name="read"/> on <paramref name="bytes"/>; true when it succeeded or threw an
    /// exception of type <typeparamref name="TExpected"/> (a failing case names what it threw instead).
    /// </summary>
    private static bool SucceedsOrRefuses<TExpected>(byte[] bytes, Action<Stream> read, out bool succeeded) where TExpected : Exception
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        succeeded = false;
        try
        {
            read(new MemoryStream(bytes, writable: false));
            succeeded = true;
        }
        catch (TExpected)
        {
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > AllocationBudget + 4L * bytes.Length)
            throw new AssertionException($"reading {bytes.Length} bytes allocated {allocated} bytes");
        return true;
    }

    private static void CheckIdx(byte[] valid, Func<byte[], byte[]>? encode = null)
    {
        int read = 0, refused = 0;
        var property = Prop.ForAll(Mutation.Sequences, mutations =>
        {
            byte[] damaged = Mutation.ApplyAll(valid, mutations);
            if (encode is not null) damaged = encode(damaged);
            bool ok = SucceedsOrRefuses<IdxFormatException>(damaged, s => IdxReader.ReadImages(s, "images"), out bool succeeded);
            if (succeeded) read++; else refused++;
            return ok;
        });
        Check.One(Configuration, property);
        Assert.That(refused, Is.GreaterThan(Cases / 10), $"the damage reached the checks ({read} read, {refused} refused)");
    }

    /// <summary>Damaged raw IDX image files: read, or refused with an <see cref="IdxFormatException"/>.</summary>
    [Test]
    public void DamagedRawIdxFilesAreReadOrRefused() => CheckIdx(SyntheticIdx.ImageFile(20, 4, 5));

    /// <summary>Damaged gzip streams of IDX image files.</summary>
    [Test]
    public void DamagedGzipStreamsAreReadOrRefused() => CheckIdx(SyntheticIdx.Gzip(SyntheticIdx.ImageFile(20, 4, 5)));

    /// <summary>Damaged IDX files inside intact gzip streams (the header checks behind decompression).</summary>
    [Test]
    public void GzippedDamagedIdxFilesAreReadOrRefused() => CheckIdx(SyntheticIdx.ImageFile(20, 4, 5), SyntheticIdx.Gzip);

    /// <summary>Damaged label files.</summary>
    [Test]
    public void DamagedLabelFilesAreReadOrRefused()
    {
        byte[] valid = SyntheticIdx.LabelFile(30);
        var property = Prop.ForAll(Mutation.Sequences, mutations =>
            SucceedsOrRefuses<IdxFormatException>(Mutation.ApplyAll(valid, mutations), s => IdxReader.ReadLabels(s, "labels"), out _));
        Check.One(Configuration, property);
    }

    /// <summary>
    /// Damaged checkpoints are always refused with a <see cref="CheckpointFormatException"/> (the
    /// checksum covers every byte); only a "damage" that left the bytes as they were may load.
    /// </summary>
    [Test]
    public void DamagedCheckpointsAreRefused()
    {
        byte[] valid = CheckpointBytes.Of(CheckpointBytes.State());
        var property = Prop.ForAll(Mutation.Sequences, mutations =>
        {
            byte[] damaged = Mutation.ApplyAll(valid, mutations);
            SucceedsOrRefuses<CheckpointFormatException>(damaged, s => CheckpointFile.Load(s, "model.ckpt"), out bool loaded);
            return loaded == damaged.AsSpan().SequenceEqual(valid);
        });
        Check.One(Configuration, property);
    }

    /// <summary>
    /// Damaged checkpoints whose checksum was recomputed (as a buggy or hostile writer would leave
    /// them) reach the header checks: they load or are refused with a <see cref="CheckpointFormatException"/>.
    /// </summary>
    [Test]
    public void DamagedCheckpointsWithAValidChecksumAreReadOrRefused()
    {
        byte[] valid = CheckpointBytes.Of(CheckpointBytes.State());
        int read = 0, refused = 0;
        var property = Prop.ForAll(Mutation.Sequences, mutations =>
        {
            byte[] damaged = Mutation.ApplyAll(valid, mutations);
            if (damaged.Length >= 32) damaged = CheckpointBytes.Rehash(damaged);
            bool ok = SucceedsOrRefuses<CheckpointFormatException>(damaged, s => CheckpointFile.Load(s, "model.ckpt"), out bool succeeded);
            if (succeeded) read++; else refused++;
            return ok;
        });
        Check.One(Configuration, property);
        Assert.That(read > 0 && refused > 0, $"both outcomes occur ({read} read, {refused} refused)");
    }

    /// <summary>Damage confined to the JSON header (checksum recomputed): the header parser and checks in particular.</summary>
    [Test]
    public void DamagedCheckpointHeadersAreReadOrRefused()
    {
        byte[] valid = CheckpointBytes.Of(CheckpointBytes.State());
        string json = CheckpointBytes.Header(valid).ToJsonString();
        byte[] header = System.Text.Encoding.UTF8.GetBytes(json);
        var property = Prop.ForAll(Mutation.Sequences, mutations =>
        {
            byte[] damagedJson = Mutation.ApplyAll(header, mutations);
            byte[] damaged;
            try
            {
                var node = System.Text.Json.Nodes.JsonNode.Parse(damagedJson);
                if (node is not System.Text.Json.Nodes.JsonObject obj) return true;
                damaged = CheckpointBytes.WithHeader(valid, obj);
            }
            catch (System.Text.Json.JsonException)
            {
                return true; // not JSON at all: covered by the byte-level properties
            }
            return SucceedsOrRefuses<CheckpointFormatException>(damaged, s => CheckpointFile.Load(s, "model.ckpt"), out _);
        });
        Check.One(Configuration, property);
    }
}
