namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// The CUDA backend: lists every device the driver reports (with the reason for each one the engine
/// cannot use, or the single reason there are none: no driver, no GPU, no NVRTC) and creates
/// accelerators on them. Registered in <see cref="AcceleratorFactory"/>. Discovery
/// runs once per process.
/// </summary>
internal sealed class CudaAcceleratorProvider : IAcceleratorProvider
{
    private static readonly Lazy<(IReadOnlyList<CudaDevice> Devices, string? Reason)> Discovery =
        new(DiscoverSafely, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <inheritdoc />
    public AcceleratorKind Kind => AcceleratorKind.Cuda;

    /// <inheritdoc />
    public IReadOnlyList<AcceleratorInfo> Probe()
    {
        var (devices, reason) = Discovery.Value;
        if (reason is not null)
            return [new AcceleratorInfo(AcceleratorKind.Cuda, 0, "CUDA", false, new Dictionary<string, string>(), reason)];
        return devices.Select(d => d.ToInfo()).ToList();
    }

    /// <inheritdoc />
    public Accelerator Create(int index, AcceleratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (devices, reason) = Discovery.Value;
        if (reason is not null) throw new AcceleratorUnavailableException($"CUDA is not available: {reason}");
        var device = devices.FirstOrDefault(d => d.Index == index)
            ?? throw new AcceleratorUnavailableException($"CUDA device {index} does not exist ({devices.Count} found); see `ilgpuvae devices`");
        if (device.Reason is { } why) throw new AcceleratorUnavailableException($"CUDA device {index} ({device.Name}) is not usable: {why}");
        return new CudaAccelerator(device, options);
    }

    private static (IReadOnlyList<CudaDevice>, string?) DiscoverSafely()
    {
        try
        {
            return CudaDevice.Discover();
        }
        catch (Exception e) when (e is CudaException or AcceleratorUnavailableException)
        {
            // A driver that fails while being asked about its devices makes CUDA unusable, not the program.
            return ([], $"device discovery failed: {e.Message}");
        }
    }
}
