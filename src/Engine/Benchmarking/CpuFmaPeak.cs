using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace IlgpuVae.Engine.Benchmarking;

/// <summary>
/// This CPU's FP32 fused-multiply-add ceiling, measured: every thread runs <see cref="Chains"/> independent
/// FMA chains on the widest vectors the JIT compiles to hardware instructions (512-bit with AVX-512, else
/// 256-bit), with nothing but FMAs in the loop, so the figure is what the FMA units deliver when nothing
/// else is in their way. Twelve chains hide an FMA latency of up to 6 cycles on two FMA pipes (x86 cores
/// have 4–5), and with the two operands they fit in the 16 vector registers of AVX2, where sixteen chains
/// would spill to memory and measure that instead. An FMA counts as two operations, as
/// GFLOP/s figures of matrix products count a multiply-add. `ilgpuvae bench --peak` prints it; it is the
/// yardstick the CPU accelerator's GFLOP/s are set against.
/// </summary>
internal static class CpuFmaPeak
{
    /// <summary>Independent FMA chains per thread.</summary>
    public const int Chains = 12;

    /// <summary>The vectors measured: 512-bit where AVX-512 is there, else 256-bit.</summary>
    public static int VectorBits => Vector512.IsHardwareAccelerated ? 512 : 256;

    /// <summary>Whether <see cref="VectorBits"/>-bit FMAs are hardware instructions here (else the figure is of the JIT's emulation).</summary>
    public static bool HardwareFma => Vector512.IsHardwareAccelerated || (Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported);

    /// <summary>Floating-point operations of one loop iteration on one thread: chains × lanes × 2.</summary>
    public static double FlopsPerIteration => Chains * (VectorBits / 32) * 2.0;

    /// <summary>
    /// Runs <paramref name="iterations"/> loop iterations on each of <paramref name="threads"/> threads at
    /// once and returns the FLOP/s of all of them together (from the moment all are released to the moment
    /// the last one finishes).
    /// </summary>
    public static double Measure(int threads, long iterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        using var start = new Barrier(threads + 1);
        var sinks = new float[threads];
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            workers[t] = new Thread(() =>
            {
                start.SignalAndWait();
                sinks[id] = Run(iterations, 1f + id * 1e-7f);
            }) { IsBackground = true, Name = $"fma-peak-{t}" };
            workers[t].Start();
        }
        start.SignalAndWait();
        long begin = Stopwatch.GetTimestamp();
        foreach (var w in workers) w.Join();
        double seconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        // The sums are used, so the JIT cannot drop the loops.
        if (sinks.Any(float.IsNaN)) throw new InvalidOperationException("the FMA chains produced NaN");
        return threads * iterations * FlopsPerIteration / seconds;
    }

    /// <summary>Iterations that take one thread about <paramref name="target"/> (found by doubling, after a warm-up that lets the JIT optimise the loop).</summary>
    public static long Calibrate(TimeSpan target)
    {
        long n = 1 << 10;
        for (int i = 0; i < 3; i++) Run(n, 1f); // tiered JIT: the optimised loop after a few calls
        while (true)
        {
            long begin = Stopwatch.GetTimestamp();
            Run(n, 1f);
            var elapsed = Stopwatch.GetElapsedTime(begin);
            if (elapsed > TimeSpan.Zero && (elapsed >= target / 8 || n >= 1L << 40)) return Math.Max(1, (long)Math.Ceiling(n * (target / elapsed)));
            n *= 2;
        }
    }

    /// <summary>One thread's chains; returns a sum of them so the work is observable.</summary>
    private static float Run(long iterations, float seed) =>
        Vector512.IsHardwareAccelerated ? Run<Lanes512>(iterations, seed) : Run<Lanes256>(iterations, seed);

    // Multipliers just below 1 and addends near 0 keep every chain finite and normal for any iteration count.
    // The JIT compiles this once per vector type (they are structs), with the vectors in registers.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Run<V>(long iterations, float seed) where V : struct, ILanes<V>
    {
        V m = V.Create(0.999999f), c = V.Create(1e-6f);
        V a0 = V.Create(seed), a1 = V.Add(a0, c), a2 = V.Add(a1, c), a3 = V.Add(a2, c), a4 = V.Add(a3, c), a5 = V.Add(a4, c);
        V a6 = V.Add(a5, c), a7 = V.Add(a6, c), a8 = V.Add(a7, c), a9 = V.Add(a8, c), a10 = V.Add(a9, c), a11 = V.Add(a10, c);
        for (long i = 0; i < iterations; i++)
        {
            a0 = V.Fma(a0, m, c); a1 = V.Fma(a1, m, c); a2 = V.Fma(a2, m, c); a3 = V.Fma(a3, m, c);
            a4 = V.Fma(a4, m, c); a5 = V.Fma(a5, m, c); a6 = V.Fma(a6, m, c); a7 = V.Fma(a7, m, c);
            a8 = V.Fma(a8, m, c); a9 = V.Fma(a9, m, c); a10 = V.Fma(a10, m, c); a11 = V.Fma(a11, m, c);
        }
        V sum = V.Add(V.Add(V.Add(V.Add(a0, a1), V.Add(a2, a3)), V.Add(V.Add(a4, a5), V.Add(a6, a7))),
                      V.Add(V.Add(a8, a9), V.Add(a10, a11)));
        return V.Sum(sum);
    }

    /// <summary>The vector operations the loop needs, for one vector width.</summary>
    private interface ILanes<V> where V : struct, ILanes<V>
    {
        static abstract V Create(float value);
        static abstract V Add(V a, V b);
        static abstract V Fma(V a, V b, V c);
        static abstract float Sum(V a);
    }

    private readonly struct Lanes512(Vector512<float> v) : ILanes<Lanes512>
    {
        private readonly Vector512<float> _v = v;
        public static Lanes512 Create(float value) => new(Vector512.Create(value));
        public static Lanes512 Add(Lanes512 a, Lanes512 b) => new(a._v + b._v);
        public static Lanes512 Fma(Lanes512 a, Lanes512 b, Lanes512 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));
        public static float Sum(Lanes512 a) => Vector512.Sum(a._v);
    }

    private readonly struct Lanes256(Vector256<float> v) : ILanes<Lanes256>
    {
        private readonly Vector256<float> _v = v;
        public static Lanes256 Create(float value) => new(Vector256.Create(value));
        public static Lanes256 Add(Lanes256 a, Lanes256 b) => new(a._v + b._v);
        public static Lanes256 Fma(Lanes256 a, Lanes256 b, Lanes256 c) => new(Vector256.FusedMultiplyAdd(a._v, b._v, c._v));
        public static float Sum(Lanes256 a) => Vector256.Sum(a._v);
    }
}
