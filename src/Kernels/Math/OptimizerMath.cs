namespace IlgpuVae.Kernels.Math;

/// <summary>
/// One optimizer update of one parameter, in the operation order of docs/kernels.md ("Optimizer updates").
/// The device kernel runs it per parameter; the CPU runs a lane-wise identical vector form and this for tails.
/// </summary>
public static class OptimizerMath
{
    /// <summary>
    /// Updates <paramref name="theta"/> and the rule's state from <paramref name="gradient"/>: first
    /// g = fma(λ, θ, gradient) (weight decay), then Adagrad, RMSProp, Adam or SGD with momentum.
    /// <paramref name="state1"/> is read and written by Adam only.
    /// </summary>
    public static void Update(ref float theta, float gradient, ref float state0, ref float state1, in OptimizerScalars s)
    {
        float g = MathF.FusedMultiplyAdd(s.WeightDecay, theta, gradient);
        if (s.Kind == OptimizerKind.Adagrad)
        {
            float h = MathF.FusedMultiplyAdd(g, g, state0);
            state0 = h;
            float den = MathF.Sqrt(h) + s.Epsilon;
            float u = s.LearningRate * g;
            u = u / den;
            theta = theta - u;
        }
        else if (s.Kind == OptimizerKind.RmsProp)
        {
            float a = s.OneMinusBeta1 * g;
            a = a * g;
            float h = MathF.FusedMultiplyAdd(s.Beta1, state0, a);
            state0 = h;
            float den = MathF.Sqrt(h) + s.Epsilon;
            float u = s.LearningRate * g;
            u = u / den;
            theta = theta - u;
        }
        else if (s.Kind == OptimizerKind.Adam)
        {
            float m = MathF.FusedMultiplyAdd(s.Beta1, state0, s.OneMinusBeta1 * g);
            float a = s.OneMinusBeta2 * g;
            a = a * g;
            float v = MathF.FusedMultiplyAdd(s.Beta2, state1, a);
            state0 = m;
            state1 = v;
            float vh = v * s.SecondMomentScale;
            float den = MathF.Sqrt(vh) + s.Epsilon;
            float u = s.StepSize * m;
            u = u / den;
            theta = theta - u;
        }
        else
        {
            float v = MathF.FusedMultiplyAdd(s.Beta1, state0, g);
            state0 = v;
            float u = s.LearningRate * v;
            theta = theta - u;
        }
    }
}
