using IlgpuVae.Tests.CommandLine;
using IlgpuVae.Tests.Data;
using NUnit.Framework;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// What the command-line reliability tests share: a fresh temporary folder per test holding 200 synthetic
/// 4×4 training and 40 test images (<see cref="Data"/>), and `train` on them with a 16-8-2 model, batch 20
/// (10 steps per epoch), in process on the CPU: each run takes milliseconds.
/// </summary>
public abstract class TinyRunFixture
{
    /// <summary>The test's folder, deleted after it.</summary>
    protected string Dir { get; private set; } = "";

    /// <summary>The data folder.</summary>
    protected string Data { get; private set; } = "";

    [SetUp]
    public void CreateFolder()
    {
        Dir = TinyTraining.NewFolder();
        Data = SyntheticIdx.WriteDataset(Path.Combine(Dir, "data"), 200, 40, 4, 4, labels: false);
    }

    [TearDown]
    public void RemoveFolder() => Directory.Delete(Dir, recursive: true);

    /// <summary>The exit code, stdout and stderr of `ilgpuvae <paramref name="args"/>`, in process.</summary>
    protected static (int Code, string Out, string Err) Cli(params string[] args) => CliRun.Run(args);

    /// <summary>`train` on <see cref="Data"/> into <paramref name="run"/>, with <paramref name="extra"/> options.</summary>
    protected (int Code, string Out, string Err) Train(string run, params string[] extra) =>
        Cli([.. new[] { "train", "--data", Data, "--hidden", "8", "--latent", "2", "--batch-size", "20", "--accelerator", "cpu", "--out", run }, .. extra]);
}
