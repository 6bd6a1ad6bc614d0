using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Files;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Checkpoints;

/// <summary>
/// The checkpoint file: a versioned binary format holding a <see cref="TrainingState"/>.
/// <code>
/// "IVAECKPT"  8 bytes magic
/// uint32      format version (4; versions 1 to 3, which lack some header fields, are read too)
/// int32       header length H (at most 1 MiB), then H bytes of UTF-8 JSON: the model and training
///             configurations (with the minibatch's parts, version 4; earlier versions summed over one part),
///             step, epoch, step_in_epoch, the Adam β powers, the array lengths, the identity of the data
///             (version 3) and the program's run options (version 3)
/// float32[]   parameters, optimizer state 0, optimizer state 1, then the current epoch's minibatch
///             ELBO sums (lengths from the header), little-endian: the exact bits of the floats
/// 32 bytes    SHA-256 of everything before it
/// </code>
/// There is no separate random-number state: every draw is keyed by (seed, stream, step) and each
/// epoch's shuffle by (seed, epoch), so the step and epoch counters are the generators' counters.
/// <para>
/// Writing: a temporary file in the same folder, flushed to disk, renamed over the target, then the
/// folder flushed, so the rename itself survives a power loss; a process killed at any moment leaves
/// either the old file or the new one, both complete. A state with a NaN or infinity anywhere is
/// refused (<see cref="TrainingDivergedException"/>), so a good checkpoint is never replaced by a bad one.
/// </para>
/// <para>
/// Reading checks that the path is a regular file, then the magic, the version and the checksum over the
/// whole file before it parses anything, then every header value; no allocation exceeds what the file's
/// length allows; last, every value read must be finite (a correct checksum over NaNs is still no usable
/// state). Every defect raises <see cref="CheckpointFormatException"/> with one line naming the file.
/// </para>
/// </summary>
public static class CheckpointFile
{
    private static ReadOnlySpan<byte> Magic => "IVAECKPT"u8;
    /// <summary>The format version this build writes.</summary>
    public const uint FormatVersion = 4;
    /// <summary>The oldest format version this build reads.</summary>
    public const uint OldestReadableVersion = 1;
    private const int HashLength = 32;
    private const int PrefixLength = 16;
    private const int MaxHeaderBytes = 1 << 20;
    private const int Chunk = 1 << 20;
    private const int MaxRunOptions = 256;
    private const int MaxRunOptionLength = 4096;

    private sealed record Header(ModelConfig Model, TrainingConfig Training, long Step, int Epoch,
        float Beta1Power, float Beta2Power, long ParameterCount, long State0Count, long State1Count,
        int StepInEpoch = 0, long EpochElboCount = 0, DataIdentity? Data = null, Dictionary<string, string>? RunOptions = null);

