using System.Globalization;
using System.Text.RegularExpressions;

namespace IlgpuVae.Runner.Commands;

/// <summary>
/// The facts `ilgpuvae devices` shows about a device, as `devices --json` writes them: each name in
/// snake_case ("compute units" → <c>compute_units</c>), and each value typed — a whole number as a number,
/// yes/no as true/false, an amount with a unit as a number under a name that carries the unit
/// ("4.3 GiB" under "global memory" → <c>global_memory_gib</c>: 4.3); anything else (versions, names,
/// descriptions) stays text.
/// </summary>
internal static partial class TypedDetails
{
    /// <summary>The typed facts, in the order the device gives them.</summary>
    public static IReadOnlyDictionary<string, object> Of(IReadOnlyDictionary<string, string> details)
    {
        var typed = new Dictionary<string, object>();
        foreach (var (name, text) in details)
        {
            string key = SnakeCase(name);
            string value = text.Trim();
            if (Amount().Match(value) is { Success: true } amount)
                typed[$"{key}_{amount.Groups[2].Value.ToLowerInvariant()}"] = double.Parse(amount.Groups[1].Value, CultureInfo.InvariantCulture);
            else if (WholeNumber().IsMatch(value))
                typed[key] = long.Parse(value, CultureInfo.InvariantCulture);
            else if (Truth(value) is bool truth)
                typed[key] = truth;
            else
                typed[key] = value;
        }
        return typed;
    }

    /// <summary>"correctly rounded divide/sqrt" → "correctly_rounded_divide_sqrt".</summary>
    public static string SnakeCase(string name) => NonWord().Replace(name.Trim().ToLowerInvariant(), "_").Trim('_');

    /// <summary>yes/no (the CPU says "software" when it has no FMA instruction), or null when the text is not a truth value.</summary>
    private static bool? Truth(string value) => value.ToLowerInvariant() switch
    {
        "yes" or "true" => true,
        "no" or "false" or "software" => false,
        _ => null,
    };

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonWord();

    [GeneratedRegex(@"^-?[0-9]{1,18}$")]
    private static partial Regex WholeNumber();

    [GeneratedRegex(@"^(-?[0-9]+(?:\.[0-9]+)?) ?(GiB|MiB|KiB|GB|MB|MHz|GHz)$")]
    private static partial Regex Amount();
}
