using System.Text.Json;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Files;
using IlgpuVae.Engine.Training;

namespace IlgpuVae.Runner;

/// <summary>
/// metrics.jsonl of a run folder, read strictly: one JSON object per finished epoch, each on its own line
/// ending in a newline, with a whole-number <c>epoch</c> of 1 or more. The one defect a run itself can leave
/// — a last line without its newline, cut short by a crash or a full disk while it was written — is
/// dropped (and said so); any other line that is not such a record is refused, naming its number, since
/// a line someone edited or another file put in its place is not something to guess about.
/// </summary>
internal static class MetricsFile
{
    /// <summary>The longest line read (a record is about 200 bytes).</summary>
    public const int MaxLineBytes = 64 * 1024;

    /// <summary>
    /// Keeps the lines of epochs up to <paramref name="epochs"/> (the checkpoint being resumed), dropping those
    /// of epochs that will be run again and a line cut short, so every epoch appears once however often the
    /// run was stopped. Rewrites the file (temporary file, renamed into place) only when a line goes.
    /// </summary>
    /// <exception cref="InputException">The file is not a regular file, or a complete line is not a metrics record.</exception>
    public static void Trim(string path, int epochs, Action<string> log)
    {
        var kept = new List<byte[]>();
        bool dropped = false;
        foreach (var (line, epoch) in Records(path, log))
        {
            if (epoch is int e && e <= epochs) kept.Add(line);
            else dropped = true;
        }
        if (!dropped) return;
        string temp = path + ".tmp";
        using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var line in kept)
            {
                output.Write(line);
                output.WriteByte((byte)'\n');
            }
            output.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads the file through, as <see cref="Trim"/> would, without changing it (for readers such as `curves`).</summary>
    /// <exception cref="InputException">The file is not a regular file, or a complete line is not a metrics record.</exception>
    public static void Check(string path)
    {
        foreach (var _ in Records(path, _ => { }))
        {
        }
    }

    /// <summary>
    /// Every line with its epoch; null for a line to drop (blank, or the last one cut short). Nothing when
    /// the file does not exist.
    /// </summary>
    private static IEnumerable<(byte[] Line, int? Epoch)> Records(string path, Action<string> log)
    {
        var kind = PathKinds.Of(path);
        if (kind == PathKind.Missing) yield break;
        if (kind != PathKind.RegularFile) throw new InputException($"{path}: is {PathKinds.Describe(kind)}, not a metrics file");
        int number = 0;
        using var file = InputFile.OpenRead(path, "metrics file");
        foreach (var (line, complete) in Lines(file, path))
        {
            number++;
            if (!complete)
            {
                log($"{path}: dropping its last line, which a stop or a full disk cut short ({line.Length} bytes without a newline)");
                yield return (line, null);
            }
            else if (line.AsSpan().Trim(" \t\r"u8).Length == 0)
            {
                yield return (line, null);
            }
            else
            {
                yield return (line, EpochOf(line) ?? throw new InputException(
                    $"{path}: line {number} is not a metrics record (a JSON object with a whole-number \"epoch\" of 1 or more); remove or repair it"));
            }
        }
    }

    /// <summary>The lines of <paramref name="file"/> without their newline, each with whether a newline ended it.</summary>
    private static IEnumerable<(byte[] Line, bool Complete)> Lines(Stream file, string path)
    {
        var buffer = new byte[1 << 16];
        var line = new MemoryStream();
        int number = 1;
        int n;
        while ((n = file.Read(buffer, 0, buffer.Length)) > 0)
        {
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != (byte)'\n') continue;
                Append(line, buffer.AsSpan(start, i - start), path, number);
                yield return (line.ToArray(), true);
                line.SetLength(0);
                number++;
                start = i + 1;
            }
            Append(line, buffer.AsSpan(start, n - start), path, number);
        }
        if (line.Length > 0) yield return (line.ToArray(), false);
    }

    private static void Append(MemoryStream line, ReadOnlySpan<byte> bytes, string path, int number)
    {
        if (line.Length + bytes.Length > MaxLineBytes)
            throw new InputException($"{path}: line {number} is longer than {MaxLineBytes / 1024} KiB: not a metrics record; is this the run's metrics.jsonl?");
        line.Write(bytes);
    }

    /// <summary>The record's epoch, or null when the line is not a record.</summary>
    private static int? EpochOf(byte[] line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                   && doc.RootElement.TryGetProperty("epoch", out var e) && e.ValueKind == JsonValueKind.Number
                   && e.TryGetInt32(out int epoch) && epoch >= 1 ? epoch : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Appends the record of a finished epoch as one line.</summary>
    public static void Append(string path, EpochMetrics metrics)
    {
        var line = new
        {
            epoch = metrics.Epoch,
            step = metrics.Step,
            samples = metrics.Samples,
            train_elbo = metrics.TrainElbo,
            test_elbo = metrics.TestElbo,
            seconds = Math.Round(metrics.Seconds, 4),
            eval_seconds = Math.Round(metrics.EvalSeconds, 4),
            accelerator = metrics.Accelerator,
        };
        File.AppendAllText(path, JsonSerializer.Serialize(line, EngineJson.Compact) + "\n");
    }
}
