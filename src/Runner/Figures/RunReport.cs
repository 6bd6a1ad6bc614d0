using System.Globalization;
using System.Net;
using System.Text;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;

namespace IlgpuVae.Runner.Figures;

/// <summary>
/// report.html of a run folder: one self-contained page (inline style, every figure a base64 data URI —
/// charts as SVG, image grids as PNG — no script, nothing fetched) with the learning curve, samples from
/// the prior, test images above their reconstructions, and for a 2-D latent space the learned manifold
/// and the test set's latent means by label; then the metrics table and the configuration. The figures
/// are also written to figures/ beside it.
/// </summary>
internal static class RunReport
{
    public const string FileName = "report.html";
    public const string FiguresFolder = "figures";

    /// <summary>Writes the report of the run in <paramref name="runFolder"/> for the model in <paramref name="state"/>; returns its path.</summary>
    public static string Write(string runFolder, TrainingState state, Dataset data, Accelerator accelerator, IEnumerable<string>? notes = null)
    {
        var figures = new List<ReportFigure>();
        try
        {
            var points = File.Exists(Path.Combine(runFolder, RunFolder.MetricsFile)) || File.Exists(Path.Combine(runFolder, LearningCurve.CurveFile))
                ? LearningCurve.Read(runFolder) : [];
            if (points.Count > 0)
                figures.Add(new("Learning curve", "curve",
                    "Test ELBO (dots) and train ELBO (lighter, open circles: the mean of the minibatch estimates) per datapoint against training samples evaluated, log axis (the form of the paper's Figure 2).",
                    LearningCurveChart.Draw($"{data.Name}, {state.Model.Describe()}", [($"Nz = {state.Model.LatentSize}", points)])));
            var inputs = ModelFigures.PictureInputs(state.Training.Binarization);
            var shape = (data.Test.Rows, data.Test.Columns);
            using (var model = new VaeModel(accelerator, state.Model, state.Parameters))
            {
                figures.Add(new("Samples from the prior", "samples",
                    "Decoder means E[x|z] at 100 points z drawn from N(0, I).", ModelFigures.Samples(model, 100, state.Training.Seed, shape: shape)));
                figures.Add(new("Reconstructions", "reconstructions",
                    "Test images (odd rows) above the decoder means at their encoder means (even rows).",
                    ModelFigures.Reconstructions(model, data.Test, 50, inputs)));
                if (state.Model.LatentSize == 2)
                {
                    figures.Add(new("Learned manifold", "manifold",
                        "Decoder means over a 20 × 20 grid of z = Φ⁻¹(u) for u on a regular grid of the unit square (the paper's Figure 4); z₁ to the right, z₂ up.",
                        ModelFigures.Manifold(model, 20, shape: shape)));
                    figures.Add(new("Latent space", "latent",
                        "Encoder means μ(x) of the test set, coloured by label.",
                        ModelFigures.LatentScatter(model, data.Test, data.TestLabels, data.Name, inputs)));
                }
            }

            string folder = Path.Combine(runFolder, FiguresFolder);
            Directory.CreateDirectory(folder);
            foreach (var f in figures) File.WriteAllBytes(Path.Combine(folder, f.FileName), f.Bytes);

            string html = Html(runFolder, state, data, accelerator, points, figures, notes ?? []);
            string target = Path.Combine(runFolder, FileName);
            File.WriteAllText(target + ".tmp", html, new UTF8Encoding(false));
            File.Move(target + ".tmp", target, overwrite: true);
            return target;
        }
        finally
        {
            foreach (var f in figures) f.Figure.Dispose();
        }
    }

    /// <summary>
    /// One figure of the report: charts as SVG (sharp at any zoom), image grids as PNG (their pixels are
    /// the data). Encoded once, for both the file in figures/ and the data URI in the page.
    /// </summary>
    private sealed class ReportFigure(string title, string name, string caption, IFigure figure)
    {
        public string Title { get; } = title;
        public string Caption { get; } = caption;
        public IFigure Figure { get; } = figure;
        public string FileName { get; } = name + (figure is Chart ? ".svg" : ".png");
        public string MediaType => Figure is Chart ? "image/svg+xml" : "image/png";
        public byte[] Bytes => _bytes ??= Figure is Chart chart ? new UTF8Encoding(false).GetBytes(chart.ToSvg()) : Figure.ToPng();
        private byte[]? _bytes;
    }

