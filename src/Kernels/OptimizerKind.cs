namespace IlgpuVae.Kernels;

/// <summary>The parameter update rule.</summary>
public enum OptimizerKind
{
    /// <summary>Adagrad (the paper's choice): one state slot h (sum of squared gradients).</summary>
    Adagrad = 0,
    /// <summary>RMSProp: one state slot h (running mean of squared gradients).</summary>
    RmsProp = 1,
    /// <summary>Adam: two state slots m and v.</summary>
    Adam = 2,
    /// <summary>SGD with (heavy-ball) momentum: one state slot v.</summary>
    SgdMomentum = 3,
}

/// <summary>Helpers about <see cref="OptimizerKind"/>.</summary>
public static class OptimizerKindExtensions
{
    /// <summary>Number of state values the optimizer keeps per parameter.</summary>
    public static int StateSlots(this OptimizerKind kind) => kind == OptimizerKind.Adam ? 2 : 1;
}
