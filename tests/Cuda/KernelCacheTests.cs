using IlgpuVae.Engine.Accelerators.Cuda;
using NUnit.Framework;

namespace IlgpuVae.Tests.Cuda;

/// <summary>
/// The on-disk kernel cache, without a GPU: hits and misses, a key that changes with every component,
/// entries that are corrupted, truncated or filed under the wrong key being rejected (and rewritten),
/// concurrent writers and readers, an unwritable directory, and where the cache lives by default.
/// </summary>
[TestFixture]
public sealed class KernelCacheTests
{
    private string _dir = "";

    private static readonly KernelCacheKey Key = new("KERNEL void k() {}", ["--gpu-architecture=sm_90", "--fmad=false"], "NVRTC 13.0", "sm_90", "0.1.0+abc");

    [SetUp]
    public void CreateDirectory() => _dir = Path.Combine(Path.GetTempPath(), "ilgpuvae-kcache-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void RemoveDirectory()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static byte[] Payload(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Test]
    public void AMissingEntryIsAMiss()
    {
        var cache = new KernelCache(_dir);
        Assert.That(cache.TryLoad(Key, out string why), Is.Null);
        Assert.That(why, Is.EqualTo("missing"));
    }

    [Test]
    public void AStoredEntryIsAHit()
    {
        var cache = new KernelCache(_dir);
        var payload = Payload(5000);
        Assert.That(cache.TryStore(Key, payload), Is.True);
        Assert.That(cache.TryLoad(Key), Is.EqualTo(payload));
        Assert.That(new KernelCache(_dir).TryLoad(Key), Is.EqualTo(payload), "another instance (another process) sees it too");
        Assert.That(Path.GetFileName(cache.PathOf(Key)), Is.EqualTo(Key.HashText() + ".kernel"));
    }

    [Test]
    public void GetOrCreateCompilesOnlyOnAMiss()
    {
        var cache = new KernelCache(_dir);
        int compiles = 0;
        var first = cache.GetOrCreate(Key, () => { compiles++; return Payload(100); }, out bool hit1);
        var second = cache.GetOrCreate(Key, () => { compiles++; return Payload(100, 2); }, out bool hit2);
        Assert.That((hit1, hit2, compiles), Is.EqualTo((false, true, 1)));
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void AnEmptyPayloadRoundTrips()
    {
        var cache = new KernelCache(_dir);
        Assert.That(cache.TryStore(Key, []), Is.True);
        Assert.That(cache.TryLoad(Key), Is.Empty);
    }

    [Test]
    public void TheKeyChangesWithEachComponent()
    {
        var variants = new[]
        {
            Key,
            Key with { Source = Key.Source + " " },
            Key with { Options = ["--gpu-architecture=sm_90", "--fmad=false", "--ftz=false"] },
            Key with { Options = ["--fmad=false", "--gpu-architecture=sm_90"] },
            Key with { CompilerVersion = "NVRTC 13.1" },
            Key with { Architecture = "compute_90" },
            Key with { EngineVersion = "0.1.0+abd" },
        };
        Assert.That(variants.Select(k => k.HashText()).Distinct().Count(), Is.EqualTo(variants.Length));
        Assert.That((Key with { Options = [.. Key.Options] }).HashText(), Is.EqualTo(Key.HashText()), "equal components, equal key");
    }

    [Test]
    public void ComponentBoundariesArePartOfTheKey()
    {
        var a = Key with { Options = ["ab", "c"] };
        var b = Key with { Options = ["a", "bc"] };
        var c = Key with { Source = "x", CompilerVersion = "yz" };
        var d = Key with { Source = "xy", CompilerVersion = "z" };
        Assert.That(a.HashText(), Is.Not.EqualTo(b.HashText()));
        Assert.That(c.HashText(), Is.Not.EqualTo(d.HashText()));
    }

    [Test]
    public void ACorruptedEntryIsRejectedAndRewritten()
    {
        var cache = new KernelCache(_dir);
        var payload = Payload(4096);
        cache.TryStore(Key, payload);
        var file = File.ReadAllBytes(cache.PathOf(Key));
        file[^100] ^= 0x01;
        File.WriteAllBytes(cache.PathOf(Key), file);

        Assert.That(cache.TryLoad(Key, out string why), Is.Null, "a corrupted entry is never used");
        Assert.That(why, Does.Contain("checksum"));

        var again = cache.GetOrCreate(Key, () => payload, out bool hit);
        Assert.That(hit, Is.False);
        Assert.That(again, Is.EqualTo(payload));
        Assert.That(cache.TryLoad(Key), Is.EqualTo(payload), "rewritten");
    }

    [TestCase(10, TestName = "TruncatedInsideTheHeaderIsRejected")]
    [TestCase(84, TestName = "TruncatedRightAfterTheHeaderIsRejected")]
    [TestCase(2000, TestName = "TruncatedInsideThePayloadIsRejected")]
    public void ATruncatedEntryIsRejected(int keep)
    {
        var cache = new KernelCache(_dir);
        cache.TryStore(Key, Payload(4096));
        var file = File.ReadAllBytes(cache.PathOf(Key));
        File.WriteAllBytes(cache.PathOf(Key), file[..keep]);
        Assert.That(cache.TryLoad(Key, out string why), Is.Null);
        Assert.That(why, Does.StartWith("truncated"));
    }

    [Test]
    public void AnEntryWithExtraBytesIsRejected()
    {
        var cache = new KernelCache(_dir);
        cache.TryStore(Key, Payload(64));
        File.AppendAllText(cache.PathOf(Key), "x");
        Assert.That(cache.TryLoad(Key, out string why), Is.Null);
        Assert.That(why, Does.Contain("padded"));
    }

    [Test]
    public void AnEntryOfAnotherKeyIsRejected()
    {
        var cache = new KernelCache(_dir);
        var other = Key with { Architecture = "sm_80" };
        cache.TryStore(other, Payload(64));
        File.Copy(cache.PathOf(other), cache.PathOf(Key));
        Assert.That(cache.TryLoad(Key, out string why), Is.Null);
        Assert.That(why, Is.EqualTo("holds another key"));
    }

    [Test]
    public void AFileThatIsNoEntryIsRejected()
    {
        var cache = new KernelCache(_dir);
        Directory.CreateDirectory(_dir);
        File.WriteAllBytes(cache.PathOf(Key), Payload(200));
        Assert.That(cache.TryLoad(Key, out string why), Is.Null);
        Assert.That(why, Does.Contain("magic"));
    }

    [Test]
    public void ConcurrentWritersAndReadersNeverSeeAPartialEntry()
    {
        var payload = Payload(256 * 1024);
        var other = Key with { Source = "second program" };
        var otherPayload = Payload(3000, 7);
        var problems = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var done = new CancellationTokenSource();

        // Writers and readers each use their own cache instance, as separate processes would.
        var writers = Enumerable.Range(0, 6).Select(w => Task.Run(() =>
        {
            var cache = new KernelCache(_dir);
            for (int i = 0; i < 30; i++)
            {
                if (!cache.TryStore(w % 2 == 0 ? Key : other, w % 2 == 0 ? payload : otherPayload)) problems.Add("a store failed");
                var got = cache.GetOrCreate(Key, () => payload, out _);
                if (!got.AsSpan().SequenceEqual(payload)) problems.Add("GetOrCreate returned other bytes");
            }
        })).ToArray();
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            var cache = new KernelCache(_dir);
            while (!done.IsCancellationRequested)
            {
                var got = cache.TryLoad(Key, out string why);
                if (got is null && why != "missing") problems.Add("reader saw a broken entry: " + why);
                if (got is not null && !got.AsSpan().SequenceEqual(payload)) problems.Add("reader saw other bytes");
            }
        })).ToArray();

