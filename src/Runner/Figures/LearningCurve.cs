using System.Text.Json;

namespace IlgpuVae.Runner.Figures;

/// <summary>One evaluation point of a learning curve: training samples seen, train and test ELBO, seconds of training so far.</summary>
/// <param name="Samples">Training datapoints processed when the point was taken.</param>
/// <param name="TrainElbo">Train ELBO per datapoint (nats), or NaN.</param>
/// <param name="TestElbo">Test ELBO per datapoint (nats), or NaN.</param>
/// <param name="Seconds">Training wall time up to this point (evaluations excluded), or NaN.</param>
internal readonly record struct CurvePoint(long Samples, double TrainElbo, double TestElbo, double Seconds);

/// <summary>
/// The learning curve of a run folder: the points of curve.jsonl (written by `experiment fig2`, which
/// also evaluates inside the first epochs) when there is one, otherwise one point per epoch from
/// metrics.jsonl (written by `train`). Lines that do not parse, or lack the sample count, are skipped,
/// so a curve can be read while its run is still writing.
/// </summary>
internal static class LearningCurve
{
    /// <summary>The file `experiment fig2` writes its evaluation points to.</summary>
    public const string CurveFile = "curve.jsonl";

    /// <summary>The points of the run in <paramref name="runFolder"/>, in file order.</summary>
    public static List<CurvePoint> Read(string runFolder)
    {
        string curve = Path.Combine(runFolder, CurveFile);
        string path = File.Exists(curve) ? curve : Path.Combine(runFolder, RunFolder.MetricsFile);
        if (!File.Exists(path)) throw new Engine.InputException($"{runFolder}: neither {CurveFile} nor {RunFolder.MetricsFile} is there");
        var points = new List<CurvePoint>();
        double seconds = 0;
        bool cumulative = path == curve;
        foreach (string line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("samples", out var s) || s.ValueKind != JsonValueKind.Number || !s.TryGetInt64(out long samples)) continue;
                double sec = Number(root, "seconds");
                // metrics.jsonl holds each epoch's own seconds; curve.jsonl the running total.
                if (!cumulative && double.IsFinite(sec)) { seconds += sec; sec = seconds; }
                points.Add(new CurvePoint(samples, Number(root, "train_elbo"), Number(root, "test_elbo"), sec));
            }
            catch (JsonException)
            {
                // A line being written, or foreign content: not a point.
            }
        }
        return points;
    }

    private static double Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;
}
