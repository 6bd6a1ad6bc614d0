using System.Text.Json;
using System.Text.Json.Serialization;

namespace IlgpuVae.Engine;

/// <summary>The JSON conventions of every file the engine writes (config.json, metrics.jsonl, checkpoint headers): snake_case names, enums as lower-case strings.</summary>
internal static class EngineJson
{
    /// <summary>Indented output, for files people read.</summary>
    public static JsonSerializerOptions Indented { get; } = Create(true);

    /// <summary>One-line output, for JSON Lines.</summary>
    public static JsonSerializerOptions Compact { get; } = Create(false);

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            WriteIndented = indented,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
