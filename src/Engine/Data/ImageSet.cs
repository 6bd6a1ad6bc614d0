namespace IlgpuVae.Engine.Data;

/// <summary>
/// A set of equally sized 8-bit grey-level images held in one contiguous array: image-major,
/// and row-major inside each image, exactly the payload layout of an IDX image file. One array
/// rather than one per image so the whole set can be copied to a device in a single transfer.
/// </summary>
public sealed class ImageSet
{
    /// <summary>
    /// Wraps <paramref name="pixels"/> (not copied) as <paramref name="count"/> images of
    /// <paramref name="rows"/> × <paramref name="columns"/> pixels.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative count or a non-positive size.</exception>
    /// <exception cref="ArgumentException">The array length is not count × rows × columns.</exception>
    public ImageSet(int count, int rows, int columns, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        // long arithmetic: the product of three ints can overflow int before it is compared.
        long expected = (long)count * rows * columns;
        if (pixels.LongLength != expected)
        {
            throw new ArgumentException(
                $"{count} images of {rows}×{columns} need {expected} bytes, but the array has {pixels.LongLength}.",
                nameof(pixels));
        }

        Count = count;
        Rows = rows;
        Columns = columns;
        PixelsPerImage = rows * columns;
        Pixels = pixels;
    }

    /// <summary>The number of images.</summary>
    public int Count { get; }

    /// <summary>The height of every image, in pixels.</summary>
    public int Rows { get; }

    /// <summary>The width of every image, in pixels.</summary>
    public int Columns { get; }

    /// <summary><see cref="Rows"/> × <see cref="Columns"/>: the length of one image in <see cref="Pixels"/>.</summary>
    public int PixelsPerImage { get; }

    /// <summary>
    /// All pixels, image after image, each image row after row; 0 is background, 255 is ink
    /// for MNIST. Length <see cref="Count"/> × <see cref="PixelsPerImage"/>.
    /// </summary>
    public byte[] Pixels { get; }

    /// <summary>The pixels of image <paramref name="index"/> (row-major), without copying.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in [0, Count).</exception>
    public ReadOnlySpan<byte> GetImage(int index)
    {
        // Explicit check: a span slice would also throw, but with a message about offsets
        // rather than about image indices.
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Image index must be in [0, {Count}).");
        }

        return Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);
    }

    /// <summary>
    /// A copy holding the first <paramref name="count"/> images (all of them when the set is
    /// smaller), used to limit the training set. A copy, so the smaller set does not keep the
    /// full array alive.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public ImageSet Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int taken = Math.Min(count, Count);
        byte[] pixels = Pixels.AsSpan(0, taken * PixelsPerImage).ToArray();
        return new ImageSet(taken, Rows, Columns, pixels);
    }
}
