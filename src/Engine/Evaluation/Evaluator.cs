using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Model;
using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Evaluation;

/// <summary>
/// Forward-only passes over a whole image set on the accelerator. The ε of datapoint i comes from the
/// evaluation stream at its absolute row, so a model always gets the same estimate, whatever the
/// evaluation batch size; per-datapoint values are summed on the host in double, in datapoint order.
/// </summary>
internal sealed class Evaluator
{
    private readonly VaeNetwork _network;
    private readonly Workspace _workspace;
    private readonly ulong _seed;
    private readonly Binarization _binarization;
    private readonly float[] _rowValues;

    public Evaluator(VaeNetwork network, Workspace workspace, ulong seed, Binarization binarization)
    {
        _network = network;
        _workspace = workspace;
        _seed = seed;
        _binarization = binarization;
        _rowValues = new float[workspace.Capacity];
    }

    /// <summary>Mean ELBO per datapoint (nats) over the <paramref name="count"/> images in <paramref name="images"/>.</summary>
    public double MeanElbo(DeviceBuffer<byte> images, DeviceBuffer<int> identityIndices, int count)
    {
        var k = _network.Accelerator.Kernels;
        var config = _network.Config;
        double total = 0;
        for (int first = 0; first < count; first += _workspace.Capacity)
        {
            int rows = Math.Min(_workspace.Capacity, count - first);
            k.GatherBatch(images, identityIndices, _workspace.Input, first, rows, config.InputSize, _binarization,
                new RandomKey(_seed, RandomStream.EvalBinarize, (ulong)first));
            _network.Forward(_workspace, rows, first * config.Samples, new RandomKey(_seed, RandomStream.EvalNoise, 0),
                _network.ReconstructionScale(rows));
            var values = _rowValues.AsSpan(0, rows);
            _workspace.Elbo.Download(values);
            foreach (float v in values) total += v;
        }
        return total / count;
    }
}
