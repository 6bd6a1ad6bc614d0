using ILGPU;
using ILGPU.Runtime;
using IlgpuVae.Engine.Accelerators.Ilgpu;
using IlgpuVae.Engine.Accelerators.Ilgpu.Exact;
using IlgpuVae.Kernels.Math;
using NUnit.Framework;

namespace IlgpuVae.Tests.Device;

/// <summary>
/// The engine's transcendentals exist once, in C#: compiled by ILGPU into a device kernel they give the bits
/// that .NET gives on the host, for every function and a quarter million inputs (special values, subnormals,
/// the saturation edges, and random bit patterns), on every ILGPU family.
/// </summary>
[TestFixture]
public sealed class DeterministicMathDeviceTests
{
    private const int Functions = 8;

    /// <summary>Every function of <see cref="DeterministicMath"/> at input i, into r[i·8 …].</summary>
    public static void AllFunctions(ArrayView<float> x, ArrayView<float> r, int count)
    {
        int i = Grid.GlobalIndex.X;
        if (i >= count) return;
        float a = x[i];
        DeterministicMath.SinCosTwoPi(a, out float sin, out float cos);
        r[i * Functions] = DeterministicMath.Exp(a);
        r[i * Functions + 1] = DeterministicMath.Log(a);
        r[i * Functions + 2] = DeterministicMath.Log1p(a);
        r[i * Functions + 3] = DeterministicMath.Tanh(a);
        r[i * Functions + 4] = DeterministicMath.Sigmoid(a);
        r[i * Functions + 5] = DeterministicMath.Softplus(a);
        r[i * Functions + 6] = sin;
        r[i * Functions + 7] = cos;
    }

    private static float[] Inputs()
    {
        var special = new[]
        {
            0f, -0f, 1f, -1f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, float.PositiveInfinity,
            float.NegativeInfinity, float.NaN, 1e-38f, 1.17549435e-38f, 0.55f, 9.1f, -9.1f, 88.72283f, 88.72284f,
            -103.97208f, -103.97209f, 2f, 0.41421354f, -0.29289323f, 0.5f, 0.25f, 0.75f, 1e-8f, -1e-8f,
        };
        var random = new Random(20261129);
        var inputs = new float[1 << 15];
        special.CopyTo(inputs, 0);
        for (int i = special.Length; i < inputs.Length; i++)
        {
            // Half uniform bit patterns (every exponent), half values where the functions change regime.
            inputs[i] = i % 2 == 0
                ? BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31))
                : (float)(random.NextDouble() * 40 - 20);
        }
        return inputs;
    }

    [TestCaseSource(typeof(DeviceAccelerators), nameof(DeviceAccelerators.Families))]
    public void DeviceBitsEqualHostBits(string family)
    {
        var device = (IlgpuAccelerator)DeviceAccelerators.Require(family);
        var accelerator = device.Device.Accelerator;
        var launch = ExactCompilation.Load(accelerator, typeof(DeterministicMathDeviceTests).GetMethod(nameof(AllFunctions))!,
            device.Device.GenericAddressSpace).CreateLauncherDelegate<Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, int>>();
        var x = Inputs();
        using var input = accelerator.Allocate1D(x);
        using var output = accelerator.Allocate1D<float>(x.Length * Functions);
        int group = device.Device.Geometry.ElementThreads;
        launch(accelerator.DefaultStream, new KernelConfig((x.Length + group - 1) / group, group), input.View, output.View, x.Length);
        accelerator.Synchronize();
        var got = output.GetAsArray1D();

        string[] names = ["Exp", "Log", "Log1p", "Tanh", "Sigmoid", "Softplus", "SinCosTwoPi.sin", "SinCosTwoPi.cos"];
        var differences = new List<string>();
        for (int i = 0; i < x.Length; i++)
        {
            DeterministicMath.SinCosTwoPi(x[i], out float sin, out float cos);
            float[] expected = [DeterministicMath.Exp(x[i]), DeterministicMath.Log(x[i]), DeterministicMath.Log1p(x[i]), DeterministicMath.Tanh(x[i]),
                DeterministicMath.Sigmoid(x[i]), DeterministicMath.Softplus(x[i]), sin, cos];
            for (int f = 0; f < Functions; f++)
            {
                uint e = BitConverter.SingleToUInt32Bits(expected[f]), g = BitConverter.SingleToUInt32Bits(got[i * Functions + f]);
                if (e != g && differences.Count < 10) differences.Add($"{names[f]}({x[i]:R} = 0x{BitConverter.SingleToUInt32Bits(x[i]):X8}): host 0x{e:X8}, device 0x{g:X8}");
            }
        }
        Assert.That(differences, Is.Empty, $"{family} differs from the host");
    }
}
