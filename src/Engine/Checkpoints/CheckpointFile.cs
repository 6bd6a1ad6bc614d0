using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;

namespace IlgpuVae.Engine.Checkpoints;

/// <summary>
/// The checkpoint file: a versioned binary format holding a <see cref="TrainingState"/>.
/// <code>
/// "IVAECKPT"  8 bytes magic
/// uint32      format version (1)
/// int32       header length H, then H bytes of UTF-8 JSON (configs, step, epoch, β powers, array lengths)
/// float32[]   parameters, optimizer state 0, optimizer state 1 (lengths from the header), little-endian
/// 32 bytes    SHA-256 of everything before it
/// </code>
/// Files are written atomically (temporary file in the same folder, flushed to disk, renamed over the
/// target), so a crash mid-save leaves the previous file intact. Every read check happens before any
/// large allocation, and every defect raises <see cref="CheckpointFormatException"/> with one line.
/// </summary>
public static class CheckpointFile
{
    private static ReadOnlySpan<byte> Magic => "IVAECKPT"u8;
    /// <summary>The format version this build writes and reads.</summary>
    public const uint FormatVersion = 1;
    private const int HashLength = 32;
    private const int MaxHeaderBytes = 1 << 20;

    private sealed record Header(ModelConfig Model, TrainingConfig Training, long Step, int Epoch,
        float Beta1Power, float Beta2Power, long ParameterCount, long State0Count, long State1Count);

    /// <summary>Writes <paramref name="state"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, TrainingState state)
    {
        var header = new Header(state.Model, state.Training, state.Step, state.Epoch, state.Beta1Power, state.Beta2Power,
            state.Parameters.Length, state.OptimizerState0.Length, state.OptimizerState1?.Length ?? 0);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header, EngineJson.Compact);
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                void Write(ReadOnlySpan<byte> bytes) { file.Write(bytes); hash.AppendData(bytes); }
                Span<byte> word = stackalloc byte[4];
                Write(Magic);
                BinaryPrimitives.WriteUInt32LittleEndian(word, FormatVersion); Write(word);
                BinaryPrimitives.WriteInt32LittleEndian(word, json.Length); Write(word);
                Write(json);
                WriteFloats(state.Parameters, Write);
                WriteFloats(state.OptimizerState0, Write);
                if (state.OptimizerState1 is not null) WriteFloats(state.OptimizerState1, Write);
                file.Write(hash.GetHashAndReset());
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Reads and verifies a checkpoint.</summary>
    public static TrainingState Load(string path)
    {
        if (!File.Exists(path)) throw new CheckpointFormatException($"{path}: no such checkpoint file");
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long length = file.Length;
        string name = path;
        if (length < Magic.Length + 8 + HashLength) throw new CheckpointFormatException($"{name}: {length} bytes is too short to be a checkpoint");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] Read(int count)
        {
            var buffer = new byte[count];
            file.ReadExactly(buffer);
            hash.AppendData(buffer);
            return buffer;
        }
        if (!Read(Magic.Length).AsSpan().SequenceEqual(Magic)) throw new CheckpointFormatException($"{name}: not an IlgpuVae checkpoint (wrong magic)");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(Read(4));
        if (version != FormatVersion) throw new CheckpointFormatException($"{name}: checkpoint format version {version}, this build reads version {FormatVersion}");
        int headerLength = BinaryPrimitives.ReadInt32LittleEndian(Read(4));
        if (headerLength <= 0 || headerLength > MaxHeaderBytes || headerLength > length - file.Position - HashLength)
            throw new CheckpointFormatException($"{name}: corrupt checkpoint (header length {headerLength})");
        Header header;
        try
        {
            header = JsonSerializer.Deserialize<Header>(Read(headerLength), EngineJson.Compact)
                ?? throw new CheckpointFormatException($"{name}: corrupt checkpoint (empty header)");
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException($"{name}: corrupt checkpoint header ({FirstLine(e.Message)})");
        }
        if (header.Model is null || header.Training is null) throw new CheckpointFormatException($"{name}: corrupt checkpoint header (configuration missing)");
        long floats = header.ParameterCount + header.State0Count + header.State1Count;
        if (header.ParameterCount < 0 || header.State0Count < 0 || header.State1Count < 0
            || floats * 4 != length - file.Position - HashLength)
            throw new CheckpointFormatException($"{name}: corrupt or truncated checkpoint (the header promises {floats} values, the file holds {(length - file.Position - HashLength) / 4.0})");
        try { header.Model.Validate(); header.Training.Validate(); }
        catch (InputException e) { throw new CheckpointFormatException($"{name}: invalid configuration in checkpoint ({e.Message})"); }
        float[] parameters = ReadFloats(header.ParameterCount, Read);
        float[] state0 = ReadFloats(header.State0Count, Read);
        float[]? state1 = header.State1Count > 0 ? ReadFloats(header.State1Count, Read) : null;
        var stored = new byte[HashLength];
        file.ReadExactly(stored);
        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(stored)) throw new CheckpointFormatException($"{name}: checkpoint checksum mismatch (the file is corrupted)");
        if (parameters.Length != new ParameterLayout(header.Model).Count)
            throw new CheckpointFormatException($"{name}: the checkpoint holds {parameters.Length} parameters, its model needs {new ParameterLayout(header.Model).Count}");
        return new TrainingState
        {
            Model = header.Model, Training = header.Training, Step = header.Step, Epoch = header.Epoch,
            Parameters = parameters, OptimizerState0 = state0, OptimizerState1 = state1,
            Beta1Power = header.Beta1Power, Beta2Power = header.Beta2Power,
        };
    }

    private static void WriteFloats(float[] values, WriteBytes write)
    {
        // Little-endian on every platform .NET runs the engine on; the bytes are the float bits.
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
        for (int i = 0; i < bytes.Length; i += 1 << 20) write(bytes.Slice(i, Math.Min(1 << 20, bytes.Length - i)));
    }

    private static float[] ReadFloats(long count, Func<int, byte[]> read)
    {
        var values = new float[count];
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan());
        for (int i = 0; i < bytes.Length; i += 1 << 20)
        {
            int n = Math.Min(1 << 20, bytes.Length - i);
            read(n).CopyTo(bytes.Slice(i, n));
        }
        return values;
    }

    private delegate void WriteBytes(ReadOnlySpan<byte> bytes);

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}

/// <summary>A checkpoint file is missing, corrupted, truncated or of another version (exit code 2).</summary>
public sealed class CheckpointFormatException(string message) : InputException(message);
