using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace IlgpuVae.Runner;

/// <summary>
/// Rules every option value of every command follows, applied to the whole command tree at once so no
/// command can miss one:
/// <list type="bullet">
/// <item>a number is a plain number in the invariant format — digits, an optional sign, for fractions one
/// '.' and an optional exponent — and finite: <c>--lr 0,01</c> (read by .NET as 1, the ',' taken for a
/// thousands separator), <c>1,000</c>, <c> 5</c>, <c>0x10</c>, <c>NaN</c> and <c>1e999</c> are refused;</item>
/// <item>no value is empty: <c>--out ""</c> or <c>--data ""</c> name no folder;</item>
/// <item>a value that starts with <c>@</c> is the value itself: response files (where the parser would
/// replace <c>@FILE</c> by the words of FILE, also inside values read from a config file) are off.</item>
/// </list>
/// </summary>
internal static partial class CommandLineRules
{
    /// <summary>The parser settings of every parse: response files off.</summary>
    public static ParserConfiguration Parser { get; } = new() { ResponseFileTokenReplacer = null };

    /// <summary>Installs the rules on every option and argument of <paramref name="root"/> and its subcommands.</summary>
    public static void Apply(Command root)
    {
        foreach (var option in root.Options) Apply(option);
        foreach (var argument in root.Arguments) Apply(argument);
        foreach (var command in root.Subcommands) Apply(command);
    }

    private static void Apply(Option option)
    {
        string name = option.Name;
        switch (option)
        {
            case Option<int> o: o.CustomParser = r => Whole(r, name, int.MinValue, int.MaxValue, v => (int)v); break;
            case Option<int?> o: o.CustomParser = r => Whole(r, name, int.MinValue, int.MaxValue, v => (int?)(int)v); break;
            case Option<long> o: o.CustomParser = r => Whole(r, name, long.MinValue, long.MaxValue, v => (long)v); break;
            case Option<ulong> o: o.CustomParser = r => Unsigned(r, name); break;
            // Each type parses the text itself: a double rounded to float could differ from the float
            // nearest to the text in the last bit, and results must not depend on how a number was read.
            case Option<float> o: o.CustomParser = r => Fraction(r, name, t => float.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture), float.IsFinite); break;
            case Option<float?> o: o.CustomParser = r => Fraction(r, name, t => (float?)float.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture), v => float.IsFinite(v!.Value)); break;
            case Option<double> o: o.CustomParser = r => Fraction(r, name, t => double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture), double.IsFinite); break;
            case Option<string> or Option<string?>: option.Validators.Add(r => RefuseEmpty(r.Tokens, name, r)); break;
        }
    }

    private static void Apply(Argument argument)
    {
        if (argument is Argument<string> or Argument<string?> or Argument<string[]>)
            argument.Validators.Add(r => RefuseEmpty(r.Tokens, argument.Name, r));
    }

    private static void RefuseEmpty(IReadOnlyList<Token> tokens, string name, SymbolResult result)
    {
        if (tokens.Any(t => string.IsNullOrWhiteSpace(t.Value)))
            result.AddError($"{name}: empty value; give a name or a path");
    }

    [GeneratedRegex(@"^[+-]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex WholePattern();

    [GeneratedRegex(@"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex FractionPattern();

    private static T? Whole<T>(ArgumentResult result, string name, long min, long max, Func<long, T> convert)
    {
        if (Token(result, name) is not string text) return default;
        if (!WholePattern().IsMatch(text))
        {
            result.AddError($"{name}: '{text}' is not a whole number (digits only, e.g. 1000)");
            return default;
        }
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
        {
            result.AddError($"{name}: {text} is out of range ({min} to {max})");
            return default;
        }
        return convert(value);
    }

    private static ulong Unsigned(ArgumentResult result, string name)
    {
        if (Token(result, name) is not string text) return 0;
        if (!WholePattern().IsMatch(text) || text[0] == '-')
        {
            result.AddError($"{name}: '{text}' is not a whole number of zero or more (digits only, e.g. 42)");
            return 0;
        }
        if (!ulong.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out ulong value))
        {
            result.AddError($"{name}: {text} is out of range (0 to {ulong.MaxValue})");
            return 0;
        }
        return value;
    }

    private static T? Fraction<T>(ArgumentResult result, string name, Func<string, T> parse, Func<T, bool> finite)
    {
        if (Token(result, name) is not string text) return default;
        if (!FractionPattern().IsMatch(text))
        {
            result.AddError($"{name}: '{text}' is not a plain number (write it like 0.01 or 1e-3: digits, at most one '.', no ',' or spaces)");
            return default;
        }
        T value = parse(text);
        if (!finite(value))
        {
            result.AddError($"{name}: {text} is too large");
            return default;
        }
        return value;
    }

    /// <summary>The option's one value, or null (with an error) when there is none or it is empty.</summary>
    private static string? Token(ArgumentResult result, string name)
    {
        if (result.Tokens.Count != 1 || result.Tokens[0].Value.Length == 0)
        {
            result.AddError($"{name}: expects one number");
            return null;
        }
        return result.Tokens[0].Value;
    }
}