    /// <summary>
    /// Writes <paramref name="state"/> to <paramref name="path"/> atomically and durably, replacing any
    /// file there. Throws <see cref="TrainingDivergedException"/>, writing nothing, when the state holds
    /// a non-finite value.
    /// </summary>
    public static void Save(string path, TrainingState state)
    {
        string temp = WriteTemporary(path, state);
        try
        {
            File.Move(temp, path, overwrite: true);
            DurableFile.SyncDirectory(DirectoryOf(path));
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// Writes <paramref name="state"/> to a new temporary file next to <paramref name="path"/>, flushed
    /// to disk, and returns its name (hidden, ending in .tmp); the caller renames or deletes it.
    /// </summary>
    internal static string WriteTemporary(string path, TrainingState state)
    {
        CheckConsistent(state);
        if (NonFiniteScan.Describe(state) is { } problem)
            throw new TrainingDivergedException($"{problem}; {Path.GetFileName(path)} was not written, the previous checkpoint is kept", state.Step);
        string directory = DirectoryOf(path);
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, $"{TemporaryPrefix(path)}{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            Write(file, state);
            file.Flush(flushToDisk: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        return temp;
    }

    /// <summary>
    /// The bytes of a checkpoint of <paramref name="state"/> (what a file would hold; <see cref="Load(Stream, string)"/>
    /// reads them back), e.g. to hand a state to the other ranks of a data-parallel job. A non-finite state is refused.
    /// </summary>
    internal static byte[] ToBytes(TrainingState state)
    {
        CheckConsistent(state);
        if (NonFiniteScan.Describe(state) is { } problem)
            throw new TrainingDivergedException($"{problem}; the state cannot be passed on", state.Step);
        using var memory = new MemoryStream();
        Write(memory, state);
        return memory.ToArray();
    }

    /// <summary>The checkpoint's bytes: prefix, header, arrays, then the SHA-256 of all before it.</summary>
    private static void Write(Stream output, TrainingState state)
    {
        var header = new Header(state.Model, state.Training, state.Step, state.Epoch, state.Beta1Power, state.Beta2Power,
            state.Parameters.Length, state.OptimizerState0.Length, state.OptimizerState1?.Length ?? 0,
            state.StepInEpoch, state.EpochStepElbos.Length, state.Data, new Dictionary<string, string>(state.RunOptions));
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header, EngineJson.Compact);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Write(ReadOnlySpan<byte> bytes) { output.Write(bytes); hash.AppendData(bytes); }
        Span<byte> word = stackalloc byte[4];
        Write(Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(word, FormatVersion); Write(word);
        BinaryPrimitives.WriteInt32LittleEndian(word, json.Length); Write(word);
        Write(json);
        WriteFloats(state.Parameters, Write);
        WriteFloats(state.OptimizerState0, Write);
        if (state.OptimizerState1 is not null) WriteFloats(state.OptimizerState1, Write);
        WriteFloats(state.EpochStepElbos, Write);
        output.Write(hash.GetHashAndReset());
    }

    /// <summary>The name prefix of <paramref name="path"/>'s temporary files (".model.ckpt."), for clean-up after a crash.</summary>
    internal static string TemporaryPrefix(string path) => $".{Path.GetFileName(path)}.";

    /// <summary>Reads and verifies a checkpoint file.</summary>
    /// <exception cref="CheckpointFormatException">The file is missing, unreadable, corrupted, truncated, of another version, or holds an impossible configuration.</exception>
    public static TrainingState Load(string path)
    {
        if (InputFile.Problem(path, "checkpoint file") is { } problem) throw new CheckpointFormatException(problem);
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return Load(file, path);
        }
        catch (Exception e) when (e is UnauthorizedAccessException || (e is IOException && DiskFault.Describe(e) is null))
        {
            throw new CheckpointFormatException($"{path}: cannot read the checkpoint ({FirstLine(e.Message)})");
        }
    }

    /// <summary>Reads and verifies a checkpoint from a seekable stream (from position 0 to its end).</summary>
    /// <param name="stream">The checkpoint's bytes; readable and seekable.</param>
    /// <param name="name">What to call it in error messages, usually its path.</param>
    /// <exception cref="CheckpointFormatException">The data is corrupted, truncated, of another version, or holds an impossible configuration.</exception>
    public static TrainingState Load(Stream stream, string name)
    {
        if (!stream.CanRead || !stream.CanSeek) throw new ArgumentException("the stream must be readable and seekable", nameof(stream));
        try
        {
            return LoadCore(stream, name);
        }
        catch (EndOfStreamException)
        {
            // Only when the data shrinks while it is read: the length was checked first.
            throw new CheckpointFormatException($"{name}: the checkpoint ended early while it was read");
        }
    }

    private static TrainingState LoadCore(Stream file, string name)
    {
        long length = file.Length;
        if (length < PrefixLength + HashLength)
            throw new CheckpointFormatException($"{name}: {length} bytes is too short to be a checkpoint");

        file.Position = 0;
        Span<byte> prefix = stackalloc byte[PrefixLength];
        file.ReadExactly(prefix);
        if (!prefix[..Magic.Length].SequenceEqual(Magic)) throw new CheckpointFormatException($"{name}: not an IlgpuVae checkpoint (wrong magic)");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]);
        if (version < OldestReadableVersion || version > FormatVersion)
            throw new CheckpointFormatException($"{name}: checkpoint format version {version}; this build reads versions {OldestReadableVersion} to {FormatVersion}");

        // The checksum first: a flipped bit anywhere, or a cut, is reported as what it is, and nothing
        // below ever parses bytes that were not written by a writer of this format.
        VerifyChecksum(file, length, name);

        file.Position = PrefixLength;
        long payloadEnd = length - HashLength;
        int headerLength = BinaryPrimitives.ReadInt32LittleEndian(prefix[12..]);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes || headerLength > payloadEnd - PrefixLength)
            throw new CheckpointFormatException($"{name}: corrupt checkpoint (header length {headerLength})");
        var json = new byte[headerLength];
        file.ReadExactly(json);
        Header header = ParseHeader(json, name);
        if (version < 3 && (header.Data is not null || header.RunOptions is not null))
            throw new CheckpointFormatException($"{name}: corrupt checkpoint header (version {version} has no data identity or run options)");
        if (version < 4)
        {
            // Before format 4 every minibatch sum was one chain over the whole minibatch: one part.
            if (TrainingHasBatchParts(json))
                throw new CheckpointFormatException($"{name}: corrupt checkpoint header (version {version} has no batch parts)");
            header = header with { Training = header.Training with { BatchParts = 1 } };
        }
        long remaining = payloadEnd - file.Position;
        CheckHeader(header, remaining, name);

