namespace IlgpuVae.Engine;

/// <summary>
/// Bad input from the user: a malformed or missing file, an impossible option value, a checkpoint
/// that does not fit. The message is one line that names the problem; the command line turns it
/// into exit code 2 without a stack trace.
/// </summary>
public class InputException : Exception
{
    /// <summary>Creates the exception with a one-line message.</summary>
    public InputException(string message) : base(message) { }

    /// <summary>Creates the exception with a one-line message and the underlying cause.</summary>
    public InputException(string message, Exception inner) : base(message, inner) { }
}
