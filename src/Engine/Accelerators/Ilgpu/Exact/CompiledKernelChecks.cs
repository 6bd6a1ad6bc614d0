using System.Text.RegularExpressions;

namespace IlgpuVae.Engine.Accelerators.Ilgpu.Exact;

/// <summary>
/// The check every compiled kernel passes before it is loaded: the generated code must contain only
/// operations whose results the determinism contract fixes. A violation is a defect of the compilation
/// setup (a new ILGPU version, say), reported as the device being unusable rather than run inexactly.
/// </summary>
internal static partial class CompiledKernelChecks
{
    /// <summary>
    /// Problems in the PTX of one kernel (empty when none): float add/sub/mul/fma/div/sqrt/rcp without
    /// <c>.rn</c> (ptxas may contract or approximate them), any <c>.approx</c>, <c>.ftz</c> or <c>.full</c>
    /// form, hardware transcendentals (ex2, lg2, sin, cos, tanh, rsqrt), double arithmetic (the contract is
    /// binary32 throughout) and calls of functions the module does not define (unloadable PTX).
    /// </summary>
    public static IReadOnlyList<string> CheckPtx(string ptx)
    {
        var problems = new List<string>();
        // Functions with a body in this module: a bare ".extern .func" declaration would need a library at load time.
        var defined = new HashSet<string>(ptx.Split('\n')
            .Where(line => !line.TrimStart().StartsWith(".extern", StringComparison.Ordinal))
            .Select(line => DefinedFunction().Match(line)).Where(m => m.Success).Select(m => m.Groups["name"].Value));
        foreach (var raw in ptx.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal)) continue;
            if (Instruction().Match(line) is { Success: true } m)
            {
                string op = m.Groups["op"].Value;
                var modifiers = m.Groups["mods"].Value.Split('.', StringSplitOptions.RemoveEmptyEntries);
                string type = m.Groups["type"].Value;
                if (type == "f64" && op is not ("ld" or "st" or "mov" or "cvt"))
                    problems.Add($"double arithmetic: {line}");
                else if (type == "f64" && op == "cvt")
                    problems.Add($"a conversion through double: {line}");
                if (type == "f32" && (op is "add" or "sub" or "mul" or "fma" or "div" or "sqrt" or "rcp") && !modifiers.Contains("rn"))
                    problems.Add($"{op}.f32 without .rn: {line}");
                if (op is "mad" or "ex2" or "lg2" or "sin" or "cos" or "tanh" or "rsqrt")
                    problems.Add($"approximate or fusable instruction {op}: {line}");
            }
            if (Modifier().Match(line) is { Success: true } bad)
                problems.Add($"{bad.Value} form: {line}");
            if (Call().Match(line) is { Success: true } call && !defined.Contains(call.Groups["name"].Value))
                problems.Add($"call of {call.Groups["name"].Value}, which the module does not define: {line}");
        }
        return problems;
    }

    /// <summary>
    /// Problems in the OpenCL C the engine builds for one kernel (empty when none): contraction not turned
    /// off, a built-in function whose result OpenCL does not fix (transcendentals, native_/half_ forms,
    /// mad, fmin/fmax), or a double.
    /// </summary>
    public static IReadOnlyList<string> CheckOpenCl(string source)
    {
        var problems = new List<string>();
        if (!source.StartsWith("#pragma OPENCL FP_CONTRACT OFF", StringComparison.Ordinal))
            problems.Add("the source does not begin with #pragma OPENCL FP_CONTRACT OFF");
        foreach (Match m in InexactBuiltin().Matches(source))
            problems.Add($"built-in {m.Groups["name"].Value}() has no exactly defined result");
        if (DoubleType().IsMatch(source))
            problems.Add("the source uses double");
        return problems;
    }

    // One PTX instruction with a type suffix: optional predicate, opcode, modifiers, type.
    [GeneratedRegex(@"^(@!?%\w+\s+)?(?<op>[a-z0-9]+)(?<mods>(\.[a-z0-9]+)*?)\.(?<type>f16|f32|f64)\b")]
    private static partial Regex Instruction();

    [GeneratedRegex(@"\.(approx|ftz|full)\b")]
    private static partial Regex Modifier();

    [GeneratedRegex(@"^(@!?%\w+\s+)?call(\.uni)?\s+(\([^)]*\)\s*,\s*)?(?<name>[A-Za-z_$][\w$]*)")]
    private static partial Regex Call();

    // A function of the module (".func (retval) name(" or ".func name(").
    [GeneratedRegex(@"\.func\s+(\([^)]*\)\s*)?(?<name>[A-Za-z_$][\w$]*)\s*\(")]
    private static partial Regex DefinedFunction();

    [GeneratedRegex(@"\b(?<name>native_\w+|half_\w+|exp|exp2|exp10|expm1|log|log2|log10|log1p|logb|pow|pown|powr|rootn|tanh|tan|sin|cos|sincos|sinpi|cospi|sinh|cosh|asin|acos|atan|atan2|mad|fmin|fmax|rsqrt|cbrt|hypot|erf|erfc|lgamma|tgamma)\s*\(")]
    private static partial Regex InexactBuiltin();

    [GeneratedRegex(@"\bdouble\d*\b")]
    private static partial Regex DoubleType();
}
