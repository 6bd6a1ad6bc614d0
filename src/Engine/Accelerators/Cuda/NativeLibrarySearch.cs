using System.Globalization;
using System.Runtime.InteropServices;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// Finds one native library of the CUDA stack over a fixed, documented list of candidates and says
/// exactly where it looked when it is missing. The list is, in order:
/// <list type="number">
/// <item>the bare file names (the dynamic loader's own search: LD_LIBRARY_PATH, the ld.so cache, the system directories);</item>
/// <item>the same names in each toolkit directory (<c>$CUDA_HOME/lib64</c>, then <c>/usr/local/cuda/lib64</c>);</item>
/// <item>the versioned files found there by a glob on <see cref="VersionedPrefix"/> (e.g. <c>libnvrtc.so.13.0.48</c>), newest version first.</item>
/// </list>
/// HPC nodes often have the toolkit unpacked somewhere that is not on the loader's path, which is
/// why the toolkit directories are searched at all; and a toolkit installed without its unversioned
/// symlinks only has the fully versioned file, which is why the glob exists.
/// </summary>
internal sealed class NativeLibrarySearch
{
    /// <summary>The toolkit directory every system without CUDA_HOME falls back to.</summary>
    public const string DefaultToolkitLibraryDirectory = "/usr/local/cuda/lib64";

    /// <summary>Creates a search.</summary>
    /// <param name="description">How the library is named in messages, e.g. "libcuda.so.1".</param>
    /// <param name="fileNames">File names in preference order.</param>
    /// <param name="versionedPrefix">Prefix of the versioned files to glob for in the directories (e.g. "libnvrtc.so.").</param>
    /// <param name="directories">Directories searched after the loader's own search.</param>
    /// <param name="hint">What to do when the library is missing (appended to the message).</param>
    public NativeLibrarySearch(string description, IReadOnlyList<string> fileNames, string versionedPrefix,
        IReadOnlyList<string> directories, string hint)
    {
        ArgumentException.ThrowIfNullOrEmpty(description);
        if (fileNames.Count == 0) throw new ArgumentException("at least one file name is needed", nameof(fileNames));
        Description = description;
        FileNames = fileNames;
        VersionedPrefix = versionedPrefix;
        Directories = directories;
        Hint = hint;
    }

    /// <summary>How the library is named in messages.</summary>
    public string Description { get; }

    /// <summary>File names in preference order.</summary>
    public IReadOnlyList<string> FileNames { get; }

    /// <summary>Prefix of the versioned files globbed for in <see cref="Directories"/>.</summary>
    public string VersionedPrefix { get; }

    /// <summary>Directories searched after the loader's own search.</summary>
    public IReadOnlyList<string> Directories { get; }

    /// <summary>What to do when the library is missing.</summary>
    public string Hint { get; }

    /// <summary>The CUDA driver library (installed with the NVIDIA driver, not with the toolkit).</summary>
    public static NativeLibrarySearch Driver(string? cudaHome) => new("libcuda.so.1", ["libcuda.so.1", "libcuda.so"], "libcuda.so.",
        ToolkitDirectories(cudaHome), "no NVIDIA driver is installed on this machine");

    /// <summary>The NVRTC major versions the engine knows, newest first.</summary>
    public static IReadOnlyList<int> NvrtcMajorVersions { get; } = [13, 12];

    /// <summary>
    /// NVRTC, the run-time compiler (part of the toolkit). Newest major version first: a newer NVRTC
    /// knows every architecture an older one does, and its output runs on any driver of the same major
    /// version. Its output does not load on an older driver, though, so with the driver's major version
    /// known (<paramref name="driverMajor"/>) the versions it can load come first and the newer ones last.
    /// </summary>
    public static NativeLibrarySearch Nvrtc(string? cudaHome, int? driverMajor = null)
    {
        var majors = NvrtcMajorVersions.OrderBy(v => driverMajor is int d && v > d ? 1 : 0).ThenByDescending(v => v);
        var names = majors.Where(v => driverMajor is not int d || v <= d).Select(v => $"libnvrtc.so.{v}")
            .Append("libnvrtc.so")
            .Concat(majors.Where(v => driverMajor is int d && v > d).Select(v => $"libnvrtc.so.{v}"))
            .ToList();
        return new("NVRTC (libnvrtc.so)", names, "libnvrtc.so.", ToolkitDirectories(cudaHome),
            "install the CUDA toolkit (or its NVRTC component) and set CUDA_HOME to it, or add its lib64 directory to LD_LIBRARY_PATH");
    }

