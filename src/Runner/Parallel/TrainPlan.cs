using System.Buffers.Binary;
using System.Text.Json;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Distributed;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;

namespace IlgpuVae.Runner.Parallel;

/// <summary>
/// What the other ranks of a data-parallel `train` need from rank 0, which alone reads the command line's
/// meaning against the run folder (a new run, or a resume with the run's own settings and checkpoint): the
/// configurations, the data to load, the checkpointing that paces the ranks' checks, and the state to start
/// from. The other ranks never touch the run folder, so it needs to be visible to rank 0 only.
/// </summary>
/// <param name="Model">The model (input size not yet set from the data).</param>
/// <param name="Training">The training settings in effect.</param>
/// <param name="Data">The --data value the run trains on.</param>
/// <param name="CheckpointEvery">--checkpoint-every.</param>
/// <param name="RollBack">--on-divergence rollback.</param>
/// <param name="State">The state to continue (null: a new model).</param>
internal sealed record TrainPlan(ModelConfig Model, TrainingConfig Training, string Data, int? CheckpointEvery, bool RollBack, TrainingState? State)
{
    private sealed record Header(ModelConfig Model, TrainingConfig Training, string Data, int? CheckpointEvery, bool RollBack);

    /// <summary>Rank 0 sends the plan (the others pass null); every rank returns it.</summary>
    public static TrainPlan Share(ICommunicator ranks, TrainPlan? plan)
    {
        byte[]? bytes = null;
        if (ranks.Rank == 0)
        {
            byte[] header = JsonSerializer.SerializeToUtf8Bytes(new Header(plan!.Model, plan.Training, plan.Data, plan.CheckpointEvery, plan.RollBack), EngineJson.Compact);
            byte[] state = plan.State is null ? [] : CheckpointFile.ToBytes(plan.State);
            bytes = new byte[4 + header.Length + state.Length];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, header.Length);
            header.CopyTo(bytes, 4);
            state.CopyTo(bytes, 4 + header.Length);
        }
        bytes = RankMessage.FromLeader(ranks, bytes);
        if (ranks.Rank == 0) return plan!;
        int length = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        var h = JsonSerializer.Deserialize<Header>(bytes.AsSpan(4, length), EngineJson.Compact)!;
        var rest = bytes.AsSpan(4 + length);
        var resume = rest.IsEmpty ? null : CheckpointFile.Load(new MemoryStream(rest.ToArray(), writable: false), "the state from rank 0");
        return new TrainPlan(h.Model, h.Training, h.Data, h.CheckpointEvery, h.RollBack, resume);
    }
}
