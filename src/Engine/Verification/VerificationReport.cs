namespace IlgpuVae.Engine.Verification;

/// <summary>The results of a verification run: one row per kernel check and per training check.</summary>
/// <param name="Reference">The reference accelerator's name (the CPU).</param>
/// <param name="Target">The checked accelerator's name.</param>
/// <param name="Results">Every check's result, in run order.</param>
internal sealed record VerificationReport(string Reference, string Target, IReadOnlyList<CheckResult> Results)
{
    /// <summary>Every check ran and every value compared is identical.</summary>
    public bool AllIdentical => Results.All(r => r.Identical);

    /// <summary>Values compared in all.</summary>
    public long ElementsCompared => Results.Sum(r => r.ElementsCompared);
}
