using IlgpuVae.Engine;
using IlgpuVae.Engine.Data;
using NUnit.Framework;

namespace IlgpuVae.Tests.Data;

/// <summary>
/// <see cref="ImageSet"/> and <see cref="Dataset"/>: the consistency checks between their
/// parts, and the training-set limit.
/// </summary>
[TestFixture]
public sealed class DatasetTests
{
    private static ImageSet Images(int count, int rows = 2, int columns = 3) =>
        new(count, rows, columns, SyntheticIdx.ExpectedPixels(count, rows, columns));

    /// <summary>Take copies the first images, and clamps to the set size.</summary>
    [Test]
    public void TakeCopiesTheFirstImages()
    {
        ImageSet set = Images(5);

        ImageSet first = set.Take(2);
        ImageSet all = set.Take(99);

        Assert.That(first.Count, Is.EqualTo(2));
        Assert.That(first.Pixels, Is.EqualTo(set.Pixels[..12]));
        Assert.That(first.Pixels, Is.Not.SameAs(set.Pixels));
        Assert.That(all.Count, Is.EqualTo(5));
    }

    /// <summary>An ImageSet whose array does not match its shape is a programming error.</summary>
    [Test]
    public void ImageSetChecksItsArrayLength()
    {
        Assert.Throws<ArgumentException>(() => _ = new ImageSet(2, 2, 3, new byte[11]));
    }

    /// <summary>Train and test images of different sizes are refused.</summary>
    [Test]
    public void DifferentImageSizesAreRefused()
    {
        var ex = Assert.Throws<InputException>(() => _ = new Dataset("d", Images(2, 2, 3), Images(2, 3, 2), null, null));

        Assert.That(ex!.Message, Does.Contain("2×3").And.Contain("3×2"));
    }

    /// <summary>A label count that differs from the image count is refused.</summary>
    [Test]
    public void LabelCountMismatchIsRefused()
    {
        var ex = Assert.Throws<InputException>(() => _ = new Dataset("d", Images(4), Images(2), new byte[3], null));

        Assert.That(ex!.Message, Does.Contain("4 train images but 3 train labels"));
    }

    /// <summary>The train limit cuts images and labels together and leaves the test set alone.</summary>
    [Test]
    public void TrainLimitCutsTrainImagesAndLabels()
    {
        var data = new Dataset("d", Images(5), Images(3), SyntheticIdx.ExpectedLabels(5), SyntheticIdx.ExpectedLabels(3));

        Dataset limited = data.WithTrainLimit(2);

        Assert.That(limited.Train.Count, Is.EqualTo(2));
        Assert.That(limited.TrainLabels, Is.EqualTo(SyntheticIdx.ExpectedLabels(2)));
        Assert.That(limited.Test, Is.SameAs(data.Test));
        Assert.That(data.WithTrainLimit(null), Is.SameAs(data));
        Assert.That(data.WithTrainLimit(5), Is.SameAs(data));
        Assert.Throws<InputException>(() => data.WithTrainLimit(0));
    }
}
