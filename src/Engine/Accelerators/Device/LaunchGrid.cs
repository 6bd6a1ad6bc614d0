namespace IlgpuVae.Engine.Accelerators.Device;

/// <summary>
/// A two-dimensional extent of a launch: a count of groups (CUDA blocks) or of threads per group.
/// OpenCL's global size is the product of the two; CUDA's grid and block are the two as they are.
/// </summary>
/// <param name="X">Extent along x (the fastest-varying thread index).</param>
/// <param name="Y">Extent along y.</param>
internal readonly record struct LaunchGrid(int X, int Y = 1)
{
    /// <summary>X·Y.</summary>
    public long Count => (long)X * Y;

    /// <summary>The number of groups of <paramref name="groupSize"/> that cover <paramref name="items"/> items.</summary>
    public static int Cover(long items, int groupSize) => checked((int)((items + groupSize - 1) / groupSize));
}
