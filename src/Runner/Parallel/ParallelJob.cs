using System.Security.Cryptography;
using System.Text;
using IlgpuVae.Engine.Distributed;
using IlgpuVae.Engine.Distributed.Mpi;

namespace IlgpuVae.Runner.Parallel;

/// <summary>
/// The MPI job this process is one rank of, when an MPI launcher (mpiexec, mpirun, srun) started several
/// processes: its ranks, and where this rank stands on its node (to pick a GPU of its own and its share of the
/// cores). Empty (<see cref="Ranks"/> null) for a program started on its own, which is the single-process
/// program. Rank 0 is the job's voice: it writes the run folder and prints; the other ranks print only what
/// happens to them alone, each line naming the rank.
/// </summary>
internal sealed class ParallelJob : IDisposable
{
    private MpiCommunicator? _mpi;

    /// <summary>The ranks (null: this process runs on its own).</summary>
    public ICommunicator? Ranks { get; private set; }

    /// <summary>This rank's number among the ranks on its node (0 on its own).</summary>
    public int LocalRank { get; private set; }

    /// <summary>The ranks on this rank's node (1 on its own).</summary>
    public int LocalSize { get; private set; } = 1;

    /// <summary>Whether this process writes and prints for the job: rank 0, or a process on its own.</summary>
    public bool IsLeader => Ranks is null || Ranks.Rank == 0;

    /// <summary>"rank 2 of 4", for messages.</summary>
    public string Describe() => Ranks is { } r ? $"rank {r.Rank} of {r.Size}" : "one process";

    /// <summary>
    /// Joins the MPI job of <paramref name="launch"/> (loading the MPI library, initializing MPI, checking that
    /// the library sees the processes the launcher started) and finds this rank's place on its node.
    /// </summary>
    /// <exception cref="MpiUnavailableException">No MPI library, a launcher without a process manager, or one of another MPI.</exception>
    public void Join(MpiLaunch launch, Func<string, string?> environment)
    {
        if (!launch.HasProcessManager)
            throw new MpiUnavailableException($"{launch.Launcher} started {launch.Size} tasks without an MPI process manager, so they cannot train " +
                                              "together; start them with srun --mpi=pmi2 (MPICH) or srun --mpi=pmix (Open MPI), or use one task");
        _mpi = MpiCommunicator.Start(launch, environment);
        if (_mpi.Size == 1)
        {
            // mpiexec -n 1, or a launcher that does not say how many: one process, as if started on its own.
            _mpi.Dispose();
            _mpi = null;
            return;
        }
        Ranks = _mpi;
        // The ranks on this node: those whose host name is this one's (compared by digest, 32 bytes each).
        var mine = SHA256.HashData(Encoding.UTF8.GetBytes(Environment.MachineName));
        var all = new byte[mine.Length * _mpi.Size];
        _mpi.AllGather(mine, all);
        bool Local(int r) => all.AsSpan(r * mine.Length, mine.Length).SequenceEqual(mine);
        LocalRank = Enumerable.Range(0, _mpi.Rank).Count(Local);
        LocalSize = Enumerable.Range(0, _mpi.Size).Count(Local);
    }

    /// <summary>The MPI library in use, for the log ("libmpich.so.12 (MPICH Version: 4.0.2 …)").</summary>
    public string? Library => _mpi?.Library;

    /// <summary>
    /// Ends this rank's part of the job with <paramref name="exitCode"/>: after success or a clean stop (every rank
    /// stopped at the same step) all ranks meet and MPI is finalized; after a failure the whole job is aborted
    /// with the code, so no rank waits for ever on one that has failed. Returns the code (when not aborted).
    /// </summary>
    public int Finish(int exitCode)
    {
        if (_mpi is null) return exitCode;
        if (exitCode is ExitCodes.Success or ExitCodes.Interrupted)
        {
            _mpi.Barrier();
            _mpi.Dispose();
            return exitCode;
        }
        _mpi.Abort(exitCode);
        return exitCode;
    }

    /// <summary>Finalizes MPI if the job was not finished (an exception on the way out).</summary>
    public void Dispose() => _mpi?.Dispose();
}
