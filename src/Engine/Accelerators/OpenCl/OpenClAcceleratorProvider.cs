namespace IlgpuVae.Engine.Accelerators.OpenCl;

/// <summary>
/// The OpenCL backend: lists every device of every platform (with the reason for each one exact mode
/// cannot use) and creates accelerators on them. Registered in <see cref="AcceleratorFactory"/>.
/// Discovery runs once per process.
/// </summary>
internal sealed class OpenClAcceleratorProvider : IAcceleratorProvider
{
    private static readonly Lazy<(IReadOnlyList<OpenClDevice> Devices, string? Reason)> Discovery =
        new(DiscoverSafely, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <inheritdoc />
    public AcceleratorKind Kind => AcceleratorKind.OpenCl;

    /// <inheritdoc />
    public IReadOnlyList<AcceleratorInfo> Probe()
    {
        var (devices, reason) = Discovery.Value;
        if (reason is not null)
            return [new AcceleratorInfo(AcceleratorKind.OpenCl, 0, "OpenCL", false, new Dictionary<string, string>(), reason)];
        return devices.Select(d => d.ToInfo()).ToList();
    }

    /// <inheritdoc />
    public Accelerator Create(int index, AcceleratorOptions options)
    {
        var (devices, reason) = Discovery.Value;
        if (reason is not null) throw new AcceleratorUnavailableException($"OpenCL is not available: {reason}");
        var device = devices.FirstOrDefault(d => d.Index == index)
            ?? throw new AcceleratorUnavailableException($"OpenCL device {index} does not exist ({devices.Count} found); see `ilgpuvae devices`");
        if (device.Reason is { } why) throw new AcceleratorUnavailableException($"OpenCL device {index} ({device.Name}) is not usable: {why}");
        return new OpenClAccelerator(device);
    }

    private static (IReadOnlyList<OpenClDevice>, string?) DiscoverSafely()
    {
        try
        {
            return OpenClDevice.Discover();
        }
        catch (Exception e) when (e is OpenClException or AcceleratorUnavailableException)
        {
            // A driver that fails while being asked about its devices makes OpenCL unusable, not the program.
            return ([], $"device discovery failed: {e.Message}");
        }
    }
}
