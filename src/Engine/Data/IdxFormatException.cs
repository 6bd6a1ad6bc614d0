namespace IlgpuVae.Engine.Data;

/// <summary>
/// An IDX file (raw or gzipped) that cannot be read as the data it should hold: wrong magic
/// number, wrong data type or rank, impossible dimensions, a length that disagrees with the
/// header, or corrupt gzip data. It is an <see cref="InputException"/>, so the command line
/// reports its one-line message (which names the file) and exits with code 2.
/// </summary>
public sealed class IdxFormatException : InputException
{
    /// <summary>Creates the exception with a one-line message that names the file.</summary>
    public IdxFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a one-line message and the underlying cause.</summary>
    public IdxFormatException(string message, Exception inner) : base(message, inner) { }
}
