using IlgpuVae.Engine.Accelerators.Cuda;
using NUnit.Framework;

namespace IlgpuVae.Tests.Cuda;

/// <summary>
/// How the CUDA backend finds libcuda and NVRTC: the documented candidate order, the versioned-file
/// glob, and a message that lists every candidate when nothing loads. Runs everywhere: fake toolkit
/// directories and made-up library names stand in for a missing CUDA.
/// </summary>
[TestFixture]
public sealed class NativeLibrarySearchTests
{
    private string _root = "";

    [SetUp]
    public void CreateRoot()
    {
        _root = Path.Combine(Path.GetTempPath(), "ilgpuvae-libsearch-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_root);
    }

    [TearDown]
    public void RemoveRoot() => Directory.Delete(_root, recursive: true);

    /// <summary>A fake toolkit: CUDA_HOME/lib64 holding the given files, each a few bytes that are no library.</summary>
    private string FakeCudaHome(params string[] files)
    {
        string home = Path.Combine(_root, "cuda");
        string lib = Path.Combine(home, "lib64");
        Directory.CreateDirectory(lib);
        foreach (var f in files) File.WriteAllText(Path.Combine(lib, f), "not a shared object");
        return home;
    }

    [Test]
    public void NvrtcCandidatesFollowTheDocumentedOrder()
    {
        string home = FakeCudaHome("libnvrtc.so.12.4.99", "libnvrtc.so.13.0.48", "libnvrtc.so.13.0.48.bak", "libnvrtc-builtins.so.13.0");
        string lib = Path.Combine(home, "lib64");
        var candidates = NativeLibrarySearch.Nvrtc(home).Candidates();
        var expectedStart = new[]
        {
            "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so",
            Path.Combine(lib, "libnvrtc.so.13"), Path.Combine(lib, "libnvrtc.so.12"), Path.Combine(lib, "libnvrtc.so"),
            "/usr/local/cuda/lib64/libnvrtc.so.13", "/usr/local/cuda/lib64/libnvrtc.so.12", "/usr/local/cuda/lib64/libnvrtc.so",
            // The glob: versioned files, newest first; backups and other libraries are not versions.
            Path.Combine(lib, "libnvrtc.so.13.0.48"), Path.Combine(lib, "libnvrtc.so.12.4.99"),
        };
        Assert.That(candidates.Take(expectedStart.Length), Is.EqualTo(expectedStart));
        Assert.That(candidates.Skip(expectedStart.Length), Has.All.StartWith("/usr/local/cuda/lib64/libnvrtc.so."),
            "anything after that is a versioned file of the default toolkit");
        Assert.That(candidates, Has.None.Contains(".bak").And.None.Contains("builtins"));
    }

    [TestCase(13, new[] { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so" })]
    [TestCase(12, new[] { "libnvrtc.so.12", "libnvrtc.so", "libnvrtc.so.13" })]
    [TestCase(14, new[] { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so" })]
    public void NvrtcNewerThanTheDriverIsTriedLast(int driverMajor, string[] names)
    {
        // NVRTC 13's code does not load on a CUDA 12 driver: with such a driver an installed NVRTC 12 must win.
        Assert.That(NativeLibrarySearch.Nvrtc(null, driverMajor).FileNames, Is.EqualTo(names));
        Assert.That(NativeLibrarySearch.Nvrtc(null).FileNames, Is.EqualTo(new[] { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so" }), "no driver: newest first");
    }

    [Test]
    public void DriverCandidatesStartWithTheLoaderSearch()
    {
        string home = FakeCudaHome();
        var candidates = NativeLibrarySearch.Driver(home).Candidates();
        Assert.That(candidates.Take(4), Is.EqualTo(new[]
        {
            "libcuda.so.1", "libcuda.so",
            Path.Combine(home, "lib64", "libcuda.so.1"), Path.Combine(home, "lib64", "libcuda.so"),
        }));
        Assert.That(candidates, Has.None.Contains("stubs"), "the toolkit's stub libcuda is never a candidate");
    }

    [Test]
    public void WithoutCudaHomeOnlyTheDefaultToolkitIsSearched()
    {
        Assert.That(NativeLibrarySearch.ToolkitDirectories(null), Is.EqualTo(new[] { "/usr/local/cuda/lib64" }));
        Assert.That(NativeLibrarySearch.ToolkitDirectories("  "), Is.EqualTo(new[] { "/usr/local/cuda/lib64" }));
        Assert.That(NativeLibrarySearch.ToolkitDirectories("/usr/local/cuda"), Is.EqualTo(new[] { "/usr/local/cuda/lib64" }), "no directory twice");
        Assert.That(NativeLibrarySearch.ToolkitDirectories("/opt/cuda-13"), Is.EqualTo(new[] { "/opt/cuda-13/lib64", "/usr/local/cuda/lib64" }));
    }

    [Test]
    public void MissingLibraryMessageListsEveryCandidateTried()
    {
        string home = FakeCudaHome("libilgpuvae-absent.so.2.1");
        string other = Path.Combine(_root, "other");
        var search = new NativeLibrarySearch("libilgpuvae-absent.so.2", ["libilgpuvae-absent.so.2", "libilgpuvae-absent.so"], "libilgpuvae-absent.so.",
            [Path.Combine(home, "lib64"), other], "install it");

        var (handle, path, error) = search.Load();

        Assert.That(handle, Is.EqualTo(nint.Zero));
        Assert.That(path, Is.Null);
        Assert.That(error, Does.StartWith("libilgpuvae-absent.so.2 not found (tried: "));
        Assert.That(error, Does.EndWith("; install it"));
        Assert.That(error, Does.Not.Contain('\n'), "one line");
        foreach (var candidate in search.Candidates()) Assert.That(error, Does.Contain(candidate));
        Assert.That(search.Candidates(), Has.Count.EqualTo(2 + 2 * 2 + 1));
        Assert.That(error, Does.Contain(Path.Combine(home, "lib64", "libilgpuvae-absent.so.2.1") + " (present but not loadable)"),
            "a file that is there but does not load is told apart from a missing one");
    }

    [Test]
    public void TheFirstLoadableCandidateWins()
    {
        var search = new NativeLibrarySearch("libc", ["libilgpuvae-absent.so", "libc.so.6"], "", [], "");
        var (handle, path, error) = search.Load();
        Assert.That(error, Is.Null);
        Assert.That(handle, Is.Not.EqualTo(nint.Zero));
        Assert.That(path, Is.EqualTo("libc.so.6"));
    }

    [Test]
    public void MissingDriverIsReportedWithEveryPathTried()
    {
        if (CudaNative.LoadError is null) Assert.Ignore($"libcuda is installed here ({CudaNative.LibraryPath}); this checks the message without it");
        Assert.That(CudaNative.LoadError, Does.StartWith("libcuda.so.1 not found (tried: libcuda.so.1, libcuda.so, "));
        foreach (var candidate in NativeLibrarySearch.Driver(Environment.GetEnvironmentVariable("CUDA_HOME")).Candidates())
            Assert.That(CudaNative.LoadError, Does.Contain(candidate));
    }
}