        Task.WaitAll(writers);
        done.Cancel();
        Task.WaitAll(readers);

        Assert.That(problems, Is.Empty);
        Assert.That(new KernelCache(_dir).TryLoad(Key), Is.EqualTo(payload));
        Assert.That(new KernelCache(_dir).TryLoad(other), Is.EqualTo(otherPayload));
        Assert.That(Directory.GetFiles(_dir).Select(Path.GetFileName), Has.None.EndsWith(".tmp"), "no temporary file is left behind");
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(2));
    }

    [Test]
    public void AnUnwritableCacheIsSkippedNotFatal()
    {
        // A regular file where the directory should be: nothing can be created under it.
        File.WriteAllText(_dir, "in the way");
        try
        {
            var cache = new KernelCache(Path.Combine(_dir, "kernels"));
            Assert.That(cache.TryStore(Key, Payload(10)), Is.False);
            Assert.That(cache.GetOrCreate(Key, () => Payload(10), out bool hit), Is.EqualTo(Payload(10)));
            Assert.That(hit, Is.False);
        }
        finally
        {
            File.Delete(_dir);
        }
    }

    [Test]
    public void DefaultDirectoryFollowsTheEnvironment()
    {
        static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
            name => vars.FirstOrDefault(v => v.Name == name).Value;

        Assert.That(KernelCache.DefaultDirectory(Env(("ILGPUVAE_KERNEL_CACHE", "/scratch/k"), ("XDG_CACHE_HOME", "/xdg")), "/home/u"),
            Is.EqualTo("/scratch/k"));
        Assert.That(KernelCache.DefaultDirectory(Env(("XDG_CACHE_HOME", "/xdg")), "/home/u"), Is.EqualTo("/xdg/ilgpuvae/kernels"));
        Assert.That(KernelCache.DefaultDirectory(Env(("XDG_CACHE_HOME", "relative/xdg")), "/home/u"), Is.EqualTo("/home/u/.cache/ilgpuvae/kernels"),
            "a relative XDG_CACHE_HOME is ignored, as the XDG specification says");
        Assert.That(KernelCache.DefaultDirectory(Env(), "/home/u"), Is.EqualTo("/home/u/.cache/ilgpuvae/kernels"));
        Assert.That(KernelCache.DefaultDirectory(Env(), ""), Is.EqualTo(Path.Combine(Path.GetTempPath(), ".cache", "ilgpuvae", "kernels")));
        Assert.That(KernelCache.ResolveDirectory("/opt/cache"), Is.EqualTo("/opt/cache"), "AcceleratorOptions.KernelCacheDirectory overrides");
    }

    [Test]
    public void TheCudaProgramKeyNamesCompilerArchitectureAndEngine()
    {
        var options = NvrtcCompiler.Options(new CompileTarget(90, true));
        var cubin = CudaProgram.CacheKey("src", options, "13.0", new CompileTarget(90, true));
        var ptx = CudaProgram.CacheKey("src", options, "13.0", new CompileTarget(90, false));
        Assert.That(cubin.CompilerVersion, Is.EqualTo("NVRTC 13.0"));
        Assert.That(cubin.Architecture, Is.EqualTo("sm_90"));
        Assert.That(cubin.EngineVersion, Is.Not.Empty.And.Not.EqualTo("unknown"));
        Assert.That(cubin.HashText(), Is.Not.EqualTo(ptx.HashText()));
    }
}
