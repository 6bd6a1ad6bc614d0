using ILGPU;
using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Kernels.Device;

/// <summary>One optimizer update of every parameter (docs/kernels.md: optimizer updates).</summary>
public static class OptimizerKernel
{
    /// <summary>
    /// <see cref="OptimizerMath.Update"/> for parameter i, one thread each. The scalars are computed once on
    /// the host in float (<see cref="OptimizerScalars"/>), so every accelerator receives the same bits; state1
    /// is touched by Adam only (the host passes state0 again for the other rules).
    /// Grid: ⌈count / element threads⌉ groups (<see cref="DeviceGeometry.ElementThreads"/>).
    /// </summary>
    public static void Update(ArrayView<float> theta, ArrayView<float> gradients, ArrayView<float> state0,
        ArrayView<float> state1, int count, OptimizerScalars scalars)
    {
        int i = Grid.GlobalIndex.X;
        if (i >= count) return;
        // Adam reads and writes state1[i]; the other rules never touch it, so a dummy stands in and the
        // buffer (possibly state0 again) is not aliased by two references.
        float unused = 0f;
        if (scalars.Kind == OptimizerKind.Adam)
            OptimizerMath.Update(ref theta[i], gradients[i], ref state0[i], ref state1[i], scalars);
        else
            OptimizerMath.Update(ref theta[i], gradients[i], ref state0[i], ref unused, scalars);
    }
}
