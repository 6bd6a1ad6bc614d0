using IlgpuVae.Tests.Data;
using NUnit.Framework;

namespace IlgpuVae.Tests.CommandLine;

/// <summary>
/// A temporary folder with an IDX data set of 240 training and 50 test images of 4×4 (with labels) and a
/// run trained on it by `ilgpuvae train` (16-8-2 by default, batch 20, CPU): what a command-line test
/// needs to evaluate, draw or report. Deleted on dispose.
/// </summary>
/// <param name="Dir">The temporary folder.</param>
/// <param name="Data">The data folder (for --data).</param>
/// <param name="Run">The run folder.</param>
internal sealed record TinyRunFolder(string Dir, string Data, string Run) : IDisposable
{
    /// <summary>Writes the data and trains <paramref name="epochs"/> epochs of a model with <paramref name="hidden"/> hidden units; <paramref name="train"/> runs the command (to see its output).</summary>
    public static TinyRunFolder Create(string hidden = "8", int epochs = 2, Func<string[], (int Code, string Out, string Err)>? train = null)
    {
        string dir = SyntheticIdx.NewTempDirectory();
        string data = SyntheticIdx.WriteDataset(Path.Combine(dir, "data"), 240, 50, 4, 4);
        string run = Path.Combine(dir, "run");
        var r = (train ?? CliRun.Run)(["train", "--data", data, "--hidden", hidden, "--latent", "2", "--batch-size", "20",
            "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--accelerator", "cpu", "--out", run]);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        return new TinyRunFolder(dir, data, run);
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
