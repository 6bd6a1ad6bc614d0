using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Distributed;
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

    public Evaluator(VaeNetwork network, Workspace workspace, ulong seed, Binarization binarization)
    {
        _network = network;
        _workspace = workspace;
        _seed = seed;
        _binarization = binarization;
    }

    /// <summary>Mean ELBO per datapoint (nats) over the <paramref name="count"/> images in <paramref name="images"/>.</summary>
    public double MeanElbo(DeviceBuffer<byte> images, DeviceBuffer<int> identityIndices, int count) =>
        MeanElbo(images, identityIndices, count, null);

    /// <summary>
    /// <see cref="MeanElbo(DeviceBuffer{byte}, DeviceBuffer{int}, int)"/>, shared among <paramref name="ranks"/>
    /// (null or one: all here): each rank evaluates a run of whole evaluation batches — the batches of one
    /// process, so every datapoint gets the same draws — and every rank sums all datapoints' values in order.
    /// </summary>
    public double MeanElbo(DeviceBuffer<byte> images, DeviceBuffer<int> identityIndices, int count, ICommunicator? ranks)
    {
        int batches = (count + _workspace.Capacity - 1) / _workspace.Capacity;
        int size = ranks?.Size ?? 1, rank = ranks?.Rank ?? 0;
        int Start(int r) => (int)Math.Min(count, (long)(batches * (long)r / size) * _workspace.Capacity);
        var values = new float[count];
        RowElbos(images, identityIndices, Start(rank), Start(rank + 1), values.AsSpan(Start(rank), Start(rank + 1) - Start(rank)));
        if (size > 1)
        {
            var mine = values.AsSpan(Start(rank), Start(rank + 1) - Start(rank)).ToArray();
            ranks!.AllGather(mine, values, Enumerable.Range(0, size).Select(r => Start(r + 1) - Start(r)).ToArray());
        }
        double total = 0;
        foreach (float v in values) total += v;
        return total / count;
    }

    /// <summary>The ELBO of each datapoint from <paramref name="from"/> (a multiple of the batch capacity) to <paramref name="to"/>.</summary>
    private void RowElbos(DeviceBuffer<byte> images, DeviceBuffer<int> identityIndices, int from, int to, Span<float> into)
    {
        var k = _network.Accelerator.Kernels;
        var config = _network.Config;
        for (int first = from; first < to; first += _workspace.Capacity)
        {
            int rows = Math.Min(_workspace.Capacity, to - first);
            k.GatherBatch(images, identityIndices, _workspace.Input, first, rows, config.InputSize, _binarization,
                new RandomKey(_seed, RandomStream.EvalBinarize, (ulong)first));
            _network.Forward(_workspace, rows, first * config.Samples, new RandomKey(_seed, RandomStream.EvalNoise, 0),
                _network.ReconstructionScale(rows));
            _workspace.Elbo.Download(into.Slice(first - from, rows));
        }
    }
}
