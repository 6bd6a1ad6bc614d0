using System.Buffers.Binary;
using System.Security.Cryptography;

namespace IlgpuVae.Engine.Data;

/// <summary>
/// A data set identified by its content: the image counts and size, and a SHA-256 over every pixel of the
/// training and the test images (labels excluded: training never reads them). Checkpoints record it, and a
/// run resumes only on data with the same content, so a folder whose files changed, or another data set of
/// the same image size, can never silently continue a run. The name is for messages: the same images
/// under another name or path are the same data.
/// </summary>
/// <param name="Name">What the data was called when it was recorded: mnist, fashion-mnist, or a folder.</param>
/// <param name="TrainImages">Training images.</param>
/// <param name="TestImages">Test images.</param>
/// <param name="Rows">Image height in pixels.</param>
/// <param name="Columns">Image width in pixels.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the images (<see cref="Of"/> says over what exactly).</param>
public sealed record DataIdentity(string Name, int TrainImages, int TestImages, int Rows, int Columns, string Sha256)
{
    /// <summary>
    /// The identity of <paramref name="data"/>: SHA-256 over, for the training and then the test images, the
    /// count, rows and columns (little-endian int32) followed by the pixels.
    /// </summary>
    public static DataIdentity Of(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> shape = stackalloc byte[12];
        foreach (var images in new[] { data.Train, data.Test })
        {
            BinaryPrimitives.WriteInt32LittleEndian(shape, images.Count);
            BinaryPrimitives.WriteInt32LittleEndian(shape[4..], images.Rows);
            BinaryPrimitives.WriteInt32LittleEndian(shape[8..], images.Columns);
            hash.AppendData(shape);
            hash.AppendData(images.Pixels);
        }
        return new DataIdentity(data.Name, data.Train.Count, data.Test.Count, data.Train.Rows, data.Train.Columns,
            Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>Whether <paramref name="other"/> has the same images (names aside).</summary>
    public bool SameContent(DataIdentity other) =>
        other is not null && TrainImages == other.TrainImages && TestImages == other.TestImages && Rows == other.Rows
        && Columns == other.Columns && string.Equals(Sha256, other.Sha256, StringComparison.OrdinalIgnoreCase);

    /// <summary>"fashion-mnist (60000 training and 10000 test images of 28×28, SHA-256 8d4f…)".</summary>
    public string Describe() =>
        $"{Name} ({TrainImages} training and {TestImages} test images of {Rows}×{Columns}, SHA-256 {(Sha256.Length > 12 ? Sha256[..12] + "…" : Sha256)})";

    /// <summary>Throws <see cref="InputException"/> naming the first value that no real data set can have.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(Name)) throw new InputException("the data's name is empty");
        if (TrainImages < 1 || TestImages < 0 || Rows < 1 || Columns < 1)
            throw new InputException($"impossible data sizes: {TrainImages} training and {TestImages} test images of {Rows}×{Columns}");
        if (Sha256 is null || Sha256.Length != 64 || !Sha256.All(char.IsAsciiHexDigit))
            throw new InputException($"the data's SHA-256 '{Sha256}' is not 64 hex digits");
    }
}
