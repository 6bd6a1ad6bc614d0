namespace IlgpuVae.Engine.Benchmarking;

/// <summary>One kernel launch to time: a kernel of the engine at one shape and batch size, and the work one launch does.</summary>
/// <param name="Kernel">The kernel's name in the engine (IKernels), e.g. "LinearForward".</param>
/// <param name="Shape">The layer as inputs×outputs for the matrix kernels ("784x500"), else what sets its work ("latent 20", "adam, 815824 params").</param>
/// <param name="Batch">Minibatch rows.</param>
/// <param name="Flops">Floating-point operations per launch (2 per multiply-add) for the matrix kernels; null for the others.</param>
/// <param name="Bytes">Compulsory memory traffic per launch for the other kernels; null for the matrix kernels.</param>
/// <param name="Launch">Queues one launch on the accelerator the case was built for; does not wait.</param>
internal sealed record KernelCase(string Kernel, string Shape, int Batch, double? Flops, double? Bytes, Action Launch);
