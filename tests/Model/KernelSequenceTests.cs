using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Kernels;
using IlgpuVae.Tests;
using NUnit.Framework;

namespace IlgpuVae.Tests.Model;

/// <summary>
/// <see cref="Accelerator.RunKernelSequence"/> on the backends that run here: kernels inside a sequence
/// run, and anything a CUDA graph could not hold (a transfer, an allocation, a wait, a nested sequence)
/// is refused on every backend, so the trainer's steps, which the CPU and device tests run through it,
/// are known to be capturable on CUDA.
/// </summary>
[TestFixture]
public sealed class KernelSequenceTests
{
    private static IEnumerable<TestCaseData> Backends()
    {
        yield return new TestCaseData("cpu").SetName("{m}(cpu)");
        foreach (string family in DeviceAccelerators.Families) yield return new TestCaseData(family).SetName($"{{m}}({family})");
    }

    private static Accelerator Get(string backend, out bool owned)
    {
        owned = backend == "cpu";
        return owned ? new CpuAccelerator(threads: 1) : DeviceAccelerators.Require(backend);
    }

    [TestCaseSource(nameof(Backends))]
    public void KernelsQueuedInASequenceRun(string backend)
    {
        var accelerator = Get(backend, out bool owned);
        try
        {
            using var values = accelerator.Upload<float>([1f, 2f, 3.5f]);
            using var sum = accelerator.Allocate<float>(1);
            accelerator.RunKernelSequence(() => accelerator.Kernels.SumRows(values, sum, 3));
            Assert.That(sum.ToArray(), Is.EqualTo(new[] { 6.5f }));
            Assert.That(accelerator.InsideKernelSequence, Is.False);
        }
        finally
        {
            if (owned) accelerator.Dispose();
        }
    }

    [TestCaseSource(nameof(Backends))]
    public void TransfersAllocationsWaitsAndNestingAreRefusedInside(string backend)
    {
        var accelerator = Get(backend, out bool owned);
        try
        {
            using var buffer = accelerator.Allocate<float>(4);
            var refused = new (string What, Action Inside)[]
            {
                ("an upload", () => buffer.Upload([1f])),
                ("a download", () => buffer.ToArray()),
                ("allocating a buffer", () => accelerator.Allocate<float>(4).Dispose()),
                ("waiting for the device", accelerator.Synchronize),
                ("freeing a buffer", buffer.Dispose),
                ("kernel sequences do not nest", () => accelerator.RunKernelSequence(() => { })),
            };
            foreach (var (what, inside) in refused)
            {
                var error = Assert.Throws<InvalidOperationException>(() => accelerator.RunKernelSequence(inside), what);
                Assert.That(error!.Message, Does.Contain(what));
                Assert.That(accelerator.InsideKernelSequence, Is.False, $"the sequence ended after: {what}");
            }
            buffer.Upload([1f, 2f, 3f, 4f]);
            Assert.That(buffer.ToArray(), Is.EqualTo(new[] { 1f, 2f, 3f, 4f }), "transfers work again outside");
            if (backend == "cuda")
                Assert.That(accelerator.KernelSequenceSummary, Does.StartWith("CUDA graphs: "), "refused operations leave graphs on");
            else
                Assert.That(accelerator.KernelSequenceSummary, Is.Null, "only CUDA has something to report");
        }
        finally
        {
            if (owned) accelerator.Dispose();
        }
    }
}
