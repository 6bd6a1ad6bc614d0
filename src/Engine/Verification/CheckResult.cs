using System.Globalization;

namespace IlgpuVae.Engine.Verification;

/// <summary>The first element at which two accelerators disagree.</summary>
/// <param name="Output">The output (scenario/name) it belongs to.</param>
/// <param name="Index">Element index within that output (buffer padding included, see <see cref="KernelCheck"/>).</param>
/// <param name="Reference">The reference accelerator's value (the CPU's).</param>
/// <param name="Actual">The checked accelerator's value.</param>
/// <param name="ReferenceBits">The reference value's bits in hex.</param>
/// <param name="ActualBits">The checked value's bits in hex.</param>
/// <param name="UlpDistance">Representable values between the two (see <see cref="BitComparison.UlpDistance(float, float)"/>).</param>
internal sealed record Mismatch(string Output, long Index, double Reference, double Actual, string ReferenceBits, string ActualBits, long UlpDistance)
{
    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Output}[{Index}]: reference {Reference:R} (0x{ReferenceBits}), got {Actual:R} (0x{ActualBits}), {UlpDistance} ULP apart");
}

/// <summary>
/// The outcome of one check (a kernel, or a whole training run) on two accelerators.
/// </summary>
/// <param name="Name">The check, e.g. "LinearForward/tanh" or "Training/bernoulli-adagrad".</param>
/// <param name="ElementsCompared">Values compared in all.</param>
/// <param name="DifferentElements">Values whose bits differ.</param>
/// <param name="MaxUlpDistance">Largest distance among them, in units in the last place (0 when identical).</param>
/// <param name="FirstMismatch">The first differing value, or null.</param>
/// <param name="Error">The exception message when the check could not run, or null.</param>
internal sealed record CheckResult(string Name, long ElementsCompared, long DifferentElements, long MaxUlpDistance, Mismatch? FirstMismatch,
    string? Error = null)
{
    /// <summary>Every compared value has the same bits, and the check ran.</summary>
    public bool Identical => Error is null && DifferentElements == 0;

    /// <summary>The result column of `ilgpuvae verify`: "identical", "max N ULP (k differ)" or "error".</summary>
    public string Summary => Error is not null ? "error"
        : Identical ? "identical"
        : string.Create(CultureInfo.InvariantCulture, $"max {MaxUlpDistance} ULP ({DifferentElements} differ)");

    /// <summary>A full account: for a mismatch the kernel, the index, both values and the ULP distance.</summary>
    public string Describe() => Error is not null ? $"{Name}: could not run: {Error}"
        : Identical ? string.Create(CultureInfo.InvariantCulture, $"{Name}: {ElementsCompared} elements identical")
        : string.Create(CultureInfo.InvariantCulture,
            $"{Name}: {DifferentElements} of {ElementsCompared} elements differ, max {MaxUlpDistance} ULP; first at {FirstMismatch}");
}
