using System.Runtime.InteropServices;

namespace IlgpuVae.Engine.Accelerators.Device;

/// <summary>What a <see cref="KernelArg"/> holds.</summary>
internal enum KernelArgKind
{
    /// <summary>A device buffer and an element offset into it.</summary>
    Buffer,
    /// <summary>A 32-bit signed integer.</summary>
    Int,
    /// <summary>A 32-bit unsigned integer.</summary>
    UInt,
    /// <summary>A 32-bit float.</summary>
    Float,
}

/// <summary>
/// One argument of a device kernel launch. A <see cref="KernelArgKind.Buffer"/> argument fills two
/// consecutive kernel parameters, the memory and then its element offset as an <c>int</c>
/// (<c>GLOBAL float* x, int x_off</c>): offsets are not applied on the host because OpenCL sub-buffers
/// must be aligned to the device's base alignment, which an arbitrary view is not.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal readonly struct KernelArg
{
    private KernelArg(KernelArgKind kind, IDeviceMemory? memory, int offset, uint bits)
    {
        Kind = kind;
        Memory = memory;
        Offset = offset;
        Bits = bits;
    }

    /// <summary>What the argument holds.</summary>
    public KernelArgKind Kind { get; }

    /// <summary>The buffer (<see cref="KernelArgKind.Buffer"/> only).</summary>
    public IDeviceMemory? Memory { get; }

    /// <summary>The element offset into <see cref="Memory"/> (<see cref="KernelArgKind.Buffer"/> only).</summary>
    public int Offset { get; }

    /// <summary>The 32 bits of an int, uint or float argument, as the kernel receives them.</summary>
    public uint Bits { get; }

    /// <summary>A buffer argument: the memory and an element offset.</summary>
    public static KernelArg Buffer(IDeviceMemory memory, int offset)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        return new KernelArg(KernelArgKind.Buffer, memory, offset, 0);
    }

    /// <summary>An <c>int</c> argument.</summary>
    public static KernelArg Int(int value) => new(KernelArgKind.Int, null, 0, unchecked((uint)value));

    /// <summary>A <c>uint</c> argument.</summary>
    public static KernelArg UInt(uint value) => new(KernelArgKind.UInt, null, 0, value);

    /// <summary>A <c>float</c> argument (its bits are passed unchanged).</summary>
    public static KernelArg Float(float value) => new(KernelArgKind.Float, null, 0, BitConverter.SingleToUInt32Bits(value));

    /// <summary>An int argument.</summary>
    public static implicit operator KernelArg(int value) => Int(value);

    /// <summary>A uint argument.</summary>
    public static implicit operator KernelArg(uint value) => UInt(value);

    /// <summary>A float argument.</summary>
    public static implicit operator KernelArg(float value) => Float(value);

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        KernelArgKind.Buffer => $"buffer+{Offset}",
        KernelArgKind.Int => unchecked((int)Bits).ToString(System.Globalization.CultureInfo.InvariantCulture),
        KernelArgKind.UInt => Bits.ToString(System.Globalization.CultureInfo.InvariantCulture) + "u",
        _ => BitConverter.UInt32BitsToSingle(Bits).ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "f",
    };
}
