using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Engine.Verification;

/// <summary>
/// Deterministic test inputs for the checks: a seeded generator (the same seed gives the same arrays
/// in one process, which is all a comparison of two accelerators needs) and the edge values the
/// kernels must agree on.
/// </summary>
internal sealed class TestValues(int seed)
{
    private readonly Random _random = new(seed);

    /// <summary>n draws from N(mean, sd²).</summary>
    public float[] Normal(long n, float sd, float mean = 0f)
    {
        var v = new float[n];
        for (long i = 0; i < n; i++)
        {
            double u1 = 1.0 - _random.NextDouble(), u2 = _random.NextDouble();
            v[i] = mean + sd * (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }
        return v;
    }

    /// <summary>n draws from U[lo, hi).</summary>
    public float[] Uniform(long n, float lo, float hi)
    {
        var v = new float[n];
        for (long i = 0; i < n; i++) v[i] = lo + (hi - lo) * _random.NextSingle();
        return v;
    }

    /// <summary>n values picked at random from <paramref name="choices"/>.</summary>
    public float[] Pick(long n, params float[] choices)
    {
        var v = new float[n];
        for (long i = 0; i < n; i++) v[i] = choices[_random.Next(choices.Length)];
        return v;
    }

    /// <summary>Grey levels b/255 as the gather kernel makes them.</summary>
    public float[] Grey(long n)
    {
        var v = new float[n];
        for (long i = 0; i < n; i++) v[i] = (float)_random.Next(256) / 255f;
        return v;
    }

    /// <summary>Random bytes with the binarization thresholds (0, 127, 128, 255) over-represented.</summary>
    public byte[] Bytes(long n)
    {
        var v = new byte[n];
        byte[] edges = [0, 127, 128, 255];
        for (long i = 0; i < n; i++) v[i] = _random.Next(4) == 0 ? edges[_random.Next(4)] : (byte)_random.Next(256);
        return v;
    }

    /// <summary>A random permutation of 0 … n−1.</summary>
    public int[] Permutation(int n)
    {
        var v = Enumerable.Range(0, n).ToArray();
        _random.Shuffle(v);
        return v;
    }

    /// <summary>Stored tanh outputs: tanh of N(0, 4), with exact −1, 0 and 1 mixed in.</summary>
    public float[] TanhOutputs(long n)
    {
        var v = Normal(n, 2f);
        for (long i = 0; i < n; i++) v[i] = i % 11 == 0 ? (i % 3 == 0 ? 1f : i % 3 == 1 ? -1f : 0f) : DeterministicMath.Tanh(v[i]);
        return v;
    }

    /// <summary>Stored sigmoid outputs: sigmoid of N(0, 9), with exact 0, ½ and 1 mixed in.</summary>
    public float[] SigmoidOutputs(long n)
    {
        var v = Normal(n, 3f);
        for (long i = 0; i < n; i++) v[i] = i % 11 == 0 ? (i % 3 == 0 ? 1f : i % 3 == 1 ? 0f : 0.5f) : DeterministicMath.Sigmoid(v[i]);
        return v;
    }

    /// <summary>Alternating +0 and −0.</summary>
    public static float[] SignedZeros(long n)
    {
        var v = new float[n];
        for (long i = 0; i < n; i++) v[i] = i % 2 == 0 ? 0f : -0f;
        return v;
    }
}
