using System.CommandLine;
using System.Text.Json;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Files;

namespace IlgpuVae.Runner;

/// <summary>
/// <c>--config FILE.json</c>: a JSON object whose keys are the command's option names (<c>batch_size</c> or
/// <c>batch-size</c> for <c>--batch-size</c>) and whose values are what the command line would take (strings,
/// numbers, true/false, an array for a comma-separated list, null for the default). Each value becomes the
/// option's tokens, added to the command line unless the command line already gives that option, and the
/// result is parsed again: the file goes through exactly the parsing and checks of typed options, and typed
/// options win. Keys starting with <c>_</c> are comments and are ignored. An unknown key, a value of the
/// wrong kind or a malformed file is bad input (one line, exit code 2), so a typo never passes silently.
/// </summary>
internal static class ConfigFile
{
    private const int MaxBytes = 1 << 20;

    /// <summary>The parse with the file's values added, or <paramref name="parse"/> itself when no --config was given.</summary>
    public static ParseResult Apply(ParseResult parse, Option<string?> configOption)
    {
        string? path = parse.GetValue(configOption);
        if (path is null) return parse;
        return AddValues(parse, Read(path), path, _ => true, configOption);
    }

    /// <summary>
    /// The parse with <paramref name="values"/> (keyed and valued as in a --config file) added for every option
    /// the command line (or --config) does not give; keys for which <paramref name="include"/> is false are
    /// skipped. <paramref name="source"/> names where the values come from in messages.
    /// </summary>
    public static ParseResult AddDefaults(ParseResult parse, JsonElement values, string source, Func<string, bool> include) =>
        AddValues(parse, values, source, include, configOption: null);

    private static ParseResult AddValues(ParseResult parse, JsonElement values, string source, Func<string, bool> include, Option? configOption)
    {
        var command = parse.CommandResult.Command;
        var options = OptionsByKey(parse);
        var added = new List<string>();
        foreach (var property in values.EnumerateObject())
        {
            if (property.Name.StartsWith('_')) continue;
            string key = property.Name.TrimStart('-').Replace('_', '-').ToLowerInvariant();
            if (!include(key.Replace('-', '_'))) continue;
            if (!options.TryGetValue(key, out var option) || option == configOption || option.Name == "--config")
                throw new InputException($"{source}: unknown key '{property.Name}': `ilgpuvae {command.Name}` takes "
                    + string.Join(", ", options.Keys.Where(k => k != "config").Select(k => k.Replace('-', '_'))));
            if (parse.GetResult(option) is { Implicit: false }) continue; // given on the command line: it wins
            added.AddRange(Tokens(option, property, source));
        }
        if (added.Count == 0) return parse;
        // Response files are off here too, so a value such as "@x" from the file stays a value.
        var again = parse.RootCommandResult.Command.Parse([.. parse.Tokens.Select(t => t.Value), .. added], CommandLineRules.Parser);
        if (again.Errors.Count > 0) throw new InputException($"{source}: {Cli.OneLine(again.Errors[0].Message)}");
        return again;
    }

    /// <summary>The command's options and the recursive options above it, by name without the dashes.</summary>
    private static Dictionary<string, Option> OptionsByKey(ParseResult parse)
    {
        var found = new Dictionary<string, Option>(StringComparer.Ordinal);
        void Add(Option o)
        {
            if (o is System.CommandLine.Help.HelpOption or VersionOption) return;
            found.TryAdd(o.Name.TrimStart('-').ToLowerInvariant(), o);
        }
        foreach (var o in parse.CommandResult.Command.Options) Add(o);
        for (var c = parse.CommandResult.Parent as System.CommandLine.Parsing.CommandResult; c is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult)
            foreach (var o in c.Command.Options.Where(o => o.Recursive)) Add(o);
        return found;
    }

    private static JsonElement Read(string path)
    {
        string text;
        FileStream file;
        try
        {
            file = InputFile.OpenRead(path, "configuration file");
        }
        catch (InputException e)
        {
            throw new InputException($"--config {e.Message}");
        }
        using (var stream = file)
        {
            if (stream.Length > MaxBytes) throw new InputException($"--config {path}: {stream.Length} bytes is too large for a configuration file (at most 1 MiB)");
            // UTF-8, with or without the byte-order mark some editors write.
            using var reader = new StreamReader(stream, detectEncodingFromByteOrderMarks: true);
            text = reader.ReadToEnd();
        }
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InputException($"--config {path}: expected a JSON object of option values, got {Describe(document.RootElement.ValueKind)}");
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InputException($"--config {path}: not valid JSON ({Cli.OneLine(e.Message)})");
        }
    }

    /// <summary>The command-line tokens that say what <paramref name="property"/> says.</summary>
    private static IEnumerable<string> Tokens(Option option, JsonProperty property, string path)
    {
        var value = property.Value;
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return [];
            case JsonValueKind.Object:
                throw new InputException($"{path}: '{property.Name}' must be a value, not an object");
            case JsonValueKind.Array:
                return [option.Name, string.Join(",", value.EnumerateArray().Select(e => Scalar(e, property.Name, path)))];
            default:
                return [option.Name, Scalar(value, property.Name, path)];
        }
    }

    private static string Scalar(JsonElement value, string key, string path) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw new InputException($"{path}: '{key}' must be a string, a number or true/false, not {Describe(value.ValueKind)}"),
    };

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Null => "null",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