    /// <summary><c>$CUDA_HOME/lib64</c> (when CUDA_HOME is set) and <see cref="DefaultToolkitLibraryDirectory"/>, without repeats.</summary>
    public static IReadOnlyList<string> ToolkitDirectories(string? cudaHome)
    {
        var list = new List<string>();
        if (!string.IsNullOrWhiteSpace(cudaHome)) list.Add(Path.Combine(cudaHome.Trim(), "lib64"));
        list.Add(DefaultToolkitLibraryDirectory);
        return list.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Every candidate in the order they are tried (the glob reads the directories as they are now).</summary>
    public IReadOnlyList<string> Candidates()
    {
        var list = new List<string>(FileNames);
        foreach (var dir in Directories)
            foreach (var name in FileNames) list.Add(Path.Combine(dir, name));
        foreach (var dir in Directories) list.AddRange(Versioned(dir));
        return list.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Loads the first candidate that the loader accepts. Returns the handle and the candidate that
    /// worked, or 0 and a one-line reason listing every candidate tried.
    /// </summary>
    public (nint Handle, string? Path, string? Error) Load()
    {
        var tried = new List<string>();
        foreach (var candidate in Candidates())
        {
            if (NativeLibrary.TryLoad(candidate, out nint handle)) return (handle, candidate, null);
            // A file that is there but cannot be loaded (wrong architecture, a missing dependency,
            // a broken copy) is a different problem from a missing one; say which.
            tried.Add(Path.IsPathRooted(candidate) && File.Exists(candidate) ? candidate + " (present but not loadable)" : candidate);
        }
        return (0, null, $"{Description} not found (tried: {string.Join(", ", tried)}); {Hint}");
    }

    /// <summary>The files <c>dir/VersionedPrefix*</c> whose suffix is a dotted version, newest first.</summary>
    private IEnumerable<string> Versioned(string dir)
    {
        if (string.IsNullOrEmpty(VersionedPrefix) || !Directory.Exists(dir)) return [];
        try
        {
            return Directory.EnumerateFiles(dir, VersionedPrefix + "*")
                .Select(path => (Path: path, Version: ParseVersion(Path.GetFileName(path)[VersionedPrefix.Length..])))
                .Where(f => f.Version is not null)
                .OrderByDescending(f => f.Version!, VersionComparer.Instance)
                .ThenBy(f => f.Path, StringComparer.Ordinal)
                .Select(f => f.Path)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable directory is simply not searched; the message still lists the plain candidates there.
            return [];
        }
    }

    /// <summary>
    /// The address of the function <paramref name="name"/> in a loaded library; a missing export raises
    /// <see cref="EntryPointNotFoundException"/> with the name, which the bindings turn into their reason.
    /// </summary>
    public static nint Export(nint library, string name) =>
        NativeLibrary.TryGetExport(library, name, out nint address) ? address : throw new EntryPointNotFoundException(name);

    /// <summary>
    /// The first of <paramref name="names"/> that the loaded library exports, with its address: for an entry
    /// point whose export name changed between driver versions. None of them exported raises
    /// <see cref="EntryPointNotFoundException"/> naming them all.
    /// </summary>
    public static (nint Address, string Name) FirstExport(nint library, IReadOnlyList<string> names)
    {
        foreach (var name in names)
            if (NativeLibrary.TryGetExport(library, name, out nint address)) return (address, name);
        throw new EntryPointNotFoundException(string.Join(" or ", names));
    }

    /// <summary>"13.0.48" → [13, 0, 48]; anything else (e.g. "13.0.48.bak") → null.</summary>
    private static int[]? ParseVersion(string suffix)
    {
        var parts = suffix.Split('.');
        var numbers = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i])) return null;
        return numbers;
    }

    private sealed class VersionComparer : IComparer<int[]>
    {
        public static readonly VersionComparer Instance = new();

        public int Compare(int[]? x, int[]? y)
        {
            x ??= [];
            y ??= [];
            for (int i = 0; i < Math.Min(x.Length, y.Length); i++)
                if (x[i] != y[i]) return x[i].CompareTo(y[i]);
            return x.Length.CompareTo(y.Length);
        }
    }
}
