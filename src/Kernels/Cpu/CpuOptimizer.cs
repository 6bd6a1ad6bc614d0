namespace IlgpuVae.Kernels.Cpu;

/// <summary>
/// Optimizer updates, elementwise over the whole parameter vector (contract in docs/kernels.md).
/// Every element is independent, so the vector is split into one contiguous chunk per thread.
/// </summary>
public static unsafe class CpuOptimizer
{
    /// <summary>Applies one update; <paramref name="state1"/> is used by Adam only.</summary>
    public static void Update(CpuWorkerPool pool, Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> state0,
        Span<float> state1, int count, in OptimizerScalars scalars)
    {
        fixed (float* pp = parameters, pg = gradients, s0 = state0, s1 = state1)
        {
            var job = new Job { P = pp, G = pg, S0 = s0, S1 = s1, Scalars = scalars, Count = count };
            // Chunks of 4096 elements: enough work per item, and the split never changes a result.
            pool.Run((count + 4095) / 4096, ref job);
        }
    }

    /// <summary>The update of one parameter, in the contract's operation order.</summary>
    public static void UpdateOne(ref float theta, float gradient, ref float state0, ref float state1, in OptimizerScalars s)
    {
        float g = MathF.FusedMultiplyAdd(s.WeightDecay, theta, gradient);
        switch (s.Kind)
        {
            case OptimizerKind.Adagrad:
            {
                float h = MathF.FusedMultiplyAdd(g, g, state0);
                state0 = h;
                float den = MathF.Sqrt(h) + s.Epsilon;
                float u = s.LearningRate * g;
                u = u / den;
                theta = theta - u;
                break;
            }
            case OptimizerKind.RmsProp:
            {
                float a = s.OneMinusBeta1 * g;
                a = a * g;
                float h = MathF.FusedMultiplyAdd(s.Beta1, state0, a);
                state0 = h;
                float den = MathF.Sqrt(h) + s.Epsilon;
                float u = s.LearningRate * g;
                u = u / den;
                theta = theta - u;
                break;
            }
            case OptimizerKind.Adam:
            {
                float m = MathF.FusedMultiplyAdd(s.Beta1, state0, s.OneMinusBeta1 * g);
                float a = s.OneMinusBeta2 * g;
                a = a * g;
                float v = MathF.FusedMultiplyAdd(s.Beta2, state1, a);
                state0 = m;
                state1 = v;
                float vh = v * s.SecondMomentScale;
                float den = MathF.Sqrt(vh) + s.Epsilon;
                float u = s.StepSize * m;
                u = u / den;
                theta = theta - u;
                break;
            }
            default:
            {
                float v = MathF.FusedMultiplyAdd(s.Beta1, state0, g);
                state0 = v;
                float u = s.LearningRate * v;
                theta = theta - u;
                break;
            }
        }
    }

    private struct Job : IRangeJob
    {
        public float* P, G, S0, S1;
        public OptimizerScalars Scalars;
        public int Count;

        public readonly void Run(int start, int end)
        {
            long first = (long)start * 4096, last = System.Math.Min((long)end * 4096, Count);
            for (long i = first; i < last; i++)
            {
                float dummy = 0f;
                ref float s1 = ref (S1 == null ? ref dummy : ref S1[i]);
                UpdateOne(ref P[i], G[i], ref S0[i], ref s1, Scalars);
            }
        }
    }
}
