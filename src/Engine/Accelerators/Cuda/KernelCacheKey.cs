using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// Everything a compiled kernel image depends on, hashed into the name of its cache entry: change any
/// part and the image is compiled afresh instead of reused. Plain strings, so the cache knows nothing
/// about CUDA (an OpenCL program binary could be keyed the same way).
/// </summary>
/// <param name="Source">The complete program text.</param>
/// <param name="Options">The compiler options, in order.</param>
/// <param name="CompilerVersion">The compiler's version, e.g. "NVRTC 13.0".</param>
/// <param name="Architecture">The code's target, e.g. "sm_90" or "compute_120".</param>
/// <param name="EngineVersion">The engine build (its informational version), so a new build never trusts an old build's images.</param>
internal sealed record KernelCacheKey(string Source, IReadOnlyList<string> Options, string CompilerVersion, string Architecture, string EngineVersion)
{
    /// <summary>
    /// SHA-256 over the components, each preceded by its name and byte length, so that no two different
    /// keys can produce the same byte stream (moving text from one component into its neighbour changes the hash).
    /// </summary>
    public byte[] Hash()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Add(sha, "source", Source);
        Add(sha, "options", Options.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var option in Options) Add(sha, "option", option);
        Add(sha, "compiler", CompilerVersion);
        Add(sha, "architecture", Architecture);
        Add(sha, "engine", EngineVersion);
        return sha.GetHashAndReset();
    }

    /// <summary><see cref="Hash"/> as 64 lower-case hex digits (the entry's file name).</summary>
    public string HashText() => Convert.ToHexStringLower(Hash());

    private static void Add(IncrementalHash sha, string name, string value)
    {
        Span<byte> length = stackalloc byte[8];
        foreach (var part in new[] { Encoding.UTF8.GetBytes(name), Encoding.UTF8.GetBytes(value) })
        {
            BinaryPrimitives.WriteInt64LittleEndian(length, part.Length);
            sha.AppendData(length);
            sha.AppendData(part);
        }
    }
}
