using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Distributed;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Runner.Figures;
using IlgpuVae.Runner.Parallel;

namespace IlgpuVae.Runner.Experiments;

/// <summary>The settings of the latent-size sweep of the paper's Figure 2.</summary>
internal sealed record Fig2Settings
{
    public int[] Latents { get; init; } = [3, 5, 10, 20, 200];
    public long BudgetSamples { get; init; } = 600_000;
    public int PerDecade { get; init; } = 4;
    public int TrainEvalImages { get; init; } = 10_000;
    public ModelConfig Model { get; init; } = new();
    public TrainingConfig Training { get; init; } = new() { Binarization = Kernels.Binarization.Dynamic };
}

/// <summary>What one latent size reached.</summary>
internal sealed record Fig2Row(int Latent, long Samples, double TrainElbo, double TestElbo, double TrainSeconds, double WallSeconds, string Accelerator, string Folder);

/// <summary>
/// The paper's Figure 2 on this engine: one model per latent size Nz, each trained for the same budget of
/// training samples (rounded up to whole epochs), evaluated at log-spaced points along the way — the
/// test ELBO on the whole test set and the train ELBO on the first images of the training set (both with
/// the evaluation noise, so the two are comparable) — and drawn together on the paper's log axis.
/// Each Nz gets a normal run folder (config.json, metrics.jsonl, model.ckpt, report.html) plus curve.jsonl.
/// Under an MPI launcher the latent sizes are dealt out to the ranks (size i to rank i mod P), each rank trains
/// its own models, and rank 0 writes the table and the curves once all are done; the models are independent,
/// so each is the same bits as in one process.
/// </summary>
internal sealed class Fig2Experiment(Fig2Settings settings, Dataset data, Func<Accelerator> createAccelerator, Action<string> log,
    ICommunicator? ranks = null)
{
    /// <summary>The latent sizes this process trains: all of them, or in a job this rank's share.</summary>
    private IEnumerable<int> MyLatents =>
        settings.Latents.Where((_, i) => ranks is null || i % ranks.Size == ranks.Rank);

    /// <summary>Training steps of one latent size: whole epochs covering the sample budget.</summary>
    public long StepsPerLatent => (long)Epochs * (data.Train.Count / settings.Training.BatchSize);

    /// <summary>Training steps of the whole sweep in this process (for a progress display).</summary>
    public long TotalSteps => StepsPerLatent * MyLatents.Count();

    private int Epochs
    {
        get
        {
            int perEpoch = data.Train.Count / settings.Training.BatchSize * settings.Training.BatchSize;
            if (perEpoch == 0) throw new InputException($"the training set has fewer images than one minibatch of {settings.Training.BatchSize}");
            return (int)Math.Max(1, (settings.BudgetSamples + perEpoch - 1) / perEpoch);
        }
    }

    /// <summary>
    /// Runs every latent size in turn, writing into <paramref name="outFolder"/>; returns one row each.
    /// <paramref name="progress"/> hears the training steps done of <see cref="TotalSteps"/>.
    /// </summary>
    public List<Fig2Row> Run(string outFolder, ProgressReport? progress = null)
    {
        Directory.CreateDirectory(outFolder);
        var rows = new List<Fig2Row>();
        foreach (int latent in MyLatents)
        {
            long before = rows.Count * StepsPerLatent;
            rows.Add(RunOne(latent, Path.Combine(outFolder, $"nz-{latent}"), step => progress?.Invoke(before + step, $"Nz = {latent}")));
            if (ranks is null) WriteSummary(outFolder, rows);
        }
        if (ranks is null) return rows;
        // Every rank's rows to every rank, in the sweep's order; rank 0 draws them (from the folders all ranks share).
        var all = new List<Fig2Row>();
        for (int r = 0; r < ranks.Size; r++)
            all.AddRange(JsonSerializer.Deserialize<List<Fig2Row>>(RankMessage.From(ranks, r, r == ranks.Rank ? JsonSerializer.SerializeToUtf8Bytes(rows) : null))!);
        all = [.. all.OrderBy(row => Array.IndexOf(settings.Latents, row.Latent))];
        if (ranks.Rank == 0) WriteSummary(outFolder, all);
        return all;
    }

    private Fig2Row RunOne(int latent, string folderPath, Action<long> stepDone)
    {
        var wall = Stopwatch.StartNew();
        using var folder = RunFolder.CreateNew(folderPath, keepCheckpoints: 1, log);
        var model = settings.Model with { LatentSize = latent, InputSize = data.Train.PixelsPerImage };
        int epochs = Epochs;
        int perEpoch = data.Train.Count / settings.Training.BatchSize * settings.Training.BatchSize;
        var training = settings.Training with { Epochs = epochs };
        using var accelerator = createAccelerator();
        using var trainer = new Trainer(accelerator, model, training, data);
        folder.WriteConfig(new { model, training, data = data.Name, accelerator = accelerator.Name, experiment = "fig2", budget_samples = settings.BudgetSamples });
        var schedule = new Queue<long>(EvaluationSchedule.Steps((long)epochs * trainer.StepsPerEpoch, training.BatchSize, settings.PerDecade));
        var trainSubset = data.Train.Take(settings.TrainEvalImages);
        string curvePath = Path.Combine(folderPath, LearningCurve.CurveFile);
        var evalClock = new Stopwatch();
        double trainElbo = double.NaN, testElbo = double.NaN;
        log($"Nz = {latent}: {epochs} epochs ({(long)epochs * perEpoch:N0} samples), {schedule.Count} evaluation points, run folder {folderPath}");

        void Evaluate()
        {
            evalClock.Start();
            testElbo = trainer.EvaluateTestElbo();
            using (var snapshot = new VaeModel(accelerator, model, trainer.DownloadParameters()))
                trainElbo = snapshot.MeanElbo(trainSubset, training.Seed, training.Binarization, training.EvalBatchSize);
            evalClock.Stop();
            double trainSeconds = wall.Elapsed.TotalSeconds - evalClock.Elapsed.TotalSeconds;
            long samples = trainer.Step * training.BatchSize;
            File.AppendAllText(curvePath, JsonSerializer.Serialize(new
            {
                samples, step = trainer.Step, train_elbo = trainElbo, test_elbo = testElbo, seconds = Math.Round(trainSeconds, 3),
            }, EngineJson.Compact) + "\n");
            log(string.Create(CultureInfo.InvariantCulture, $"Nz = {latent}: {samples,10:N0} samples  train ELBO {trainElbo:F2}  test ELBO {testElbo:F2}  ({trainSeconds:F0} s training)"));
        }

        for (int e = 1; e <= epochs; e++)
        {
            var metrics = trainer.TrainEpoch(_ =>
            {
                if (schedule.Count > 0 && trainer.Step >= schedule.Peek())
                {
                    schedule.Dequeue();
                    Evaluate();
                }
                stepDone(trainer.Step);
            }, TimeSpan.Zero, evaluateTest: false);
            folder.AppendMetrics(metrics);
            folder.SaveCheckpoint(trainer.CaptureState());
        }
        double trainingSeconds = wall.Elapsed.TotalSeconds - evalClock.Elapsed.TotalSeconds;
        var state = trainer.CaptureState();
        RunReport.Write(folderPath, state, data, accelerator, [$"experiment fig2: Nz = {latent}, budget {settings.BudgetSamples:N0} training samples"]);
        return new Fig2Row(latent, trainer.Step * training.BatchSize, trainElbo, testElbo, trainingSeconds, wall.Elapsed.TotalSeconds, accelerator.Name, folderPath);
    }

    /// <summary>fig2.md (the table) and fig2.png and fig2.svg (all curves) in <paramref name="outFolder"/>.</summary>
    private void WriteSummary(string outFolder, List<Fig2Row> rows)
    {
        var md = new StringBuilder();
        md.Append(Table(rows, data.Name, settings.Training.Binarization.ToString().ToLowerInvariant()));
        File.WriteAllText(Path.Combine(outFolder, "fig2.md"), md.ToString());
        var curves = rows.Select(r => ($"Nz = {r.Latent}", LearningCurve.Read(r.Folder))).ToList();
        using var chart = LearningCurveChart.Draw($"{data.Name}: ELBO by latent size", curves);
        File.WriteAllBytes(Path.Combine(outFolder, "fig2.png"), chart.ToPng());
        File.WriteAllText(Path.Combine(outFolder, "fig2.svg"), chart.ToSvg(), new UTF8Encoding(false));
    }

    /// <summary>The results as a Markdown table.</summary>
    public static string Table(IEnumerable<Fig2Row> rows, string dataName, string binarization)
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"Latent-size sweep on {dataName} (binarization: {binarization})\n\n");
        md.Append("| Nz | training samples | train ELBO | test ELBO | training s | wall s | accelerator |\n|---|---|---|---|---|---|---|\n");
        foreach (var r in rows)
            md.Append(CultureInfo.InvariantCulture, $"| {r.Latent} | {r.Samples:N0} | {r.TrainElbo:F2} | {r.TestElbo:F2} | {r.TrainSeconds:F0} | {r.WallSeconds:F0} | {r.Accelerator} |\n");
        return md.ToString();
    }
}
