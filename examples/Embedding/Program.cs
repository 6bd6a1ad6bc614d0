using System.Globalization;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;

namespace IlgpuVae.Examples.Embedding;

/// <summary>
/// Embeds the IlgpuVae engine in a program: picks an accelerator, trains a small VAE with a callback per
/// epoch (saving a checkpoint each time) and Ctrl+C as cancellation, reloads the checkpoint, evaluates
/// it, encodes a few test images, reconstructs them and samples from the prior.
/// <code>
/// dotnet run --project examples/Embedding -- [--data mnist|fashion-mnist|DIR] [--epochs N]
///     [--accelerator auto|cpu|opencl|cuda] [--device N] [--out DIR]
/// </code>
/// Without --data it trains on synthetic 8×8 shapes, which takes about a second on a CPU.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        string? dataSpec = null, outDir = null, acceleratorName = "auto";
        int epochs = 4;
        int? device = null, trainLimit = null;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
                int NextInt() => int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture);
                switch (args[i])
                {
                    case "--data": dataSpec = Next(); break;
                    case "--epochs": epochs = NextInt(); break;
                    case "--accelerator": acceleratorName = Next(); break;
                    case "--device": device = NextInt(); break;
                    case "--train-limit": trainLimit = NextInt(); break;
                    case "--out": outDir = Next(); break;
                    default: throw new FormatException($"unknown argument '{args[i]}'");
                }
            }
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"embedding example: {e.Message}");
            return 2;
        }

        // Ctrl+C asks the trainer to stop between two steps instead of killing the process.
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        try
        {
            return Run(dataSpec, epochs, acceleratorName!, device, trainLimit, outDir, cancel.Token);
        }
        catch (InputException e)
        {
            Console.Error.WriteLine($"embedding example: {e.Message}");
            return 2;
        }
        catch (AcceleratorUnavailableException e)
        {
            Console.Error.WriteLine($"embedding example: {e.Message}");
            return 4;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("embedding example: interrupted");
            return 130;
        }
    }

    private static int Run(string? dataSpec, int epochs, string acceleratorName, int? device, int? trainLimit, string? outDir,
        CancellationToken cancellation)
    {
        using var accelerator = AcceleratorFactory.Create(AcceleratorFactory.ParseKind(acceleratorName), device);
        Console.WriteLine($"accelerator: {accelerator.Name}");

        Dataset data = dataSpec is null
            ? SyntheticPatterns.Create(train: 400, test: 100)
            : DataSources.Load(dataSpec, new DataOptions { Log = Console.Error.WriteLine }).WithTrainLimit(trainLimit);
        Console.WriteLine($"data: {data.Name}, {data.Train.Count} training and {data.Test.Count} test images of {data.Train.Rows}x{data.Train.Columns}");

        var modelConfig = new ModelConfig { InputSize = data.Train.PixelsPerImage, HiddenSizes = [64], LatentSize = 4, InitScale = 0.1f };
        var trainingConfig = new TrainingConfig { Optimizer = OptimizerKind.Adagrad, LearningRate = 0.1f, BatchSize = 20, Epochs = epochs, Seed = 3 };

        string folder = outDir ?? Path.Combine(Path.GetTempPath(), $"ilgpuvae-embedding-{Environment.ProcessId}");
        string checkpoint = Path.Combine(folder, "model.ckpt");
        double? lastTestElbo = null;
        using (var trainer = new Trainer(accelerator, modelConfig, trainingConfig, data))
        {
            Console.WriteLine($"model: {modelConfig.Describe()}, {trainer.ParameterCount} parameters, {trainer.StepsPerEpoch} steps per epoch");
            trainer.Train(new TrainingCallbacks
            {
                OnEpoch = m =>
                {
                    Console.WriteLine(Invariant($"epoch {m.Epoch}: train ELBO {m.TrainElbo:F3}, test ELBO {m.TestElbo:F3} ({m.Seconds:F2} s)"));
                    trainer.SaveCheckpoint(checkpoint); // epoch boundaries are where a run can be continued exactly
                    lastTestElbo = m.TestElbo;
                },
            }, cancellation);
        }
        Console.WriteLine($"checkpoint: {checkpoint}");

        // A fresh model from the file, as another program (or a later job) would load it.
        using var model = VaeModel.Load(accelerator, checkpoint);
        double testElbo = model.MeanElbo(data.Test, trainingConfig.Seed, trainingConfig.Binarization);
        Console.WriteLine(Invariant($"reloaded model: test ELBO {testElbo:F3}, as in training: {(testElbo == lastTestElbo ? "yes" : "NO")}"));

        var firstImages = data.Test.Take(4);
        LatentCodes codes = model.Encode(firstImages);
        float[] reconstructions = model.Decode(codes.Mean);
        int pixels = modelConfig.InputSize;
        for (int i = 0; i < codes.Count; i++)
        {
            double error = 0;
            for (int p = 0; p < pixels; p++) error += Math.Abs(reconstructions[i * pixels + p] - firstImages.Pixels[i * pixels + p] / 255.0);
            Console.WriteLine(Invariant($"image {i}: mu = [{Join(codes.MeanOf(i))}], log sigma^2 = [{Join(codes.LogVarianceOf(i))}], reconstruction error {error / pixels:F3} per pixel"));
        }

        float[] samples = model.Sample(2, seed: 7);
        Console.WriteLine($"sample 0 from the prior ({data.Train.Rows}x{data.Train.Columns}, '#' where p > 0.5):");
        for (int row = 0; row < data.Train.Rows; row++)
        {
            var line = new char[data.Train.Columns];
            for (int column = 0; column < line.Length; column++) line[column] = samples[row * data.Train.Columns + column] > 0.5f ? '#' : '.';
            Console.WriteLine("  " + new string(line));
        }
        if (outDir is null) Directory.Delete(folder, recursive: true); // the checkpoint was only for the demonstration
        Console.WriteLine("done");
        return 0;
    }

    private static string Join(ReadOnlySpan<float> values)
    {
        var parts = new string[values.Length];
        for (int i = 0; i < values.Length; i++) parts[i] = values[i].ToString("F3", CultureInfo.InvariantCulture);
        return string.Join(", ", parts);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
