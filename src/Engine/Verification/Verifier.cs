using IlgpuVae.Engine.Accelerators;

namespace IlgpuVae.Engine.Verification;

/// <summary>
/// Runs the bit-level cross-checks of one accelerator against a reference (the CPU accelerator):
/// every <see cref="KernelChecks"/> entry, then the <see cref="TrainingCheck"/>s. Used by
/// `ilgpuvae verify` and by the tests.
/// </summary>
internal sealed class Verifier
{
    /// <summary>Checks <paramref name="target"/> against <paramref name="reference"/>.</summary>
    public Verifier(Accelerator reference, Accelerator target)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(target);
        Reference = reference;
        Target = target;
    }

    /// <summary>The accelerator whose results count as right.</summary>
    public Accelerator Reference { get; }

    /// <summary>The accelerator being checked.</summary>
    public Accelerator Target { get; }

    /// <summary>One kernel check. A check that throws is reported as an error, not rethrown.</summary>
    public CheckResult Check(KernelCheck check) => Guard(check.Name, () => check.Compare(Reference, Target));

    /// <summary>One training check. A check that throws is reported as an error, not rethrown.</summary>
    public CheckResult Check(TrainingCheck check) => Guard(check.Name, () => check.Compare(Reference, Target));

    /// <summary>How many results <see cref="Run"/> gives.</summary>
    public static int CheckCount(bool includeTraining = true) => KernelChecks.All.Count + (includeTraining ? TrainingCheck.All.Count : 0);

    /// <summary>
    /// Every kernel check, then (when <paramref name="includeTraining"/>) every training check;
    /// <paramref name="onResult"/> sees each result as soon as it is known.
    /// </summary>
    public VerificationReport Run(bool includeTraining = true, Action<CheckResult>? onResult = null)
    {
        var results = new List<CheckResult>();
        foreach (var check in KernelChecks.All) Add(Check(check));
        if (includeTraining)
            foreach (var check in TrainingCheck.All) Add(Check(check));
        return new VerificationReport(Reference.Name, Target.Name, results);

        void Add(CheckResult result)
        {
            results.Add(result);
            onResult?.Invoke(result);
        }
    }

    private static CheckResult Guard(string name, Func<CheckResult> run)
    {
        try
        {
            return run();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new CheckResult(name, 0, 0, 0, null, $"{e.GetType().Name}: {e.Message}");
        }
    }
}
