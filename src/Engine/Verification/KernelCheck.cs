using IlgpuVae.Engine.Accelerators;

namespace IlgpuVae.Engine.Verification;

/// <summary>
/// One kernel (or one variant of it, e.g. LinearForward with tanh) checked in several scenarios:
/// random inputs of awkward shapes plus edge cases. Each scenario builds its inputs from a fixed seed,
/// so both accelerators see the same bits.
/// </summary>
internal sealed class KernelCheck
{
    private readonly IReadOnlyList<(string Label, Action<CheckSession> Run)> _scenarios;

    internal KernelCheck(string name, string kernel, IReadOnlyList<(string Label, Action<CheckSession> Run)> scenarios)
    {
        Name = name;
        Kernel = kernel;
        _scenarios = scenarios;
    }

    /// <summary>The check's name, e.g. "LinearForward/tanh".</summary>
    public string Name { get; }

    /// <summary>The <see cref="IKernels"/> method it exercises.</summary>
    public string Kernel { get; }

    /// <summary>The scenario labels.</summary>
    public IEnumerable<string> Scenarios => _scenarios.Select(s => s.Label);

    /// <summary>Runs every scenario on <paramref name="accelerator"/> and returns the outputs in a fixed order.</summary>
    public IReadOnlyList<CheckOutput> Run(Accelerator accelerator)
    {
        var outputs = new List<CheckOutput>();
        foreach (var (label, run) in _scenarios)
        {
            using var session = new CheckSession(accelerator, label);
            run(session);
            outputs.AddRange(session.Results());
        }
        return outputs;
    }

    /// <summary>Runs the check on both accelerators and compares the outputs bit for bit.</summary>
    public CheckResult Compare(Accelerator reference, Accelerator actual) =>
        BitComparison.Compare(Name, Run(reference), Run(actual));

    /// <inheritdoc />
    public override string ToString() => Name;
}
