namespace IlgpuVae.Kernels.Math;

/// <summary>The value a pixel byte has for the model (contract in docs/kernels.md, "Minibatch gather").</summary>
public static class PixelMath
{
    /// <summary>
    /// Pixel byte <paramref name="b"/> of minibatch element <paramref name="element"/> (= r·pixels + p):
    /// b/255 (grey levels), b ≥ 128 (threshold), or a Bernoulli draw with probability b/255 from word
    /// element &amp; 3 of the Philox block at counter (element &gt;&gt; 2, stream, position) — one Philox call
    /// serves four consecutive elements.
    /// </summary>
    public static float Value(byte b, Binarization binarization, uint element, RandomKey key)
    {
        if (binarization == Binarization.Threshold) return b >= 128 ? 1f : 0f;
        // (int)b: C# converts an unsigned byte to float by way of double (conv.r.un), which device code would
        // carry as a double; through int it is one exact conversion.
        float grey = (float)(int)b / 255f;
        if (binarization == Binarization.Dynamic)
        {
            var (x0, x1, x2, x3) = Philox4x32.Generate(element >> 2, key.Stream, key.C2, key.C3, key.K0, key.K1);
            uint lane = element & 3u;
            uint word = lane == 0u ? x0 : lane == 1u ? x1 : lane == 2u ? x2 : x3;
            return Philox4x32.ToUniform(word) < grey ? 1f : 0f;
        }
        return grey;
    }
}
