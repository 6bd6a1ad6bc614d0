namespace IlgpuVae.Engine.Accelerators;

/// <summary>One device as `ilgpuvae devices` lists it.</summary>
/// <param name="Kind">Accelerator family.</param>
/// <param name="Index">Device index within the family (what --device takes).</param>
/// <param name="Name">Device name.</param>
/// <param name="Usable">Whether the engine can run on it in exact mode.</param>
/// <param name="Details">Facts such as compute units, memory, driver versions.</param>
/// <param name="Reason">Why it is not usable (null when usable).</param>
public sealed record AcceleratorInfo(AcceleratorKind Kind, int Index, string Name, bool Usable,
    IReadOnlyDictionary<string, string> Details, string? Reason);

/// <summary>
/// A backend: finds its devices and creates accelerators on them. A backend whose native library is
/// missing reports that as a reason instead of failing.
/// </summary>
internal interface IAcceleratorProvider
{
    /// <summary>The family this provider serves.</summary>
    AcceleratorKind Kind { get; }

    /// <summary>The devices found, or one entry explaining why there are none.</summary>
    IReadOnlyList<AcceleratorInfo> Probe();

    /// <summary>Creates an accelerator on device <paramref name="index"/>; throws <see cref="AcceleratorUnavailableException"/> when it cannot.</summary>
    Accelerator Create(int index, AcceleratorOptions options);
}

/// <summary>Options every accelerator accepts.</summary>
/// <param name="CpuThreads">CPU accelerator thread count (null: one per core).</param>
/// <param name="CudaGraphs">
/// Whether the CUDA accelerator replays each training step as a CUDA graph (the default) or launches its
/// kernels one by one; the results are the same bits either way. Other accelerators ignore it.
/// </param>
public sealed record AcceleratorOptions(int? CpuThreads = null, bool CudaGraphs = true);

/// <summary>The requested accelerator cannot be used; the message says why and what to try (exit code 4).</summary>
public sealed class AcceleratorUnavailableException(string message) : Exception(message);

/// <summary>
/// An accelerator failed while running: a launch, copy or wait reported an error by the device or its
/// driver (exit code 4). Every accelerator gives the same bits, so another one (and a resume from the
/// last checkpoint) is a safe way on.
/// </summary>
public sealed class AcceleratorFailureException(string message, Exception? inner = null) : Exception(message, inner);
