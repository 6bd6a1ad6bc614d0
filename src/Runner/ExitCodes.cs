namespace IlgpuVae.Runner;

/// <summary>The process exit codes of `ilgpuvae` (also listed in the README).</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Success = 0;
    /// <summary>An unexpected internal error (a bug: please report it with the message).</summary>
    public const int InternalError = 1;
    /// <summary>Bad input: an unknown option, an impossible value, a missing or malformed file.</summary>
    public const int BadInput = 2;
    /// <summary>Training diverged: a NaN or infinity in the loss, a gradient or a parameter; the message names the step and the tensor, and the last good checkpoint is kept.</summary>
    public const int Diverged = 3;
    /// <summary>The requested accelerator is not available or failed (no device, out of memory, a failed compile).</summary>
    public const int AcceleratorFailure = 4;
    /// <summary>`ilgpuvae verify`: the accelerator's results differ from the CPU's (or a check could not run); the table says where.</summary>
    public const int VerifyMismatch = 5;
    /// <summary>A file could not be written or read because of the storage: the disk is full, a quota is exceeded, a file is too large for the file system, or the device failed. Nothing saved before is lost; free space (or fix the disk) and run again (`train --resume` continues a run).</summary>
    public const int StorageFailure = 6;
    /// <summary>An MPI job that cannot train as one: an MPI launcher but no MPI library, a launcher of another MPI than the library (N unrelated processes), srun without an MPI process manager, or ranks whose parameters differ from rank 0's.</summary>
    public const int MpiFailure = 7;
    /// <summary>Interrupted by SIGINT/SIGTERM: the current step finished and a checkpoint was saved (a second signal exits at once with this code, without saving); before training has started, and in other commands, the first signal exits at once.</summary>
    public const int Interrupted = 130;
}