    /// <summary>
    /// <see cref="Write"/> for the end of `train`: the run itself is already saved, so a report that cannot be
    /// written (a full disk, a folder that went away, a model the pictures do not fit) is a warning, not a failure.
    /// </summary>
    public static void WriteOrWarn(string runFolder, TrainingState state, Dataset data, Accelerator accelerator, Action<string> log)
    {
        try
        {
            log($"wrote {Write(runFolder, state, data, accelerator)}");
        }
        // A native drawing library that cannot be loaded (SkiaSharp) fails as DllNotFoundException or in a type initializer.
        catch (Exception e) when (e is Engine.InputException or IOException or UnauthorizedAccessException or DllNotFoundException or TypeInitializationException)
        {
            log($"warning: no {FileName} ({e.Message})");
        }
    }

    private static string Html(string runFolder, TrainingState state, Dataset data, Accelerator accelerator, List<CurvePoint> points,
        List<ReportFigure> figures, IEnumerable<string> notes)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        string F(double v) => double.IsFinite(v) ? v.ToString("F3", CultureInfo.InvariantCulture) : "–";
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
        h.Append("<title>IlgpuVae run ").Append(E(Path.GetFileName(Path.GetFullPath(runFolder)))).Append("</title>\n");
        h.Append("<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}")
         .Append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}")
         .Append("figure{margin:1.5em 0}img{max-width:100%;image-rendering:pixelated;border:1px solid #ddd}")
         .Append("pre{background:#f6f6f6;padding:1em;overflow:auto}</style>\n</head><body>\n");
        h.Append("<h1>IlgpuVae run: ").Append(E(data.Name)).Append(", ").Append(E(state.Model.Describe())).Append("</h1>\n<ul>\n");
        var last = points.Count > 0 ? points[^1] : (CurvePoint?)null;
        h.Append("<li>run folder: <code>").Append(E(Path.GetFullPath(runFolder))).Append("</code></li>\n");
        h.Append("<li>epochs: ").Append(state.Epoch).Append(", optimizer steps: ").Append(state.Step)
         .Append(", training samples: ").Append((state.Step * state.Training.BatchSize).ToString("N0", CultureInfo.InvariantCulture)).Append("</li>\n");
        if (last is CurvePoint p)
            h.Append("<li>last train ELBO ").Append(F(p.TrainElbo)).Append(", test ELBO ").Append(F(p.TestElbo))
             .Append(" nats per datapoint; training time ").Append(p.Seconds.ToString("F1", CultureInfo.InvariantCulture)).Append(" s</li>\n");
        h.Append("<li>binarization: ").Append(E(state.Training.Binarization.ToString().ToLowerInvariant()))
         .Append("; figures drawn on ").Append(E(accelerator.Name)).Append("</li>\n");
        foreach (string note in notes) h.Append("<li>").Append(E(note)).Append("</li>\n");
        h.Append("</ul>\n");
        foreach (var f in figures)
        {
            h.Append("<figure><h2>").Append(E(f.Title)).Append("</h2>\n<img alt=\"").Append(E(f.Title)).Append("\" src=\"data:").Append(f.MediaType).Append(";base64,")
             .Append(Convert.ToBase64String(f.Bytes)).Append("\">\n<figcaption>").Append(E(f.Caption)).Append("</figcaption></figure>\n");
        }
        if (points.Count > 0)
        {
            h.Append("<h2>Metrics</h2>\n<table><tr><th>training samples</th><th>train ELBO</th><th>test ELBO</th><th>training seconds</th></tr>\n");
            foreach (var q in points)
                h.Append("<tr><td>").Append(q.Samples.ToString("N0", CultureInfo.InvariantCulture)).Append("</td><td>").Append(F(q.TrainElbo))
                 .Append("</td><td>").Append(F(q.TestElbo)).Append("</td><td>").Append(q.Seconds.ToString("F1", CultureInfo.InvariantCulture)).Append("</td></tr>\n");
            h.Append("</table>\n");
        }
        string config = Path.Combine(runFolder, RunFolder.ConfigFile);
        if (File.Exists(config)) h.Append("<h2>Configuration</h2>\n<pre>").Append(E(File.ReadAllText(config))).Append("</pre>\n");
        h.Append("</body></html>\n");
        return h.ToString();
    }
}