        float[] parameters = ReadFloats(file, header.ParameterCount);
        float[] state0 = ReadFloats(file, header.State0Count);
        float[]? state1 = header.State1Count > 0 ? ReadFloats(file, header.State1Count) : null;
        float[] elbos = ReadFloats(file, header.EpochElboCount);
        var state = new TrainingState
        {
            Model = header.Model, Training = header.Training, Step = header.Step, Epoch = header.Epoch,
            StepInEpoch = header.StepInEpoch, EpochStepElbos = elbos,
            Parameters = parameters, OptimizerState0 = state0, OptimizerState1 = state1,
            Beta1Power = header.Beta1Power, Beta2Power = header.Beta2Power,
            Data = header.Data, RunOptions = header.RunOptions ?? new Dictionary<string, string>(),
        };
        // Written by a writer that skipped the scan, or by hand: a state that cannot train or evaluate.
        if (NonFiniteScan.Describe(state) is { } nonFinite)
            throw new CheckpointFormatException($"{name}: the checkpoint holds non-finite values ({nonFinite}); it cannot be used");
        return state;
    }

    private static void VerifyChecksum(Stream file, long length, string name)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        file.Position = 0;
        var buffer = new byte[(int)Math.Min(Chunk, length)];
        long left = length - HashLength;
        while (left > 0)
        {
            int n = (int)Math.Min(buffer.Length, left);
            file.ReadExactly(buffer, 0, n);
            hash.AppendData(buffer, 0, n);
            left -= n;
        }
        Span<byte> stored = stackalloc byte[HashLength];
        file.ReadExactly(stored);
        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(stored))
            throw new CheckpointFormatException($"{name}: checkpoint checksum mismatch ({length} bytes): the file is corrupted or incomplete");
    }

    private static Header ParseHeader(byte[] json, string name)
    {
        Header? header;
        try
        {
            header = JsonSerializer.Deserialize<Header>(json, EngineJson.Compact);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw new CheckpointFormatException($"{name}: corrupt checkpoint header ({FirstLine(e.Message)})");
        }
        if (header?.Model is null || header.Training is null || header.Model.HiddenSizes is null)
            throw new CheckpointFormatException($"{name}: corrupt checkpoint header (configuration missing)");
        return header;
    }

    private static bool TrainingHasBatchParts(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("training", out var training) && training.ValueKind == JsonValueKind.Object
            && training.TryGetProperty("batch_parts", out _);
    }

    /// <summary>Every header value, against the configuration and the bytes the file really has.</summary>
    private static void CheckHeader(Header h, long remaining, string name)
    {
        long expected;
        try
        {
            h.Model.Validate();
            h.Training.Validate();
            expected = new ParameterLayout(h.Model).Count;
        }
        catch (InputException e)
        {
            throw new CheckpointFormatException($"{name}: invalid configuration in checkpoint ({e.Message})");
        }
        try
        {
            h.Data?.Validate();
        }
        catch (InputException e)
        {
            throw new CheckpointFormatException($"{name}: corrupt checkpoint header (data identity: {e.Message})");
        }
        if (h.RunOptions is { } options && (options.Count > MaxRunOptions
            || options.Any(o => string.IsNullOrEmpty(o.Key) || o.Key.Length > MaxRunOptionLength || o.Value is null || o.Value.Length > MaxRunOptionLength)))
            throw new CheckpointFormatException($"{name}: corrupt checkpoint header (run options)");
        if (h.Step < 0 || h.Epoch < 0 || h.StepInEpoch < 0 || h.StepInEpoch > h.Step || h.EpochElboCount != h.StepInEpoch)
            throw new CheckpointFormatException($"{name}: corrupt checkpoint (step {h.Step}, epoch {h.Epoch}, {h.StepInEpoch} steps into the next epoch, {h.EpochElboCount} epoch ELBOs)");
        if (!(h.Beta1Power is >= 0f and <= 1f) || !(h.Beta2Power is >= 0f and <= 1f))
            throw new CheckpointFormatException($"{name}: corrupt checkpoint (optimizer β powers {h.Beta1Power}, {h.Beta2Power})");
        // Each count is checked against the file before they are added, so no sum can overflow and no
        // array can be larger than the file.
        long capacity = remaining / 4;
        foreach (long count in new[] { h.ParameterCount, h.State0Count, h.State1Count, h.EpochElboCount })
            if (count < 0 || count > capacity)
                throw new CheckpointFormatException($"{name}: corrupt or truncated checkpoint (the header promises {count} values, the file holds at most {capacity})");
        long floats = h.ParameterCount + h.State0Count + h.State1Count + h.EpochElboCount;
        if (floats * 4 != remaining)
            throw new CheckpointFormatException($"{name}: corrupt or truncated checkpoint (the header promises {floats} values, the file holds {remaining / 4.0})");
        if (h.ParameterCount != expected)
            throw new CheckpointFormatException($"{name}: the checkpoint holds {h.ParameterCount} parameters, its model {h.Model.Describe()} needs {expected}");
        long expected1 = h.Training.Optimizer.StateSlots() > 1 ? expected : 0;
        if (h.State0Count != expected || h.State1Count != expected1)
            throw new CheckpointFormatException($"{name}: the checkpoint's optimizer state ({h.State0Count} + {h.State1Count} values) does not fit {h.Training.Optimizer} on {expected} parameters");
    }

    private static void CheckConsistent(TrainingState state)
    {
        long count = new ParameterLayout(state.Model).Count;
        if (state.Parameters.Length != count || state.OptimizerState0.Length != count
            || (state.OptimizerState1 is { } s1 && s1.Length != count) || state.EpochStepElbos.Length != state.StepInEpoch)
            throw new ArgumentException("the training state's arrays do not fit its model", nameof(state));
    }

    private static void WriteFloats(float[] values, WriteBytes write)
    {
        // Little-endian on every platform .NET runs the engine on; the bytes are the float bits.
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        for (int i = 0; i < bytes.Length; i += Chunk) write(bytes.Slice(i, Math.Min(Chunk, bytes.Length - i)));
    }

    private static float[] ReadFloats(Stream file, long count)
    {
        var values = new float[count];
        file.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    private delegate void WriteBytes(ReadOnlySpan<byte> bytes);

    private static string DirectoryOf(string path) => Path.GetDirectoryName(Path.GetFullPath(path))!;

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}

/// <summary>A checkpoint file is missing, corrupted, truncated or of another version (exit code 2).</summary>
public sealed class CheckpointFormatException(string message) : InputException(message);
