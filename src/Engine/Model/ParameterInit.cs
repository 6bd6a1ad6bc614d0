using IlgpuVae.Kernels;
using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Engine.Model;

/// <summary>The paper's initialisation: every weight and bias drawn from N(0, σ²), σ = 0.01 by default.</summary>
internal static class ParameterInit
{
    /// <summary>Initial parameter vector: element i is σ · (Philox normal at counter (i, Init stream, 0)).</summary>
    public static float[] Create(ModelConfig config, ulong seed)
    {
        var layout = new ParameterLayout(config);
        var p = new float[layout.Count];
        var key = new RandomKey(seed, RandomStream.Init, 0);
        for (long i = 0; i < p.Length; i++)
            p[i] = config.InitScale * Philox4x32.StandardNormal((uint)i, key.Stream, key.C2, key.C3, key.K0, key.K1);
        return p;
    }
}
