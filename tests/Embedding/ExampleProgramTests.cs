using System.Text.RegularExpressions;
using IlgpuVae.Tests.Data;
using NUnit.Framework;

namespace IlgpuVae.Tests.Embedding;

/// <summary>
/// The example program (examples/Embedding), built with the tests, runs as a separate process and does
/// what it says: trains, saves and reloads a checkpoint that evaluates as in training, encodes images
/// and samples — on its synthetic data and on data given as a folder of IDX files.
/// </summary>
[TestFixture]
public sealed class ExampleProgramTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Test]
    public void TrainsOnSyntheticDataEncodesAndSamples()
    {
        string dir = SyntheticIdx.NewTempDirectory();
        try
        {
            var r = ChildProcess.Run("Embedding", ["--epochs", "3", "--accelerator", "cpu", "--out", dir], Timeout);
            Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
            Assert.That(r.Out, Does.Contain("epoch 3: train ELBO"), r.ToString());
            Assert.That(r.Out, Does.Contain("as in training: yes"), r.ToString());
            Assert.That(Regex.Matches(r.Out, @"^image \d: mu = \[", RegexOptions.Multiline), Has.Count.EqualTo(4), r.ToString());
            Assert.That(r.Out, Does.Contain("sample 0 from the prior"));
            Assert.That(r.Out.TrimEnd(), Does.EndWith("done"));
            Assert.That(File.Exists(Path.Combine(dir, "model.ckpt")));
            var elbo = Regex.Match(r.Out, @"epoch 3: train ELBO \S+, test ELBO (-?[\d.]+)");
            Assert.That(double.Parse(elbo.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(-25.0),
                "three epochs on the synthetic shapes learn them (an untrained model scores about −44)");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void TrainsOnAGivenFolderOfIdxFiles()
    {
        string dir = SyntheticIdx.NewTempDirectory();
        try
        {
            SyntheticIdx.WriteDataset(Path.Combine(dir, "data"), trainCount: 120, testCount: 30, rows: 6, columns: 5);
            var r = ChildProcess.Run("Embedding", ["--data", Path.Combine(dir, "data"), "--epochs", "1", "--accelerator", "cpu"], Timeout);
            Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
            Assert.That(r.Out, Does.Contain("120 training and 30 test images of 6x5"), r.ToString());
            Assert.That(r.Out, Does.Contain("as in training: yes"), r.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void BadArgumentsExitWithCode2()
    {
        var r = ChildProcess.Run("Embedding", ["--epochs", "many"], Timeout);
        Assert.That(r.ExitCode, Is.EqualTo(2), r.ToString());
        var missing = ChildProcess.Run("Embedding", ["--data", "/nonexistent/folder", "--accelerator", "cpu"], Timeout);
        Assert.That(missing.ExitCode, Is.EqualTo(2), missing.ToString());
        Assert.That(missing.Err, Does.Contain("/nonexistent/folder"));
    }
}
