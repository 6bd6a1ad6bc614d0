using System.Globalization;

namespace IlgpuVae.Engine.Distributed.Mpi;

/// <summary>
/// How this process was started, read from the environment the launchers set: MPICH's Hydra and Slurm's
/// <c>srun --mpi=pmi2</c> set PMI_RANK and PMI_SIZE, Open MPI's mpirun OMPI_COMM_WORLD_RANK and _SIZE, PMIx
/// launchers (<c>srun --mpi=pmix</c>) PMIX_RANK, and srun always SLURM_PROCID and SLURM_STEP_NUM_TASKS.
/// Nothing of the kind: the program was started on its own, as one process.
/// </summary>
/// <param name="Launcher">What started the process, for messages.</param>
/// <param name="Size">The number of processes the launcher started, where it says.</param>
/// <param name="Rank">This process's rank as the launcher numbered it, where it says.</param>
/// <param name="HasProcessManager">
/// Whether the launcher offers MPI a process manager to join the others through; srun without <c>--mpi</c>
/// starts processes that cannot find each other.
/// </param>
internal sealed record MpiLaunch(string Launcher, int? Size, int? Rank, bool HasProcessManager)
{
    /// <summary>The launch this process's environment describes, or null when no launcher started it.</summary>
    public static MpiLaunch? Detect(Func<string, string?> environment)
    {
        int? Number(string name) =>
            int.TryParse(environment(name), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : null;
        bool slurm = environment("SLURM_STEP_ID") is not null && environment("SLURM_PROCID") is not null;
        if (environment("OMPI_COMM_WORLD_SIZE") is not null)
            return new("Open MPI's mpirun", Number("OMPI_COMM_WORLD_SIZE"), Number("OMPI_COMM_WORLD_RANK"), true);
        if (environment("PMI_SIZE") is not null || environment("PMI_RANK") is not null)
            return new(slurm ? "srun" : "mpiexec", Number("PMI_SIZE"), Number("PMI_RANK"), true);
        if (environment("PMIX_RANK") is not null)
            return new(slurm ? "srun" : "a PMIx launcher", slurm ? Number("SLURM_STEP_NUM_TASKS") : null, Number("PMIX_RANK"), true);
        if (slurm && Number("SLURM_STEP_NUM_TASKS") is > 1)
            return new("srun", Number("SLURM_STEP_NUM_TASKS"), Number("SLURM_PROCID"), false);
        return null;
    }

    /// <summary>Whether the launcher started more than one process (or does not say how many).</summary>
    public bool IsParallel => Size is not 1;

    /// <summary>Whether this process prints the messages every process would print alike (the launcher's rank 0, or an unnumbered one).</summary>
    public bool IsFirst => Rank is null or 0;
}
