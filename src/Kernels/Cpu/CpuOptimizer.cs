using IlgpuVae.Kernels.Math;
using System.Runtime.Intrinsics;

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

    private struct Job : IRangeJob
    {
        public float* P, G, S0, S1;
        public OptimizerScalars Scalars;
        public int Count;

        public readonly void Run(int start, int end)
        {
            long first = (long)start * 4096, last = System.Math.Min((long)end * 4096, Count);
            long i = first;
            // 16 parameters per step with the same IEEE operations as OptimizerMath.Update: vector add, multiply,
            // FMA, divide and square root are correctly rounded per lane, so the bits are identical.
            if (S1 != null || Scalars.Kind != OptimizerKind.Adam)
                for (; i + 16 <= last; i += 16) UpdateVector(P + i, G + i, S0 + i, (S1 == null ? S0 : S1) + i);
            for (; i < last; i++)
            {
                float dummy = 0f;
                ref float s1 = ref (S1 == null ? ref dummy : ref S1[i]);
                OptimizerMath.Update(ref P[i], G[i], ref S0[i], ref s1, Scalars);
            }
        }

        private readonly void UpdateVector(float* p, float* gp, float* s0, float* s1)
        {
            var s = Scalars;
            var theta = Vector512.Load(p);
            var g = Vector512.FusedMultiplyAdd(Vector512.Create(s.WeightDecay), theta, Vector512.Load(gp));
            Vector512<float> u;
            switch (s.Kind)
            {
                case OptimizerKind.Adagrad:
                {
                    var h = Vector512.FusedMultiplyAdd(g, g, Vector512.Load(s0));
                    h.Store(s0);
                    var den = Vector512.Sqrt(h) + Vector512.Create(s.Epsilon);
                    u = (Vector512.Create(s.LearningRate) * g) / den;
                    break;
                }
                case OptimizerKind.RmsProp:
                {
                    var a = (Vector512.Create(s.OneMinusBeta1) * g) * g;
                    var h = Vector512.FusedMultiplyAdd(Vector512.Create(s.Beta1), Vector512.Load(s0), a);
                    h.Store(s0);
                    var den = Vector512.Sqrt(h) + Vector512.Create(s.Epsilon);
                    u = (Vector512.Create(s.LearningRate) * g) / den;
                    break;
                }
                case OptimizerKind.Adam:
                {
                    var m = Vector512.FusedMultiplyAdd(Vector512.Create(s.Beta1), Vector512.Load(s0), Vector512.Create(s.OneMinusBeta1) * g);
                    var a = (Vector512.Create(s.OneMinusBeta2) * g) * g;
                    var v = Vector512.FusedMultiplyAdd(Vector512.Create(s.Beta2), Vector512.Load(s1), a);
                    m.Store(s0);
                    v.Store(s1);
                    var den = Vector512.Sqrt(v * Vector512.Create(s.SecondMomentScale)) + Vector512.Create(s.Epsilon);
                    u = (Vector512.Create(s.StepSize) * m) / den;
                    break;
                }
                default:
                {
                    var v = Vector512.FusedMultiplyAdd(Vector512.Create(s.Beta1), Vector512.Load(s0), g);
                    v.Store(s0);
                    u = Vector512.Create(s.LearningRate) * v;
                    break;
                }
            }
            (theta - u).Store(p);
        }
    }
}
