using IlgpuVae.Engine.Accelerators;

namespace IlgpuVae.Engine.Benchmarking;

/// <summary>
/// Every kernel of a training step of the paper's setup (784-500-20, Bernoulli decoder, analytic KL,
/// Adagrad, grey-level gather), then the Gaussian decoder's log-likelihood, Adam and the two kernels of
/// `eval`'s log p(x) estimate, as <see cref="KernelCase"/>s on one accelerator: the three matrix kernels at
/// each of the model's four layers, the others at the model's sizes, for each batch size. The inputs are
/// the engine's <see cref="GemmWorkload"/> and <see cref="ElementwiseWorkload"/>, which the BenchmarkDotNet
/// suites time too; they live as long as this object.
/// </summary>
internal sealed class StepKernelCases : IDisposable
{
    /// <summary>The kernels, in the order a training step runs them, then the Gaussian decoder's and `eval`'s.</summary>
    public static IReadOnlyList<string> KernelNames { get; } =
    [
        "GatherBatch", "LinearForward", "SampleLatent", "GaussianKl", "BernoulliLogLikelihood", "GaussianLogLikelihood", "ElboRows",
        "SumRows", "LatentBackward", "LinearBackwardData", "LinearBackwardWeights", "OptimizerUpdate", "ImportanceLogWeights", "LogMeanExp",
    ];

    private readonly List<IDisposable> _workloads = [];

    /// <summary>
    /// Builds the cases of <paramref name="kernels"/> (names from <see cref="KernelNames"/>) for each of
    /// <paramref name="batches"/> on <paramref name="accelerator"/>: batch by batch, and within a batch in the
    /// order <paramref name="kernels"/> names them; a matrix kernel at each layer of <see cref="PaperShapes.Layers"/>,
    /// the optimizer update once with Adagrad and once with Adam.
    /// </summary>
    public StepKernelCases(Accelerator accelerator, IReadOnlyList<int> batches, IReadOnlyList<string> kernels)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        foreach (string name in kernels)
            if (!KernelNames.Contains(name)) throw new ArgumentException($"unknown kernel {name}", nameof(kernels));
        var cases = new List<KernelCase>();
        try
        {
            foreach (int batch in batches)
            {
                var gemms = new Dictionary<(int, int), GemmWorkload>();
                ElementwiseWorkload? elementwise = null;
                foreach (string name in kernels)
                {
                    if (Enum.TryParse<GemmKernel>(name, out var gemm))
                    {
                        foreach (var (inputs, outputs) in PaperShapes.Layers)
                        {
                            if (!gemms.TryGetValue((inputs, outputs), out var work))
                            {
                                work = new GemmWorkload(accelerator, batch, inputs, outputs);
                                _workloads.Add(work);
                                gemms.Add((inputs, outputs), work);
                            }
                            cases.Add(new KernelCase(name, work.Shape, batch, work.Flops, null, () => work.Launch(gemm)));
                        }
                        continue;
                    }
                    if (elementwise is null)
                    {
                        elementwise = new ElementwiseWorkload(accelerator, batch);
                        _workloads.Add(elementwise);
                    }
                    var shared = elementwise;
                    foreach (var (kernel, shape) in Variants(name))
                        cases.Add(new KernelCase(name, shape, batch, null, shared.Bytes(kernel), () => shared.Launch(kernel)));
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        Cases = cases;
    }

    /// <summary>How many cases the constructor builds for these batch sizes and kernels.</summary>
    public static int Count(IReadOnlyList<int> batches, IReadOnlyList<string> kernels) =>
        batches.Count * kernels.Sum(k => Enum.TryParse<GemmKernel>(k, out _) ? PaperShapes.Layers.Count : Variants(k).Length);

    /// <summary>The cases, in the order described at the constructor.</summary>
    public IReadOnlyList<KernelCase> Cases { get; }

    /// <summary>The workload kernels that time a kernel of <see cref="KernelNames"/> other than the matrix kernels, with the shape each is shown with.</summary>
    private static (ElementwiseKernel Kernel, string Shape)[] Variants(string name)
    {
        string latent = $"latent {PaperShapes.Latent}", pixels = $"pixels {PaperShapes.Pixels}";
        return name switch
        {
            "GatherBatch" => [(ElementwiseKernel.GatherBatch, pixels)],
            "SampleLatent" => [(ElementwiseKernel.SampleLatent, latent)],
            "GaussianKl" => [(ElementwiseKernel.GaussianKl, latent)],
            "BernoulliLogLikelihood" => [(ElementwiseKernel.BernoulliLogLikelihood, pixels)],
            "GaussianLogLikelihood" => [(ElementwiseKernel.GaussianLogLikelihood, pixels)],
            "ElboRows" => [(ElementwiseKernel.ElboRows, "batch rows")],
            "SumRows" => [(ElementwiseKernel.SumRows, "batch rows")],
            "LatentBackward" => [(ElementwiseKernel.LatentBackward, latent)],
            "OptimizerUpdate" =>
            [
                (ElementwiseKernel.AdagradUpdate, $"adagrad, {PaperShapes.Parameters} params"),
                (ElementwiseKernel.AdamUpdate, $"adam, {PaperShapes.Parameters} params"),
            ],
            "ImportanceLogWeights" => [(ElementwiseKernel.ImportanceLogWeights, latent)],
            "LogMeanExp" => [(ElementwiseKernel.LogMeanExp, $"K {PaperShapes.ImportanceSamples}")],
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not an elementwise kernel"),
        };
    }

    /// <summary>Frees the workloads' buffers.</summary>
    public void Dispose()
    {
        foreach (var work in _workloads) work.Dispose();
        _workloads.Clear();
    }
}
