using System.Diagnostics;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Evaluation;
using IlgpuVae.Engine.Model;
using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Training;

/// <summary>
/// Trains a VAE on one accelerator with minibatch SGVB. The dataset lives on the accelerator as bytes;
/// each step gathers its minibatch there, runs forward, backward and the optimizer update through
/// <see cref="IKernels"/>, and writes its minibatch ELBO into a per-epoch buffer that the host reads only
/// when it reports progress. Every random draw is keyed by (seed, stream, step), so the same seed and
/// configuration give bit-identical parameters on every accelerator and thread count.
/// </summary>
public sealed partial class Trainer : IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly VaeNetwork _network;
    private readonly DeviceBuffer<float> _parameters;
    private readonly DeviceBuffer<float> _gradients;
    private readonly Optimizer _optimizer;
    private readonly Workspace _workspace;
    private readonly Workspace _evalWorkspace;
    private readonly DeviceBuffer<byte> _trainImages;
    private readonly DeviceBuffer<byte> _testImages;
    private readonly DeviceBuffer<int> _order;
    private readonly DeviceBuffer<int> _identity;
    private readonly DeviceBuffer<float> _stepElbo;
    private readonly int _trainCount;
    private readonly int _testCount;
    private readonly float[] _stepElboHost;

    /// <summary>
    /// Prepares training of a new model (<paramref name="resume"/> null) or continues
    /// <paramref name="resume"/>. The dataset's image size must equal the model's input size.
    /// </summary>
    public Trainer(Accelerator accelerator, ModelConfig model, TrainingConfig training, Dataset data, TrainingState? resume = null)
    {
        model.Validate();
        training.Validate();
        if (data.Train.PixelsPerImage != model.InputSize)
            throw new InputException($"the data has {data.Train.PixelsPerImage} pixels per image but the model expects {model.InputSize}");
        var train = training.TrainLimit is int limit && limit < data.Train.Count ? data.Train.Take(limit) : data.Train;
        if (train.Count < training.BatchSize)
            throw new InputException($"the training set has {train.Count} images, fewer than one minibatch of {training.BatchSize}");
        Model = model;
        Training = training;
        _accelerator = accelerator;
        Layout = new ParameterLayout(model);
        _trainCount = train.Count;
        _testCount = data.Test.Count;
        StepsPerEpoch = _trainCount / training.BatchSize;

        _parameters = accelerator.Allocate<float>(Layout.Count);
        _gradients = accelerator.Allocate<float>(Layout.Count);
        _optimizer = new Optimizer(accelerator, training, Layout.Count);
        if (resume is null)
        {
            _parameters.Upload(ParameterInit.Create(model, training.Seed));
        }
        else
        {
            if (!resume.Model.Equals(model)) throw new InputException($"the checkpoint's model ({resume.Model.Describe()}) differs from the requested one ({model.Describe()})");
            if (resume.Parameters.Length != Layout.Count) throw new InputException($"the checkpoint has {resume.Parameters.Length} parameters, the model needs {Layout.Count}");
            _parameters.Upload(resume.Parameters);
            _optimizer.State0.Upload(resume.OptimizerState0);
            if (_optimizer.State1 is not null)
            {
                if (resume.OptimizerState1 is null) throw new InputException("the checkpoint lacks the second optimizer state this optimizer needs");
                _optimizer.State1.Upload(resume.OptimizerState1);
            }
            _optimizer.Beta1Power = resume.Beta1Power;
            _optimizer.Beta2Power = resume.Beta2Power;
            Step = resume.Step;
            Epoch = resume.Epoch;
        }
        _network = new VaeNetwork(accelerator, model, _parameters);
        _workspace = new Workspace(accelerator, model, Layout, training.BatchSize);
        _evalWorkspace = new Workspace(accelerator, model, Layout, Math.Min(training.EvalBatchSize, Math.Max(_testCount, 1)));
        _trainImages = accelerator.Upload<byte>(train.Pixels);
        _testImages = accelerator.Upload<byte>(data.Test.Pixels);
        _order = accelerator.Allocate<int>(_trainCount);
        int identityLength = Math.Max(_trainCount, _testCount);
        var identity = new int[identityLength];
        for (int i = 0; i < identity.Length; i++) identity[i] = i;
        _identity = accelerator.Upload<int>(identity);
        _stepElbo = accelerator.Allocate<float>(StepsPerEpoch);
        _stepElboHost = new float[StepsPerEpoch];
    }

    /// <summary>The architecture being trained.</summary>
    public ModelConfig Model { get; }
    /// <summary>The training settings.</summary>
    public TrainingConfig Training { get; }
    /// <summary>Where each tensor lives in the parameter vector.</summary>
    internal ParameterLayout Layout { get; }
    /// <summary>Optimizer steps done so far (all epochs).</summary>
    public long Step { get; private set; }
    /// <summary>Epochs completed.</summary>
    public int Epoch { get; private set; }
    /// <summary>Minibatches per epoch (the last partial minibatch of an epoch is dropped).</summary>
    public int StepsPerEpoch { get; }
    /// <summary>The accelerator in use.</summary>
    public Accelerator Accelerator => _accelerator;

    /// <summary>
    /// Runs one epoch, then evaluates the test ELBO when <paramref name="evaluateTest"/> is set.
    /// <paramref name="onProgress"/> is called about every <paramref name="progressInterval"/>.
    /// A non-finite ELBO stops training with <see cref="TrainingDivergedException"/>.
    /// </summary>
    public EpochMetrics TrainEpoch(Action<StepProgress>? onProgress = null, TimeSpan? progressInterval = null,
        bool evaluateTest = true, CancellationToken cancellation = default)
    {
        int epoch = Epoch + 1;
        var k = _accelerator.Kernels;
        int m = Training.BatchSize;
        _order.Upload(Shuffle.Permutation(_trainCount, Training.Seed, epoch));
        var clock = Stopwatch.StartNew();
        var interval = progressInterval ?? TimeSpan.FromSeconds(0.5);
        var nextReport = interval;
        float gradScale = _network.ReconstructionScale(m);
        for (int s = 0; s < StepsPerEpoch; s++)
        {
            cancellation.ThrowIfCancellationRequested();
            k.GatherBatch(_trainImages, _order, _workspace.Input, s * m, m, Model.InputSize, Training.Binarization,
                new RandomKey(Training.Seed, RandomStream.Binarize, (ulong)Step));
            _network.Forward(_workspace, m, 0, new RandomKey(Training.Seed, RandomStream.TrainNoise, (ulong)Step), gradScale);
            k.SumRows(_workspace.Elbo, _stepElbo.View(s, 1), m);
            _network.Backward(_workspace, m, _gradients);
            _optimizer.Update(k, _parameters, _gradients);
            Step++;
            if (onProgress is not null && (clock.Elapsed >= nextReport || s == StepsPerEpoch - 1))
            {
                nextReport = clock.Elapsed + interval;
                double running = MeanStepElbo(s + 1);
                CheckFinite(running, epoch);
                onProgress(new StepProgress(epoch, s + 1, StepsPerEpoch, running, (s + 1) * (double)m / clock.Elapsed.TotalSeconds));
            }
        }
        _accelerator.Synchronize();
        double seconds = clock.Elapsed.TotalSeconds;
        double trainElbo = MeanStepElbo(StepsPerEpoch);
        CheckFinite(trainElbo, epoch);
        Epoch = epoch;
        double? testElbo = null;
        var evalClock = Stopwatch.StartNew();
        if (evaluateTest && _testCount > 0) testElbo = EvaluateTestElbo();
        return new EpochMetrics(epoch, Step, Step * m, trainElbo, testElbo, seconds, evalClock.Elapsed.TotalSeconds, _accelerator.Name);
    }

    /// <summary>ELBO per datapoint on the test set, with the evaluation noise stream.</summary>
    public double EvaluateTestElbo() =>
        new Evaluator(_network, _evalWorkspace, Training.Seed, Training.Binarization).MeanElbo(_testImages, _identity, _testCount);

    /// <summary>ELBO per datapoint on the (limited) training set, with the evaluation noise stream.</summary>
    public double EvaluateTrainElbo() =>
        new Evaluator(_network, _evalWorkspace, Training.Seed, Training.Binarization).MeanElbo(_trainImages, _identity, _trainCount);

    /// <summary>A copy of everything needed to resume (reads the accelerator's buffers).</summary>
    public TrainingState CaptureState() => new()
    {
        Model = Model,
        Training = Training,
        Step = Step,
        Epoch = Epoch,
        Parameters = _parameters.ToArray(),
        OptimizerState0 = _optimizer.State0.ToArray(),
        OptimizerState1 = _optimizer.State1?.ToArray(),
        Beta1Power = _optimizer.Beta1Power,
        Beta2Power = _optimizer.Beta2Power,
    };

    /// <summary>The current parameters (reads the accelerator's buffer).</summary>
    public float[] DownloadParameters() => _parameters.ToArray();

    private double MeanStepElbo(int steps)
    {
        var values = _stepElboHost.AsSpan(0, steps);
        _stepElbo.Download(values);
        double total = 0;
        foreach (float v in values) total += v;
        return total / ((double)steps * Training.BatchSize);
    }

    private void CheckFinite(double elbo, int epoch)
    {
        if (!double.IsFinite(elbo))
            throw new TrainingDivergedException($"training diverged in epoch {epoch} (step ≤ {Step}): the minibatch ELBO is {elbo}; try a smaller --lr");
    }

    /// <summary>Frees every accelerator buffer of the trainer.</summary>
    public void Dispose()
    {
        _workspace.Dispose();
        _evalWorkspace.Dispose();
        _optimizer.Dispose();
        _parameters.Dispose();
        _gradients.Dispose();
        _trainImages.Dispose();
        _testImages.Dispose();
        _order.Dispose();
        _identity.Dispose();
        _stepElbo.Dispose();
    }
}

/// <summary>Training produced a non-finite loss; the message names the epoch and what to try.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
