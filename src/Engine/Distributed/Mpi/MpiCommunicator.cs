namespace IlgpuVae.Engine.Distributed.Mpi;

/// <summary>
/// <see cref="ICommunicator"/> over MPI_COMM_WORLD of the MPI library found at run time
/// (<see cref="MpiLibrary"/>). Started once per process (<see cref="Start"/>) and finalized by
/// <see cref="Dispose"/>. MPI's default error handler is in force: a failed MPI call, or a rank that dies,
/// ends the whole job.
/// </summary>
internal sealed unsafe class MpiCommunicator : ICommunicator, IDisposable
{
    private readonly MpiLibrary _mpi;
    private bool _finalized;

    private MpiCommunicator(MpiLibrary mpi, int rank, int size)
    {
        _mpi = mpi;
        Rank = rank;
        Size = size;
    }

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int Size { get; }

    /// <summary>The library in use, and its own description of itself.</summary>
    public string Library => $"{_mpi.Name} ({_mpi.Version()})";

    /// <summary>
    /// Loads the library and initializes MPI, then checks that the library sees the processes the launcher
    /// started: a program bound to one MPI but started by another's launcher initializes as N unrelated
    /// processes of one rank each, which must not train N copies of the run.
    /// </summary>
    /// <exception cref="MpiUnavailableException">No library, or a launcher that does not match it.</exception>
    public static MpiCommunicator Start(MpiLaunch launch, Func<string, string?> environment)
    {
        var mpi = MpiLibrary.Load(environment);
        int provided, rank, size;
        Check(mpi.InitThread(null, null, MpiLibrary.ThreadFunneled, &provided), "MPI_Init_thread");
        Check(mpi.CommRank(mpi.CommWorld, &rank), "MPI_Comm_rank");
        Check(mpi.CommSize(mpi.CommWorld, &size), "MPI_Comm_size");
        var communicator = new MpiCommunicator(mpi, rank, size);
        if (launch.Size is int expected && expected != size)
        {
            communicator.Dispose();
            throw new MpiUnavailableException(
                $"{launch.Launcher} started {expected} processes, but {mpi.Name} sees {size}: the launcher belongs to another MPI " +
                $"(on Debian, `mpiexec` is Open MPI's when both are installed); start the program with the launcher of {mpi.Name} " +
                $"(mpiexec.mpich for MPICH, mpirun.openmpi for Open MPI), or name the launcher's library with {MpiLibrary.LibraryVariable}");
        }
        return communicator;
    }

    /// <inheritdoc />
    public void AllToAll(ReadOnlySpan<float> send, int[] sendCounts, Span<float> receive, int[] receiveCounts)
    {
        var sendAt = Displacements(sendCounts, send.Length, nameof(send));
        var receiveAt = Displacements(receiveCounts, receive.Length, nameof(receive));
        fixed (float* s = send) fixed (float* r = receive) fixed (int* sc = sendCounts) fixed (int* sd = sendAt)
        fixed (int* rc = receiveCounts) fixed (int* rd = receiveAt)
            Check(_mpi.Alltoallv(s, sc, sd, _mpi.Float, r, rc, rd, _mpi.Float, _mpi.CommWorld), "MPI_Alltoallv");
    }

    /// <inheritdoc />
    public void AllGather(ReadOnlySpan<float> send, Span<float> receive, int[] counts)
    {
        if (send.Length != counts[Rank]) throw new ArgumentException($"{send.Length} floats to send, the counts say {counts[Rank]}", nameof(send));
        var at = Displacements(counts, receive.Length, nameof(receive));
        fixed (float* s = send) fixed (float* r = receive) fixed (int* c = counts) fixed (int* d = at)
            Check(_mpi.Allgatherv(s, send.Length, _mpi.Float, r, c, d, _mpi.Float, _mpi.CommWorld), "MPI_Allgatherv");
    }

    /// <inheritdoc />
    public void AllGather(ReadOnlySpan<byte> send, Span<byte> receive)
    {
        if ((long)send.Length * Size != receive.Length) throw new ArgumentException($"{receive.Length} bytes for {Size} × {send.Length}", nameof(receive));
        fixed (byte* s = send) fixed (byte* r = receive)
            Check(_mpi.Allgather(s, send.Length, _mpi.Byte, r, send.Length, _mpi.Byte, _mpi.CommWorld), "MPI_Allgather");
    }

    /// <inheritdoc />
    public void Broadcast(Span<byte> buffer, int root)
    {
        fixed (byte* b = buffer)
            Check(_mpi.Bcast(b, buffer.Length, _mpi.Byte, root, _mpi.CommWorld), "MPI_Bcast");
    }

    /// <inheritdoc />
    public void Barrier() => Check(_mpi.Barrier(_mpi.CommWorld), "MPI_Barrier");

    /// <inheritdoc />
    public void Abort(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        _mpi.Abort(_mpi.CommWorld, exitCode);
        // MPI_Abort does not return where the job can be ended; where it cannot, this process at least ends.
        Environment.Exit(exitCode);
    }

    /// <summary>MPI_Finalize (once).</summary>
    public void Dispose()
    {
        if (_finalized) return;
        _finalized = true;
        _mpi.Finalize();
    }

    private static int[] Displacements(int[] counts, int length, string name)
    {
        var at = new int[counts.Length];
        long sum = 0;
        for (int q = 0; q < counts.Length; q++)
        {
            at[q] = checked((int)sum);
            sum += counts[q];
        }
        if (sum != length) throw new ArgumentException($"the counts add up to {sum}, the buffer holds {length}", name);
        return at;
    }

    private static void Check(int code, string call)
    {
        // With MPI's default handler (errors are fatal) a failing call ends the job before it returns.
        if (code != 0) throw new MpiUnavailableException($"{call} failed with MPI error {code}");
    }
}
