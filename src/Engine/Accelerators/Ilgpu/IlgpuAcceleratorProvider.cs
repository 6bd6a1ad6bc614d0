namespace IlgpuVae.Engine.Accelerators.Ilgpu;

/// <summary>The accelerators ILGPU runs the device kernels on: one provider each for CUDA, OpenCL and ILGPU's CPU accelerator.</summary>
/// <param name="kind">The family this provider serves.</param>
internal sealed class IlgpuAcceleratorProvider(AcceleratorKind kind) : IAcceleratorProvider
{
    /// <inheritdoc />
    public AcceleratorKind Kind => kind;

    /// <inheritdoc />
    public IReadOnlyList<AcceleratorInfo> Probe() => IlgpuDevices.Of(kind);

    /// <inheritdoc />
    public Accelerator Create(int index, AcceleratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string family = IlgpuDevice.Describe(kind);
        var devices = Probe();
        if (devices.Count == 1 && !devices[0].Usable && devices[0].Name == family)
            throw new AcceleratorUnavailableException($"{family} is not available: {devices[0].Reason}");
        var device = devices.FirstOrDefault(d => d.Index == index)
            ?? throw new AcceleratorUnavailableException($"{family} device {index} does not exist ({devices.Count} found); see `ilgpuvae devices`");
        if (device.Reason is { } why) throw new AcceleratorUnavailableException($"{family} device {index} ({device.Name}) is not usable: {why}");
        return new IlgpuAccelerator(kind, index, options);
    }
}
