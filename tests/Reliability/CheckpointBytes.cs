using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// Checkpoints as bytes, for tests that break them: small valid states, their file bytes, a reader over
/// bytes, and "reforging" — changing the header or body and recomputing the checksum, so a test reaches
/// the header checks behind the checksum the way a buggy or hostile writer would.
/// </summary>
internal static class CheckpointBytes
{
    /// <summary>A small, valid state (a 6-4-2 model, Adam, 3 steps into epoch 2) whose values derive from <paramref name="step"/>.</summary>
    public static TrainingState State(long step = 13, OptimizerKind optimizer = OptimizerKind.Adam)
    {
        var model = new ModelConfig { InputSize = 6, HiddenSizes = [4], LatentSize = 2 };
        var training = new TrainingConfig { Optimizer = optimizer, BatchSize = 5, Epochs = 4, Seed = 3 };
        int count = (int)new ParameterLayout(model).Count;
        float[] Fill(int salt) => Enumerable.Range(0, count).Select(i => (float)Math.Sin(i * 0.37 + salt + step)).ToArray();
        int inEpoch = (int)(step % 5);
        return new TrainingState
        {
            Model = model, Training = training, Step = step, Epoch = (int)(step / 5), StepInEpoch = inEpoch,
            EpochStepElbos = Enumerable.Range(0, inEpoch).Select(i => -30f - i).ToArray(),
            Parameters = Fill(0), OptimizerState0 = Fill(1),
            OptimizerState1 = optimizer.StateSlots() > 1 ? Fill(2).Select(Math.Abs).ToArray() : null,
            Beta1Power = 0.5f, Beta2Power = 0.99f,
        };
    }

    /// <summary>The file bytes of <paramref name="state"/>, as <see cref="CheckpointFile.Save"/> writes them.</summary>
    public static byte[] Of(TrainingState state)
    {
        string dir = Directory.CreateTempSubdirectory("ilgpuvae-ckpt-").FullName;
        try
        {
            string path = Path.Combine(dir, "model.ckpt");
            CheckpointFile.Save(path, state);
            return File.ReadAllBytes(path);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Reads checkpoint bytes.</summary>
    public static TrainingState Load(byte[] bytes) => CheckpointFile.Load(new MemoryStream(bytes, writable: false), "test.ckpt");

    /// <summary>Replaces the last 32 bytes with the SHA-256 of the rest (the bytes must be at least 32 long).</summary>
    public static byte[] Rehash(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        SHA256.HashData(copy.AsSpan(0, copy.Length - 32)).CopyTo(copy, copy.Length - 32);
        return copy;
    }

    /// <summary>The header JSON of checkpoint bytes.</summary>
    public static JsonObject Header(byte[] bytes)
    {
        int length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        return JsonNode.Parse(bytes.AsSpan(16, length))!.AsObject();
    }

    /// <summary>Checkpoint bytes with the header replaced by <paramref name="header"/> (same body) and a valid checksum.</summary>
    public static byte[] WithHeader(byte[] bytes, JsonObject header, uint? version = null)
    {
        int oldLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var result = new byte[bytes.Length - oldLength + json.Length];
        bytes.AsSpan(0, 16).CopyTo(result);
        if (version is uint v) BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(8), v);
        BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(12), json.Length);
        json.CopyTo(result, 16);
        bytes.AsSpan(16 + oldLength).CopyTo(result.AsSpan(16 + json.Length));
        return Rehash(result);
    }
}
