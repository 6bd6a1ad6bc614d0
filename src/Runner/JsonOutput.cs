using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using IlgpuVae.Engine;

namespace IlgpuVae.Runner;

/// <summary>
/// <c>--json</c>: a command prints its result as one JSON document on stdout instead of text. Names are
/// snake_case; numbers, booleans, lists and null are JSON numbers, booleans, arrays and null, never
/// strings; a number that is not finite (a diverged ELBO, a NaN in a verify mismatch) is null; text is
/// written as UTF-8 without escaping characters such as <c>+</c> or <c>×</c>. Logs stay on stderr, and an
/// error still gives one line on stderr and a non-zero exit code, with nothing on stdout.
/// </summary>
internal static class JsonOutput
{
    /// <summary>The serializer settings of every --json document.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>A new --json option for a command.</summary>
    public static Option<bool> CreateOption() => new("--json")
    {
        Description = "print the result as one JSON document on stdout (logs go to stderr)",
    };

    /// <summary>Writes <paramref name="document"/> as indented JSON and a newline.</summary>
    public static void Write(CliConsole console, object document) =>
        console.Out.WriteLine(JsonSerializer.Serialize(document, Options));

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(EngineJson.Indented)
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            NumberHandling = JsonNumberHandling.Strict,
        };
        options.Converters.Add(new FiniteOrNull<double>(double.IsFinite, (w, v) => w.WriteNumberValue(v)));
        options.Converters.Add(new FiniteOrNull<float>(float.IsFinite, (w, v) => w.WriteNumberValue(v)));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Writes a floating-point number, or null when it is not finite (JSON has no NaN or infinity).</summary>
    private sealed class FiniteOrNull<T>(Func<T, bool> isFinite, Action<Utf8JsonWriter, T> write) : JsonConverter<T>
    {
        public override bool HandleNull => false;

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("--json documents are written, not read");

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            if (isFinite(value)) write(writer, value);
            else writer.WriteNullValue();
        }
    }
}
