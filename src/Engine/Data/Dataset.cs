namespace IlgpuVae.Engine.Data;

/// <summary>
/// A training set and a test set of images of one size, with their class labels where the
/// source has them. The VAE itself never looks at labels; they are kept for evaluation and
/// plots (latent space coloured by class).
/// </summary>
public sealed class Dataset
{
    /// <summary>
    /// Bundles the two image sets and their optional labels, checking that they fit together.
    /// </summary>
    /// <param name="name">What the data is called in messages and reports: <c>mnist</c>, <c>fashion-mnist</c>, or a directory.</param>
    /// <param name="train">The training images.</param>
    /// <param name="test">The test images; same size as the training images.</param>
    /// <param name="trainLabels">One label per training image, or null.</param>
    /// <param name="testLabels">One label per test image, or null.</param>
    /// <exception cref="InputException">
    /// The two sets have different image sizes, or a label array's length differs from its
    /// image count. These come from files the user chose, hence input errors.
    /// </exception>
    public Dataset(string name, ImageSet train, ImageSet test, byte[]? trainLabels, byte[]? testLabels)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);

        if (train.Rows != test.Rows || train.Columns != test.Columns)
        {
            throw new InputException(
                $"{name}: train images are {train.Rows}×{train.Columns} but test images are {test.Rows}×{test.Columns}");
        }

        CheckLabels(name, "train", train, trainLabels);
        CheckLabels(name, "test", test, testLabels);

        Name = name;
        Train = train;
        Test = test;
        TrainLabels = trainLabels;
        TestLabels = testLabels;
    }

    /// <summary>What the data is called in messages and reports: <c>mnist</c>, <c>fashion-mnist</c>, or a directory.</summary>
    public string Name { get; }

    /// <summary>The training images.</summary>
    public ImageSet Train { get; }

    /// <summary>The test images, the same size as <see cref="Train"/>'s.</summary>
    public ImageSet Test { get; }

    /// <summary>One class label per training image, or null when the source has none.</summary>
    public byte[]? TrainLabels { get; }

    /// <summary>One class label per test image, or null when the source has none.</summary>
    public byte[]? TestLabels { get; }

    /// <summary>The data's content identity (computed on first use, a SHA-256 over every pixel, then kept).</summary>
    public DataIdentity Identity => _identity ??= DataIdentity.Of(this);

    private DataIdentity? _identity;

    /// <summary>
    /// The same data with only the first <paramref name="limit"/> training images (and labels);
    /// the test set is untouched so results stay comparable. Null, or a limit at least the
    /// training-set size, returns this instance unchanged.
    /// </summary>
    /// <exception cref="InputException"><paramref name="limit"/> is less than 1: the limit comes from the user.</exception>
    public Dataset WithTrainLimit(int? limit)
    {
        if (limit is not int n)
        {
            return this;
        }

        if (n < 1)
        {
            throw new InputException($"{Name}: the training-set limit must be at least 1, got {n}");
        }

        if (n >= Train.Count)
        {
            return this;
        }

        return new Dataset(Name, Train.Take(n), Test, TrainLabels?[..n], TestLabels);
    }

    private static void CheckLabels(string name, string part, ImageSet images, byte[]? labels)
    {
        if (labels is not null && labels.Length != images.Count)
        {
            throw new InputException(
                $"{name}: {images.Count} {part} images but {labels.Length} {part} labels");
        }
    }
}
