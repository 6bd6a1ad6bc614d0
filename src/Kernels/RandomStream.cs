namespace IlgpuVae.Kernels;

/// <summary>
/// The Philox counter layout every random draw of the engine uses. A draw is keyed by
/// key = (seed low word, seed high word) and counter = (element, stream, position low, position high):
/// the element index inside the tensor being filled, one of the fixed stream numbers below, and a
/// 64-bit position (the training step, the epoch, or zero). Thread ids never enter a counter, so the
/// numbers do not depend on the accelerator, the thread count or the launch geometry.
/// </summary>
public static class RandomStream
{
    /// <summary>ε of the reparameterization during training; position = global step.</summary>
    public const uint TrainNoise = 0;
    /// <summary>Dynamic binarization of training inputs; position = global step.</summary>
    public const uint Binarize = 1;
    /// <summary>ε during evaluation; element = absolute datapoint row, position = 0 (the same model always gets the same estimate).</summary>
    public const uint EvalNoise = 2;
    /// <summary>Per-epoch shuffle of the training set (host side); position = epoch.</summary>
    public const uint Shuffle = 3;
    /// <summary>Parameter initialisation (host side); element = parameter index, position = 0.</summary>
    public const uint Init = 4;
    /// <summary>Dynamic binarization during evaluation; position = 0.</summary>
    public const uint EvalBinarize = 5;
    /// <summary>Draws of z from the prior N(0, I) when sampling from a model (host side); element = sample·latent + unit, position = 0.</summary>
    public const uint Prior = 6;
    /// <summary>ε of the importance-sampling estimate of log p(x); element = sample·latent + unit, position = absolute datapoint index.</summary>
    public const uint ImportanceNoise = 7;
}

/// <summary>Where a kernel's random draws come from: the seed, the stream and the 64-bit position.</summary>
/// <param name="Seed">The run's seed (the Philox key).</param>
/// <param name="Stream">One of the <see cref="RandomStream"/> numbers.</param>
/// <param name="Position">The step, epoch or zero, as the stream defines.</param>
public readonly record struct RandomKey(ulong Seed, uint Stream, ulong Position)
{
    /// <summary>Key word 0 (low half of the seed).</summary>
    public uint K0 => (uint)Seed;
    /// <summary>Key word 1 (high half of the seed).</summary>
    public uint K1 => (uint)(Seed >> 32);
    /// <summary>Counter word 2 (low half of the position).</summary>
    public uint C2 => (uint)Position;
    /// <summary>Counter word 3 (high half of the position).</summary>
    public uint C3 => (uint)(Position >> 32);
}
