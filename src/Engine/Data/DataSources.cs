using IlgpuVae.Engine.Files;

namespace IlgpuVae.Engine.Data;

/// <summary>
/// Turns the user's data choice into a <see cref="Dataset"/>: <c>mnist</c> (fetched once into
/// a cache), <c>fashion-mnist</c> (from the Debian package <c>dataset-fashion-mnist</c>), or a
/// directory holding IDX files under their standard MNIST names.
/// </summary>
public static class DataSources
{
    /// <summary>The spec that selects MNIST.</summary>
    public const string Mnist = "mnist";

    /// <summary>The spec that selects Fashion-MNIST.</summary>
    public const string FashionMnist = "fashion-mnist";

    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs its gzipped IDX files.</summary>
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The standard file name of the training images.</summary>
    public const string TrainImagesFile = "train-images-idx3-ubyte";

    /// <summary>The standard file name of the training labels.</summary>
    public const string TrainLabelsFile = "train-labels-idx1-ubyte";

    /// <summary>The standard file name of the test images.</summary>
    public const string TestImagesFile = "t10k-images-idx3-ubyte";

    /// <summary>The standard file name of the test labels.</summary>
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte";

    private const string Accepted = "expected mnist, fashion-mnist, or a directory containing "
        + TrainImagesFile + " and " + TestImagesFile + " (raw or .gz), with optional label files";

    /// <summary>
    /// The cache directory for fetched data: <c>$ILGPUVAE_DATA_DIR</c> if set, else
    /// <c>$XDG_CACHE_HOME/ilgpuvae/data</c>, else <c>~/.cache/ilgpuvae/data</c>. A cache rather
    /// than the working directory so every run and checkout on a machine shares one copy.
    /// Read from the environment on every access.
    /// </summary>
    public static string DefaultDataDirectory
    {
        get
        {
            string? explicitDir = Environment.GetEnvironmentVariable("ILGPUVAE_DATA_DIR");
            if (!string.IsNullOrWhiteSpace(explicitDir))
            {
                return explicitDir;
            }

            // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg))
            {
                return Path.Combine(xdg, "ilgpuvae", "data");
            }

            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (string.IsNullOrEmpty(home))
            {
                // Batch jobs sometimes run without HOME; the temp directory is at least writable.
                home = Path.GetTempPath();
            }

            return Path.Combine(home, ".cache", "ilgpuvae", "data");
        }
    }

    /// <summary>
    /// Loads the data set named by <paramref name="spec"/>: <c>mnist</c>, <c>fashion-mnist</c>
    /// (both case-insensitive), or the path of a directory. A directory that happens to be
    /// called <c>mnist</c> is reached as <c>./mnist</c>.
    /// </summary>
    /// <param name="spec">The data source, as the user wrote it.</param>
    /// <param name="options">Cache directory, logging, download policy and size limits.</param>
    /// <exception cref="InputException">
    /// The source is unknown, missing, incomplete, or cannot be fetched; an
    /// <see cref="IdxFormatException"/> when one of its files is malformed.
    /// </exception>
    public static Dataset Load(string spec, DataOptions options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(options);

        string trimmed = spec.Trim();
        if (trimmed.Length == 0)
        {
            throw new InputException($"empty data source: {Accepted}");
        }

        if (string.Equals(trimmed, Mnist, StringComparison.OrdinalIgnoreCase))
        {
            return MnistCache.Load(options);
        }

        if (string.Equals(trimmed, FashionMnist, StringComparison.OrdinalIgnoreCase))
        {
            return LoadFashionMnist(options);
        }

        if (Directory.Exists(spec))
        {
            return LoadDirectory(spec, spec, options, labelsRequired: false);
        }

        if (File.Exists(spec))
        {
            throw new InputException($"{spec}: is {PathKinds.Describe(PathKinds.Of(spec))}, not a directory; {Accepted}");
        }

        // Something written like a path is reported as a missing directory; a bare word is
        // more likely a mistyped source name, so it gets the list of names.
        bool looksLikePath = spec.Contains('/') || spec.Contains(Path.DirectorySeparatorChar)
            || spec.StartsWith('.') || spec.StartsWith('~');
        throw new InputException(looksLikePath
            ? $"{spec}: no such directory; {Accepted}"
            : $"unknown data source '{spec}': {Accepted}");
    }

    private static Dataset LoadFashionMnist(DataOptions options)
    {
        string? missing = Directory.Exists(FashionMnistDirectory)
            ? FirstMissing(FashionMnistDirectory, TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile)
            : FashionMnistDirectory;
        if (missing is not null)
        {
            throw new InputException(
                $"Fashion-MNIST not found in {FashionMnistDirectory}: install it with `apt-get install dataset-fashion-mnist` or pass --data DIR");
        }

        return LoadDirectory(FashionMnistDirectory, FashionMnist, options, labelsRequired: true);
    }

    /// <summary>
    /// Reads the four standard files from <paramref name="directory"/>, each raw or with
    /// <c>.gz</c> appended (raw preferred when both exist). Images are required; labels are
    /// optional unless <paramref name="labelsRequired"/>, since a VAE does not need them.
    /// </summary>
    internal static Dataset LoadDirectory(string directory, string name, DataOptions options, bool labelsRequired)
    {
        string? trainImages = Find(directory, TrainImagesFile);
        string? testImages = Find(directory, TestImagesFile);
        string? trainLabels = Find(directory, TrainLabelsFile);
        string? testLabels = Find(directory, TestLabelsFile);

        var missing = new List<string>();
        if (trainImages is null) missing.Add(TrainImagesFile);
        if (testImages is null) missing.Add(TestImagesFile);
        if (labelsRequired && trainLabels is null) missing.Add(TrainLabelsFile);
        if (labelsRequired && testLabels is null) missing.Add(TestLabelsFile);
        if (missing.Count > 0)
        {
            throw new InputException(
                $"{directory}: missing {string.Join(" and ", missing)} (raw or .gz)");
        }

        long max = options.MaxBytesPerFile;
        return new Dataset(
            name,
            IdxReader.ReadImages(trainImages!, max),
            IdxReader.ReadImages(testImages!, max),
            trainLabels is null ? null : IdxReader.ReadLabels(trainLabels, max),
            testLabels is null ? null : IdxReader.ReadLabels(testLabels, max));
    }

    /// <summary>The path of <paramref name="baseName"/> or <c>baseName.gz</c> in the directory, or null.</summary>
    private static string? Find(string directory, string baseName)
    {
        // Whatever is there under the name (a folder or a named pipe included) is returned, so that
        // the reader names it for what it is rather than the file being reported missing.
        string raw = Path.Combine(directory, baseName);
        if (PathKinds.Of(raw) != PathKind.Missing)
        {
            return raw;
        }

        string gz = raw + ".gz";
        return PathKinds.Of(gz) != PathKind.Missing ? gz : null;
    }

    private static string? FirstMissing(string directory, params string[] baseNames)
    {
        return baseNames.FirstOrDefault(n => Find(directory, n) is null);
    }
}
