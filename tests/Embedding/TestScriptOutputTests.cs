using NUnit.Framework;

namespace IlgpuVae.Tests.Embedding;

/// <summary>
/// ./test.sh's filter of the test host's output (scripts/group-skipped-tests.awk): every line passes
/// through except the skipped tests' two-line blocks, which come out at the end as one line per reason.
/// </summary>
[TestFixture]
public sealed class TestScriptOutputTests
{
    [Test]
    public void SkippedTestsAreGroupedByReasonAndEverythingElsePasses()
    {
        const string host = """
            Running all tests
            skipped ABufferIsRefused (24ms)
              OneTimeSetUp: needs a CUDA GPU: no driver
            skipped NewBuffersAreZero (1s 008ms)
              OneTimeSetUp: needs a CUDA GPU: no driver
            failed SomethingBroke (3ms)
              Expected: 1
              But was:  2
            skipped APeakIsShown (0ms)
              needs a CUDA GPU: no driver
            skipped PackMakesPackages (6ms)
              runs dotnet pack: set ILGPUVAE_CHECK_PACK=1
            skipped TimingOnAGpu (0ms)
              needs a CUDA GPU: no driver

            Test run summary: Failed!
              total: 7
              skipped: 5
            """;
        var r = ShellScripts.Run("awk", ["-f", RepositoryFiles.Resolve("scripts/group-skipped-tests.awk")], host + "\n");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
        Assert.That(r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
        {
            "Running all tests",
            "failed SomethingBroke (3ms)",
            "  Expected: 1",
            "  But was:  2",
            "Test run summary: Failed!",
            "  total: 7",
            "  skipped: 5",
            "skipped 4 tests (ABufferIsRefused, NewBuffersAreZero, APeakIsShown, …): needs a CUDA GPU: no driver",
            "skipped 1 test (PackMakesPackages): runs dotnet pack: set ILGPUVAE_CHECK_PACK=1",
        }));
    }
}
