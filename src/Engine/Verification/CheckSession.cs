using IlgpuVae.Engine.Accelerators;

namespace IlgpuVae.Engine.Verification;

/// <summary>
/// The buffers of one check scenario on one accelerator. Every tensor sits at an odd element offset
/// inside a slightly larger buffer, so the kernels' offset arguments are exercised and a write outside
/// a view shows up: output buffers are pre-filled with a sentinel and compared whole, padding included.
/// </summary>
internal sealed class CheckSession(Accelerator accelerator, string scenario) : IDisposable
{
    /// <summary>Elements of padding before and after every tensor.</summary>
    public const int Padding = 3;

    /// <summary>What an output element holds before a kernel writes it.</summary>
    public const float Sentinel = -1234.5f;

    private readonly List<IDisposable> _owned = [];
    private readonly List<(string Name, DeviceBuffer<float> Buffer)> _outputs = [];

    public Accelerator Accelerator { get; } = accelerator;

    public IKernels Kernels => Accelerator.Kernels;

    /// <summary>A view holding <paramref name="values"/>.</summary>
    public BufferView<T> In<T>(T[] values, T pad = default) where T : unmanaged
    {
        var all = new T[values.Length + 2 * Padding];
        all.AsSpan().Fill(pad);
        values.CopyTo(all, Padding);
        var buffer = Accelerator.Upload<T>(all);
        _owned.Add(buffer);
        return buffer.View(Padding, values.Length);
    }

    /// <summary>A view of <paramref name="length"/> sentinels whose whole buffer is compared at the end.</summary>
    public BufferView<float> Out(string name, long length) => Out(name, Enumerable.Repeat(Sentinel, (int)length).ToArray());

    /// <summary>An in-out view (e.g. parameters an update changes), compared whole at the end.</summary>
    public BufferView<float> Out(string name, float[] initial)
    {
        var view = In(initial, Sentinel);
        _outputs.Add((name, (DeviceBuffer<float>)view.Buffer));
        return view;
    }

    /// <summary>Every output, downloaded whole.</summary>
    public IEnumerable<CheckOutput> Results()
    {
        Accelerator.Synchronize();
        foreach (var (name, buffer) in _outputs) yield return CheckOutput.Of($"{scenario}/{name}", buffer.ToArray());
    }

    public void Dispose()
    {
        foreach (var b in _owned) b.Dispose();
        _owned.Clear();
    }
}
