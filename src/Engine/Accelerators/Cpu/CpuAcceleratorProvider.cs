namespace IlgpuVae.Engine.Accelerators.Cpu;

/// <summary>The CPU backend: always present, one device.</summary>
internal sealed class CpuAcceleratorProvider : IAcceleratorProvider
{
    public AcceleratorKind Kind => AcceleratorKind.Cpu;

    public IReadOnlyList<AcceleratorInfo> Probe() =>
    [
        new AcceleratorInfo(AcceleratorKind.Cpu, 0, $"CPU ({Environment.ProcessorCount} cores)", true,
            new Dictionary<string, string>
            {
                ["threads"] = Environment.ProcessorCount.ToString(),
                ["simd"] = CpuAccelerator.SimdDescription,
                ["fma"] = System.Runtime.Intrinsics.X86.Fma.IsSupported ? "yes" : "software",
            }, null),
    ];

    public Accelerator Create(int index, AcceleratorOptions options)
    {
        if (index != 0) throw new AcceleratorUnavailableException($"the CPU accelerator has one device (0), not {index}");
        return new CpuAccelerator(options.CpuThreads);
    }
}
