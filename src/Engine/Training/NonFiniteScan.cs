using System.Numerics;
using System.Runtime.InteropServices;
using IlgpuVae.Engine.Model;

namespace IlgpuVae.Engine.Training;

/// <summary>
/// Finds NaN and infinite values on the host and names where they are. Training does not check
/// every step (that would cost a host round trip per step on a GPU); it checks the minibatch ELBOs
/// when it reads them anyway (progress reports, epoch ends) and every value of a state before it is
/// saved. When something is non-finite, this class locates it by tensor, using the
/// <see cref="ParameterTensors"/> names.
/// </summary>
internal static class NonFiniteScan
{
    /// <summary>The index of the first NaN or infinity in <paramref name="values"/>, or −1.</summary>
    public static long FirstNonFinite(ReadOnlySpan<float> values)
    {
        // A float is non-finite exactly when its exponent bits are all ones; checking that on whole
        // vectors keeps a scan of the paper's model (under a million values) well under a millisecond.
        var bits = MemoryMarshal.Cast<float, int>(values);
        var exponent = new Vector<int>(0x7F800000);
        int i = 0;
        for (; i <= bits.Length - Vector<int>.Count; i += Vector<int>.Count)
            if (Vector.EqualsAny(new Vector<int>(bits[i..]) & exponent, exponent)) break;
        for (; i < bits.Length; i++)
            if ((bits[i] & 0x7F800000) == 0x7F800000) return i;
        return -1;
    }

    /// <summary>
    /// Describes the first non-finite value of a parameter-shaped vector, e.g.
    /// "gradient in decoder.output.weight[3, 17] = NaN", or null when every value is finite.
    /// </summary>
    /// <param name="layout">The layout of the vector.</param>
    /// <param name="values">Parameters, gradients or an optimizer state slot.</param>
    /// <param name="what">What the vector is ("parameter", "gradient", "optimizer state").</param>
    public static string? Locate(ParameterLayout layout, ReadOnlySpan<float> values, string what)
    {
        long index = FirstNonFinite(values);
        if (index < 0) return null;
        var tensor = ParameterTensors.At(ParameterTensors.Of(layout), index);
        return $"{what} in {tensor.Name}{tensor.Position(index - tensor.Offset)} = {Format(values[(int)index])}";
    }

    /// <summary>
    /// What is non-finite in a state about to be saved — its epoch's minibatch ELBOs, parameters or
    /// optimizer state — as one phrase, or null when everything is finite.
    /// </summary>
    public static string? Describe(TrainingState state)
    {
        long elbo = FirstNonFinite(state.EpochStepElbos);
        if (elbo >= 0)
        {
            long step = state.Step - state.StepInEpoch + elbo + 1;
            return $"step {step}: non-finite loss (minibatch ELBO {Format(state.EpochStepElbos[(int)elbo])})";
        }
        var layout = new ParameterLayout(state.Model);
        string? found = Locate(layout, state.Parameters, "parameter")
            ?? Locate(layout, state.OptimizerState0, "optimizer state")
            ?? (state.OptimizerState1 is { } s1 ? Locate(layout, s1, "second optimizer state") : null);
        if (found is not null) return $"step {state.Step}: non-finite {found}";
        if (!float.IsFinite(state.Beta1Power) || !float.IsFinite(state.Beta2Power))
            return $"step {state.Step}: non-finite optimizer β powers ({state.Beta1Power}, {state.Beta2Power})";
        return null;
    }

    /// <summary>NaN, +inf, −inf or the number.</summary>
    public static string Format(float value) =>
        float.IsNaN(value) ? "NaN" : float.IsPositiveInfinity(value) ? "+inf" : float.IsNegativeInfinity(value) ? "-inf"
        : value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
