using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Distributed;
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
/// Training can stop after any step (<see cref="TrainSteps"/>) and resume there from a
/// <see cref="TrainingState"/>, also inside an epoch: the epoch's order is a function of (seed, epoch),
/// so only the step within the epoch needs to be kept.
/// <para>
/// Data-parallel (internal constructor with an <see cref="ICommunicator"/> of several ranks): every rank holds
/// the whole model and computes the sums of its share of each minibatch's parts (<see cref="MinibatchShares"/>);
/// the parts' sums meet in a <see cref="PartSumExchange"/>, which adds them in part order, and every rank
/// applies the same update. The bits are those of one process for every number of ranks the parts allow.
/// </para>
/// </summary>
public sealed partial class Trainer : IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly Dataset _data;
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
    private readonly Action _queueStepKernels;
    private readonly Action _queueUpdate;
    private StepArguments _stepArguments;
    // Data-parallel only (null in one process): the ranks, their shares of a minibatch, the exchange of the
    // parts' sums, and this rank's parts' vectors (gradient, then the ELBO sum, then stop requests) on the
    // accelerator and on the host, and their sum over all parts.
    private readonly ICommunicator? _ranks;
    private readonly MinibatchShares? _shares;
    private readonly PartSumExchange? _exchange;
    private readonly DeviceBuffer<float>? _partSums;
    private readonly float[] _sumHost = [];
    private bool _stopAgreed;
    // The epoch whose shuffled order _order holds (0: none yet), so a trainer that starts inside an
    // epoch (a resume) uploads that epoch's order, and a new epoch gets its own.
    private int _orderEpoch;
    // Training time of the current epoch in this process: runs only inside TrainSteps, so time spent
    // saving checkpoints or evaluating is not counted as training.
    private readonly Stopwatch _epochClock = new();
    private int _stepsTimed;
    private TimeSpan? _nextReport;

    /// <summary>
    /// Prepares training of a new model (<paramref name="resume"/> null) or continues
    /// <paramref name="resume"/>. The dataset's image size must equal the model's input size.
    /// </summary>
    public Trainer(Accelerator accelerator, ModelConfig model, TrainingConfig training, Dataset data, TrainingState? resume = null)
        : this(accelerator, model, training, data, resume, null)
    {
    }

    /// <summary>
    /// A trainer that is one of the <paramref name="ranks"/> of a data-parallel job (null, or one rank: a
    /// trainer on its own). Every rank must construct it with the same configuration, data and state, and then
    /// run the same calls in the same order; the constructor checks the first two across the ranks.
    /// </summary>
    internal Trainer(Accelerator accelerator, ModelConfig model, TrainingConfig training, Dataset data, TrainingState? resume,
        ICommunicator? ranks)
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
        _data = data;
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
            if (resume.Data is { } trainedOn && !trainedOn.SameContent(data.Identity))
                throw new InputException($"the checkpoint was trained on {trainedOn.Describe()}, not on {data.Identity.Describe()}; a run continues only on its own data");
            if (resume.Parameters.Length != Layout.Count) throw new InputException($"the checkpoint has {resume.Parameters.Length} parameters, the model needs {Layout.Count}");
            _parameters.Upload(resume.Parameters);
            _optimizer.State0.Upload(resume.OptimizerState0);
            if (_optimizer.State1 is not null)
            {
                if (resume.OptimizerState1 is null) throw new InputException("the checkpoint lacks the second optimizer state this optimizer needs");
                _optimizer.State1.Upload(resume.OptimizerState1);
            }
            if (resume.StepInEpoch < 0 || resume.StepInEpoch > StepsPerEpoch || resume.Epoch < 0
                || resume.Step != (long)resume.Epoch * StepsPerEpoch + resume.StepInEpoch)
                throw new InputException($"the checkpoint's counters (epoch {resume.Epoch}, step {resume.Step}, {resume.StepInEpoch} steps into the next epoch) " +
                                         $"do not fit {StepsPerEpoch} steps per epoch; resume with the same data and --train-limit");
            if (resume.EpochStepElbos.Length != resume.StepInEpoch)
                throw new InputException($"the checkpoint holds {resume.EpochStepElbos.Length} minibatch ELBOs for {resume.StepInEpoch} steps of its epoch");
            _optimizer.Beta1Power = resume.Beta1Power;
            _optimizer.Beta2Power = resume.Beta2Power;
            Step = resume.Step;
            Epoch = resume.Epoch;
            StepInEpoch = resume.StepInEpoch;
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
        _queueStepKernels = QueueStepKernels;
        _queueUpdate = QueueUpdate;
        if (StepInEpoch > 0) _stepElbo.Upload(resume!.EpochStepElbos);
        if (ranks is { Size: > 1 })
        {
            _ranks = ranks;
            _shares = new MinibatchShares(training.BatchSize, training.EffectiveBatchParts, ranks.Size);
            int length = checked((int)Layout.Count + PartVectorExtras);
            int mine = _shares.PartCount(ranks.Rank);
            _partSums = accelerator.Allocate<float>((long)mine * length);
            _sumHost = new float[length];
            _exchange = new PartSumExchange(ranks, _shares, length);
            RankAgreement.Check(ranks, "data", SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
                $"{data.Identity.Sha256}|{train.Count}|{data.Test.Count}")));
            RankAgreement.Check(ranks, "configurations and counters", SHA256.HashData(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
                new { model, training, Step, Epoch, StepInEpoch }, EngineJson.Compact)));
            CheckRanksAgree();
        }
    }

    /// <summary>Floats after the gradient in a part's vector: the part's ELBO sum, and the stop requests.</summary>
    private const int PartVectorExtras = 2;

    /// <summary>The ranks of the data-parallel job this trainer is one of (null: training on its own).</summary>
    internal ICommunicator? Ranks => _ranks;

    /// <summary>The floats each rank sends per step in a data-parallel job (0 on its own): the parts' vectors and the sum.</summary>
    internal long FloatsSentPerStep => _exchange?.FloatsSent ?? 0;

    /// <summary>
    /// Data-parallel: whether the ranks agreed, at the last step, to stop because one of them was asked to
    /// (its cancellation token); every rank then stops after that same step.
    /// </summary>
    internal bool StopAgreed => _stopAgreed;

    /// <summary>
    /// Data-parallel: checks that every rank holds rank 0's exact parameters, optimizer state and counters
    /// (a digest of each, compared in one all-gather), and throws <see cref="RanksDisagreeException"/> on every
    /// rank otherwise. Does nothing on a trainer of its own.
    /// </summary>
    internal void CheckRanksAgree()
    {
        if (_ranks is null) return;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(BitConverter.GetBytes(Step));
        hash.AppendData(BitConverter.GetBytes(_optimizer.Beta1Power));
        hash.AppendData(BitConverter.GetBytes(_optimizer.Beta2Power));
        foreach (var buffer in new[] { _parameters, _optimizer.State0, _optimizer.State1 })
            if (buffer is not null) hash.AppendData(MemoryMarshal.AsBytes(buffer.ToArray().AsSpan()));
        RankAgreement.Check(_ranks, $"parameters or optimizer state after step {Step}", hash.GetHashAndReset());
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
    /// <summary>Steps done in the current epoch (epoch <see cref="Epoch"/> + 1); equals <see cref="StepsPerEpoch"/> when only <see cref="FinishEpoch"/> is left.</summary>
    public int StepInEpoch { get; private set; }
    /// <summary>Minibatches per epoch (the last partial minibatch of an epoch is dropped).</summary>
    public int StepsPerEpoch { get; }
    /// <summary>The accelerator in use.</summary>
    public Accelerator Accelerator => _accelerator;

    /// <summary>
    /// Runs the rest of the current epoch, then <see cref="FinishEpoch"/>.
    /// <paramref name="onProgress"/> is called about every <paramref name="progressInterval"/>.
    /// A non-finite ELBO stops training with <see cref="TrainingDivergedException"/>; a cancellation
    /// stops it between two steps with <see cref="OperationCanceledException"/>.
    /// </summary>
    public EpochMetrics TrainEpoch(Action<StepProgress>? onProgress = null, TimeSpan? progressInterval = null,
        bool evaluateTest = true, CancellationToken cancellation = default)
    {
        TrainSteps(StepsPerEpoch, onProgress, progressInterval, cancellation);
        if (StopRequested(cancellation)) throw new OperationCanceledException(cancellation);
        return FinishEpoch(evaluateTest);
    }

    /// <summary>
    /// Runs up to <paramref name="maxSteps"/> steps of the current epoch; stops early at the epoch's last
    /// step or when <paramref name="cancellation"/> is requested (checked before each step, so a step
    /// always completes). Returns after the steps have finished on the accelerator, with the number run.
    /// <paramref name="onProgress"/> is called about every <paramref name="progressInterval"/> and after the
    /// epoch's last step; a non-finite running ELBO found then raises <see cref="TrainingDivergedException"/>
    /// naming the step and the tensors.
    /// </summary>
    internal int TrainSteps(int maxSteps, Action<StepProgress>? onProgress = null, TimeSpan? progressInterval = null,
        CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSteps);
        int epoch = Epoch + 1;
        int m = Training.BatchSize;
        if (_orderEpoch != epoch)
        {
            _order.Upload(Shuffle.Permutation(_trainCount, Training.Seed, epoch));
            _orderEpoch = epoch;
        }
        var interval = progressInterval ?? TimeSpan.FromSeconds(0.5);
        float gradScale = _network.ReconstructionScale(m);
        int done = 0;
        _epochClock.Start();
        _nextReport ??= _epochClock.Elapsed + interval;
        try
        {
            while (done < maxSteps && StepInEpoch < StepsPerEpoch && !StopRequested(cancellation))
            {
                // Everything that changes from step to step is fixed here, on the host, so the step's
                // launches form one kernel sequence (a CUDA graph on CUDA) that touches no host state.
                _stepArguments = new StepArguments(StepInEpoch,
                    new RandomKey(Training.Seed, RandomStream.Binarize, (ulong)Step),
                    new RandomKey(Training.Seed, RandomStream.TrainNoise, (ulong)Step),
                    _optimizer.NextStep(), gradScale);
                _accelerator.RunKernelSequence(_queueStepKernels);
                bool finite = _exchange is null || SumPartsAndUpdate(cancellation.IsCancellationRequested);
                Step++;
                StepInEpoch++;
                done++;
                _stepsTimed++;
                if (!finite) throw Diverged();
                if (onProgress is not null && (_epochClock.Elapsed >= _nextReport || StepInEpoch == StepsPerEpoch))
                {
                    _nextReport = _epochClock.Elapsed + interval;
                    double running = MeanStepElbo(StepInEpoch);
                    if (!double.IsFinite(running)) throw Diverged();
                    onProgress(new StepProgress(epoch, StepInEpoch, StepsPerEpoch, running, _stepsTimed * (double)m / _epochClock.Elapsed.TotalSeconds));
                }
            }
            _accelerator.Synchronize();
        }
        finally
        {
            _epochClock.Stop();
        }
        return done;
    }

    /// <summary>
    /// Whether training stops before the next step: on its own when <paramref name="cancellation"/> is
    /// requested; data-parallel only when the ranks agreed on it at the last step, since every rank must run
    /// the same steps (a request on this rank travels with the next step's sums).
    /// </summary>
    private bool StopRequested(CancellationToken cancellation) => _exchange is null ? cancellation.IsCancellationRequested : _stopAgreed;

    /// <summary>
    /// Data-parallel, after the step's kernels: this rank's parts' sums go to the exchange with its stop request,
    /// every rank gets their sum over all parts, uploads the gradient and the minibatch ELBO, and applies the
    /// update. Returns whether the minibatch ELBO is finite (every rank sees the same value, so all stop alike).
    /// </summary>
    private bool SumPartsAndUpdate(bool stopRequested)
    {
        int n = (int)Layout.Count, length = _exchange!.Length, mine = _shares!.PartCount(_ranks!.Rank);
        // Each part's segments straight into the exchange, then this rank's stop request into each part's vector.
        for (int owner = 0; owner < _ranks.Size; owner++)
        {
            var (start, _) = _exchange.Segment(owner);
            for (int j = 0; j < mine; j++)
            {
                var slot = _exchange.Slot(owner, j);
                _partSums!.Download(slot, (long)j * length + start);
                if (n + 1 - start is int at && at >= 0 && at < slot.Length) slot[at] = stopRequested ? 1f : 0f;
            }
        }
        _exchange.Sum(_sumHost);
        _gradients.Upload(_sumHost.AsSpan(0, n));
        _stepElbo.Upload(_sumHost.AsSpan(n, 1), StepInEpoch);
        _accelerator.RunKernelSequence(_queueUpdate);
        _stopAgreed = _sumHost[n + 1] > 0f;
        return float.IsFinite(_sumHost[n]);
    }

    /// <summary>The per-step values of the step being queued (set on the host before its kernel sequence).</summary>
    private readonly record struct StepArguments(int StepInEpoch, RandomKey BinarizeKey, RandomKey NoiseKey, OptimizerScalars Scalars, float GradScale);

    /// <summary>
    /// Queues one training step's kernels from <see cref="_stepArguments"/>: gather the minibatch,
    /// forward, its ELBO into the epoch's slot, backward, the optimizer update. A method bound once to a
    /// delegate (not a lambda per step) so a step allocates nothing on the host.
    /// </summary>
    private void QueueStepKernels()
    {
        var a = _stepArguments;
        var k = _accelerator.Kernels;
        int m = Training.BatchSize;
        k.GatherBatch(_trainImages, _order, _workspace.Input, a.StepInEpoch * m, m, Model.InputSize, Training.Binarization, a.BinarizeKey);
        if (_shares is null)
        {
            var parts = BatchParts.All(m, Training.EffectiveBatchParts);
            _network.Forward(_workspace, m, 0, a.NoiseKey, a.GradScale);
            k.SumRows(_workspace.Elbo, _stepElbo.View(a.StepInEpoch, 1), m, parts);
            _network.Backward(_workspace, _workspace.Input, parts, _gradients);
            _optimizer.Apply(k, _parameters, _gradients, a.Scalars);
            return;
        }
        // This rank's share: its datapoints of the minibatch gathered whole (the binarization's draws are
        // numbered within the minibatch), the noise drawn at their sample rows of the minibatch (datapoint·S
        // onwards), each part's sums apart.
        int rank = _ranks!.Rank, first = _shares.FirstDatapoint(rank), rows = _shares.Datapoints(rank);
        var share = _shares.Of(rank, _exchange!.Length);
        var input = _workspace.Input.View((long)first * Model.InputSize, (long)rows * Model.InputSize);
        _network.Forward(_workspace, input, rows, first * Model.Samples, a.NoiseKey, a.GradScale);
        k.SumRows(_workspace.Elbo, _partSums!.View(Layout.Count, share.OutputSpan(1)), rows, share);
        _network.Backward(_workspace, input, share, _partSums);
    }

    /// <summary>Data-parallel: the optimizer update once the gradient summed over all parts is in place.</summary>
    private void QueueUpdate() => _optimizer.Apply(_accelerator.Kernels, _parameters, _gradients, _stepArguments.Scalars);

    /// <summary>
    /// Closes an epoch whose steps are all done: the mean of its minibatch ELBOs, the epoch counter, and
    /// the test ELBO when <paramref name="evaluateTest"/> is set. A non-finite train or test ELBO raises
    /// <see cref="TrainingDivergedException"/>.
    /// </summary>
    internal EpochMetrics FinishEpoch(bool evaluateTest = true)
    {
        if (StepInEpoch != StepsPerEpoch)
            throw new InvalidOperationException($"epoch {Epoch + 1} still has {StepsPerEpoch - StepInEpoch} of its {StepsPerEpoch} steps to run");
        double seconds = _epochClock.Elapsed.TotalSeconds;
        double trainElbo = MeanStepElbo(StepsPerEpoch);
        if (!double.IsFinite(trainElbo)) throw Diverged();
        Epoch++;
        StepInEpoch = 0;
        _epochClock.Reset();
        _stepsTimed = 0;
        _nextReport = null;
        double? testElbo = null;
        var evalClock = Stopwatch.StartNew();
        if (evaluateTest && _testCount > 0) testElbo = EvaluateTestElbo();
        // A model whose training loss is still finite can already overflow on other data; a NaN or
        // infinite test ELBO is a diverged model all the same, and is not worth a checkpoint.
        if (testElbo is double t && !double.IsFinite(t))
            throw new TrainingDivergedException($"step {Step} (end of epoch {Epoch}): non-finite test ELBO ({t}); the model overflows on the test set; try a smaller --lr", Step);
        return new EpochMetrics(Epoch, Step, Step * Training.BatchSize, trainElbo, testElbo, seconds, evalClock.Elapsed.TotalSeconds, _accelerator.Name);
    }

    /// <summary>ELBO per datapoint on the test set, with the evaluation noise stream (data-parallel: each rank evaluates a share).</summary>
    public double EvaluateTestElbo() =>
        new Evaluator(_network, _evalWorkspace, Training.Seed, Training.Binarization).MeanElbo(_testImages, _identity, _testCount, _ranks);

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
        StepInEpoch = StepInEpoch,
        EpochStepElbos = DownloadStepElbos(),
        Parameters = _parameters.ToArray(),
        OptimizerState0 = _optimizer.State0.ToArray(),
        OptimizerState1 = _optimizer.State1?.ToArray(),
        Beta1Power = _optimizer.Beta1Power,
        Beta2Power = _optimizer.Beta2Power,
        Data = _data.Identity,
    };

    /// <summary>
    /// Checks the last step on the host — its minibatch ELBO, every gradient, every parameter and the
    /// optimizer state, in the order the step produced them — and describes the first non-finite value
    /// ("step 1234: non-finite gradient in decoder.output.weight[3, 17] = NaN"), or returns null.
    /// Downloads everything: meant for locating a divergence (<see cref="DivergenceDiagnosis"/>), not
    /// for every step of a healthy run.
    /// </summary>
    internal string? FindNonFiniteInLastStep()
    {
        if (StepInEpoch == 0) throw new InvalidOperationException("no step of the current epoch has run yet");
        var elbo = new float[1];
        _stepElbo.Download(elbo, StepInEpoch - 1);
        string loss = float.IsFinite(elbo[0]) ? "" : $" (minibatch ELBO {NonFiniteScan.Format(elbo[0])})";
        string? found = NonFiniteScan.Locate(Layout, _gradients.ToArray(), "gradient")
            ?? NonFiniteScan.Locate(Layout, _parameters.ToArray(), "parameter")
            ?? NonFiniteScan.Locate(Layout, _optimizer.State0.ToArray(), "optimizer state")
            ?? (_optimizer.State1 is { } s1 ? NonFiniteScan.Locate(Layout, s1.ToArray(), "second optimizer state") : null);
        if (found is not null) return $"step {Step}: non-finite {found}{loss}";
        return loss.Length > 0 ? $"step {Step}: non-finite loss{loss}" : null;
    }

    /// <summary>The current parameters (reads the accelerator's buffer).</summary>
    public float[] DownloadParameters() => _parameters.ToArray();

    private float[] DownloadStepElbos()
    {
        var values = new float[StepInEpoch];
        _stepElbo.Download(values);
        return values;
    }

    private double MeanStepElbo(int steps)
    {
        var values = _stepElboHost.AsSpan(0, steps);
        _stepElbo.Download(values);
        double total = 0;
        foreach (float v in values) total += v;
        return total / ((double)steps * Training.BatchSize);
    }

    /// <summary>
    /// The divergence error: finds the first step whose minibatch ELBO is non-finite, and which gradient
    /// (of the last step) and parameter tensors hold non-finite values now. Runs only once training has
    /// failed, so the downloads it needs cost nothing in a healthy run.
    /// </summary>
    private TrainingDivergedException Diverged()
    {
        _accelerator.Synchronize();
        var elbos = _stepElboHost.AsSpan(0, StepInEpoch);
        _stepElbo.Download(elbos);
        long first = NonFiniteScan.FirstNonFinite(elbos);
        long badStep = first >= 0 ? Step - StepInEpoch + first + 1 : Step;
        string loss = first >= 0 ? $"non-finite loss (minibatch ELBO {NonFiniteScan.Format(elbos[(int)first])})" : "non-finite loss";
        var found = new[]
        {
            NonFiniteScan.Locate(Layout, _gradients.ToArray(), $"gradient of step {Step}"),
            NonFiniteScan.Locate(Layout, _parameters.ToArray(), $"parameter after step {Step}"),
        }.Where(f => f is not null);
        string tensors = string.Join("; ", found.Select(f => "non-finite " + f));
        return new TrainingDivergedException(
            $"step {badStep} (epoch {Epoch + 1}): {loss}{(tensors.Length > 0 ? "; " + tensors : "")}; try a smaller --lr",
            badStep);
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
        _partSums?.Dispose();
    }
}

/// <summary>
/// Training produced a non-finite loss, gradient or parameter; the message names the step, the tensor
/// and what to try (exit code 3). No checkpoint is written from the diverged state.
/// </summary>
/// <param name="message">One line naming the step and the tensor.</param>
/// <param name="step">The first step found to be non-finite.</param>
public sealed class TrainingDivergedException(string message, long step) : Exception(message)
{
    /// <summary>The first step found to be non-finite (1-based: the step-th update).</summary>
    public long Step { get; } = step;
}
