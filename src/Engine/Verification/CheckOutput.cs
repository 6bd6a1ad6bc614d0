namespace IlgpuVae.Engine.Verification;

/// <summary>
/// One array a check produced on one accelerator, under a name that says where it came from
/// (e.g. "rows 67, 37→45/y"). Float outputs are compared bit for bit; double outputs (host-side
/// totals such as an epoch's mean ELBO) likewise.
/// </summary>
/// <param name="Name">Scenario and output name.</param>
/// <param name="Floats">Float values, or null.</param>
/// <param name="Doubles">Double values, or null.</param>
internal sealed record CheckOutput(string Name, float[]? Floats, double[]? Doubles)
{
    /// <summary>A float output.</summary>
    public static CheckOutput Of(string name, float[] values) => new(name, values, null);

    /// <summary>A double output.</summary>
    public static CheckOutput Of(string name, params double[] values) => new(name, null, values);

    /// <summary>Number of elements.</summary>
    public int Count => Floats?.Length ?? Doubles?.Length ?? 0;
}
