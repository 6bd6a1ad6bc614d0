using System.Text.Json;
using System.Text.RegularExpressions;
using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Verification;
using IlgpuVae.Runner;
using NUnit.Framework;
using static IlgpuVae.Tests.CommandLine.CliRun;

namespace IlgpuVae.Tests.Verification;

/// <summary>
/// `verify` against an accelerator made to differ (<see cref="NudgedAccelerator"/>: the CPU with its
/// Bernoulli kernel's gradient scale one ULP high): the checks that use that kernel, and only those, are
/// reported with their ULP distances, and the command exits with code 5 — in the table and in --json.
/// </summary>
[TestFixture]
public sealed class VerifyMismatchTests
{
    /// <summary>
    /// dLogits = s·(σ(l) − x) with s one ULP high: the exact products move by a relative 2⁻²³ at most, so
    /// the rounded ones by 1 or 2 ULP, and a zero (σ(l) = x, or the buffer's padding) not at all. The
    /// log-likelihoods do not involve s and stay identical.
    /// </summary>
    [Test]
    public void TheNudgedKernelDiffersByOneOrTwoUlpInItsGradientOnly()
    {
        using var cpu = new CpuAccelerator(1);
        using var nudged = new NudgedAccelerator();
        var result = new Verifier(cpu, nudged).Check(KernelChecks.Get("BernoulliLogLikelihood"));
        Assert.That(result.Identical, Is.False, result.Describe());
        Assert.That(result.MaxUlpDistance, Is.InRange(1, 2), result.Describe());
        Assert.That(result.FirstMismatch!.Output, Does.EndWith("/dLogits"), result.Describe());
        Assert.That(result.DifferentElements, Is.LessThan(result.ElementsCompared), "log-likelihoods and padding are untouched");
    }

    [Test]
    public void VerifyPrintsTheDifferingChecksWithTheirUlpDistanceAndExitsWith5()
    {
        var (code, output, error) = RunLogged(() => new NudgedAccelerator(), "verify");
        Assert.That(code, Is.EqualTo(ExitCodes.VerifyMismatch), output + error);
        var rows = Regex.Matches(output, @"^(\S+)\s+(\d+)\s+(.+)$", RegexOptions.Multiline).ToDictionary(m => m.Groups[1].Value, m => m.Groups[3].Value.Trim());
        int checks = KernelChecks.All.Count + TrainingCheck.All.Count;
        Assert.That(rows.Keys.Where(k => k != "check").ToList(), Has.Count.EqualTo(checks), output);
        Assert.That(rows["BernoulliLogLikelihood"], Does.Match(@"^max [12] ULP \(\d+ differ\)$"), output);
        Assert.That(rows["Training/bernoulli-adagrad"], Does.Match(@"^max \d+ ULP \(\d+ differ\)$"), "training with the nudged kernel drifts: " + output);
        var identical = rows.Where(r => r.Key is not ("check" or "BernoulliLogLikelihood" or "Training/bernoulli-adagrad")).ToList();
        Assert.That(identical.All(r => r.Value == "identical"), "every check that does not use the Bernoulli kernel is identical: " + output);
        Assert.That(output, Does.Contain($"2 of {checks} checks differ:"));
        Assert.That(output, Does.Match(@"BernoulliLogLikelihood: \d+ of \d+ elements differ, max [12] ULP; first at .*/dLogits\[\d+\]: reference .* \(0x[0-9a-f]{8}\), got .* \(0x[0-9a-f]{8}\), [12] ULP apart"));
        Assert.That(error, Does.Contain("verify: check").And.Contain("left"), "progress log lines");
    }

    [Test]
    public void VerifyJsonMarksTheDifferingCheckAndExitsWith5()
    {
        var (code, output, error) = RunLogged(() => new NudgedAccelerator(), "verify", "--json", "--skip-training");
        Assert.That(code, Is.EqualTo(ExitCodes.VerifyMismatch), error);
        var report = JsonDocument.Parse(output).RootElement;
        Assert.That(report.GetProperty("identical").GetBoolean(), Is.False);
        var differing = report.GetProperty("checks").EnumerateArray().Where(c => !c.GetProperty("identical").GetBoolean()).ToList();
        Assert.That(differing.Select(c => c.GetProperty("name").GetString()), Is.EqualTo(new[] { "BernoulliLogLikelihood" }));
        var check = differing[0];
        Assert.That(check.GetProperty("max_ulp_distance").GetInt64(), Is.InRange(1, 2));
        Assert.That(check.GetProperty("first_mismatch").GetProperty("ulp_distance").GetInt64(), Is.InRange(1, 2));
        Assert.That(check.GetProperty("first_mismatch").GetProperty("output").GetString(), Does.EndWith("/dLogits"));
    }
}
