using System.Runtime.Intrinsics;
using IlgpuVae.Kernels.Math;
using NUnit.Framework;

namespace IlgpuVae.Tests.Kernels;

/// <summary>The 16-lane math must return the scalar functions' bits for every input, special values included.</summary>
[TestFixture]
public sealed class VectorMathTests
{
    private static IEnumerable<float> Inputs()
    {
        float[] special =
        [
            0f, -0f, 1f, -1f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.Epsilon, -float.Epsilon,
            1e-38f, 1.1754944e-38f, 88.72283f, 88.7229f, -103.97208f, -103.98f, -87.3f, -88f, 0.55f, 0.5499999f, 9.1f, 9.0999f,
            -0.99999994f, -1.0000001f, 1e-8f, -1e-8f, 2.9802322e-8f, 100f, -100f, 30f, -30f, float.MaxValue, float.MinValue,
        ];
        foreach (var v in special) yield return v;
        // Random bit patterns cover every exponent, subnormals, NaNs with payloads.
        uint state = 12345;
        for (int i = 0; i < 200_000; i++)
        {
            state = state * 1664525 + 1013904223;
            yield return BitConverter.UInt32BitsToSingle(state);
        }
        // Dense sweep of the ranges the model uses.
        for (float x = -40f; x <= 40f; x += 0.000731f) yield return x;
    }

    private static void Compare(string name, Func<float, float> scalar, Func<Vector512<float>, Vector512<float>> vector)
    {
        var inputs = Inputs().ToArray();
        var lanes = new float[16];
        for (int i = 0; i + 16 <= inputs.Length; i += 16)
        {
            vector(Vector512.Create(inputs.AsSpan(i, 16))).CopyTo(lanes);
            for (int j = 0; j < 16; j++)
            {
                float x = inputs[i + j], expected = scalar(x);
                uint e = BitConverter.SingleToUInt32Bits(expected), a = BitConverter.SingleToUInt32Bits(lanes[j]);
                if (e != a)
                    Assert.Fail($"{name}({x:R} = 0x{BitConverter.SingleToUInt32Bits(x):x8}): scalar {expected:R} (0x{e:x8}), vector {lanes[j]:R} (0x{a:x8})");
            }
        }
    }

    [Test] public void Exp() => Compare("exp", DeterministicMath.Exp, DeterministicMathVector.Exp);
    [Test] public void Log1p() => Compare("log1p", DeterministicMath.Log1p, DeterministicMathVector.Log1p);
    [Test] public void Tanh() => Compare("tanh", DeterministicMath.Tanh, DeterministicMathVector.Tanh);
    [Test] public void Sigmoid() => Compare("sigmoid", DeterministicMath.Sigmoid, DeterministicMathVector.Sigmoid);
}
