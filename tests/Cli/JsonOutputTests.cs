using System.CommandLine;
using System.Text.Json;
using System.Text.RegularExpressions;
using IlgpuVae.Runner;
using NUnit.Framework;
using static IlgpuVae.Tests.CommandLine.CliRun;

namespace IlgpuVae.Tests.CommandLine;

/// <summary>
/// Every JSON document the program writes, read as a script reads it: each command's --json output (every
/// command that has the option is listed here, or the listing test fails) and the files of a run folder
/// (config.json, metrics.jsonl, an experiment's curve.jsonl). Each is checked against its schema: the
/// names it has, in snake_case, and the JSON type of every value — numbers as numbers, true/false as
/// booleans, lists as arrays, never as strings.
/// </summary>
[TestFixture]
public sealed partial class JsonOutputTests
{
    private TinyRunFolder _folder = null!;
    private string _data = "", _run = "", _fig2 = "";

    [OneTimeSetUp]
    public void TrainTinyModel()
    {
        _folder = TinyRunFolder.Create(hidden: "8,4");
        (_data, _run, _fig2) = (_folder.Data, _folder.Run, Path.Combine(_folder.Dir, "fig2"));
    }

    [OneTimeTearDown]
    public void Remove() => _folder.Dispose();

    /// <summary>
    /// The value types of one document: path ("a.b[].c"; "*" stands for any name) → the JSON types it may
    /// have ("number" includes whole numbers; "optional": a top-level name that may be absent).
    /// </summary>
    private static readonly Dictionary<string, Dictionary<string, string>> Schemas = new()
    {
        ["devices"] = new()
        {
            ["devices"] = "array", ["devices[]"] = "object", ["devices[].kind"] = "string", ["devices[].index"] = "integer",
            ["devices[].name"] = "string", ["devices[].usable"] = "boolean", ["devices[].reason"] = "string|null",
            ["devices[].details"] = "object", ["devices[].details.*"] = "string|integer|number|boolean",
        },
        ["data"] = new()
        {
            ["data"] = "string", ["train_images"] = "integer", ["test_images"] = "integer", ["rows"] = "integer", ["columns"] = "integer",
            ["labels"] = "boolean",
        },
        ["eval"] = new()
        {
            ["model"] = "string", ["architecture"] = "string", ["epoch"] = "integer", ["step"] = "integer", ["data"] = "string",
            ["images"] = "integer", ["test_elbo"] = "number", ["test_log_likelihood"] = "number|null", ["importance_samples"] = "integer",
            ["accelerator"] = "string",
        },
        ["bench"] = new()
        {
            ["accelerator"] = "string", ["model"] = "string", ["batch_size"] = "integer", ["steps"] = "integer", ["repeats"] = "integer",
            ["steps_per_second"] = "number", ["samples_per_second"] = "number", ["ms_per_step"] = "number", ["gflops_per_second"] = "number",
            ["seconds"] = "array", ["seconds[]"] = "number", ["kernel_sequences"] = "string|null",
        },
        ["bench --kernels"] = new()
        {
            ["baseline"] = "string|null", ["repeats"] = "integer",
            ["accelerators"] = "array", ["accelerators[]"] = "object", ["accelerators[].id"] = "string", ["accelerators[].kind"] = "string",
            ["accelerators[].device"] = "integer", ["accelerators[].name"] = "string", ["accelerators[].baseline"] = "boolean",
            ["accelerators[].timer"] = "string", ["accelerators[].fp32_peak_gflops"] = "number|null",
            ["accelerators[].memory_bandwidth_gbs"] = "number|null", ["accelerators[].warm_up_rounds"] = "integer",
            ["accelerators[].warm_up_seconds"] = "number", ["accelerators[].jit_settled"] = "boolean",
            ["kernels"] = "array", ["kernels[]"] = "object", ["kernels[].kernel"] = "string", ["kernels[].shape"] = "string",
            ["kernels[].batch"] = "integer", ["kernels[].flops_per_launch"] = "number|null", ["kernels[].bytes_per_launch"] = "number|null",
            ["kernels[].timings"] = "array", ["kernels[].timings[]"] = "object", ["kernels[].timings[].accelerator"] = "string",
            ["kernels[].timings[].launches"] = "integer", ["kernels[].timings[].microseconds_per_launch"] = "number",
            ["kernels[].timings[].min_microseconds"] = "number", ["kernels[].timings[].max_microseconds"] = "number",
            ["kernels[].timings[].gflops_per_second"] = "number|null", ["kernels[].timings[].gigabytes_per_second"] = "number|null",
            ["kernels[].timings[].percent_of_fp32_peak"] = "number|null", ["kernels[].timings[].percent_of_memory_bandwidth"] = "number|null",
            ["kernels[].timings[].speedup_over_baseline"] = "number|null",
            ["kernels[].timings[].repetition_microseconds"] = "array", ["kernels[].timings[].repetition_microseconds[]"] = "number",
        },
        ["bench --peak"] = new()
        {
            ["cpu"] = "string|null", ["simd"] = "string", ["vector_bits"] = "integer", ["chains"] = "integer", ["hardware_fma"] = "boolean",
            ["repeats"] = "integer", ["iterations_per_thread"] = "integer", ["results"] = "array", ["results[]"] = "object",
            ["results[].threads"] = "integer", ["results[].gflops_per_second"] = "number",
            ["results[].repetition_gflops_per_second"] = "array", ["results[].repetition_gflops_per_second[]"] = "number",
        },
        ["verify"] = new()
        {
            ["reference"] = "string", ["target"] = "string", ["identical"] = "boolean", ["elements_compared"] = "integer",
            ["checks"] = "array", ["checks[]"] = "object", ["checks[].name"] = "string", ["checks[].elements_compared"] = "integer",
            ["checks[].different_elements"] = "integer", ["checks[].max_ulp_distance"] = "integer", ["checks[].first_mismatch"] = "object|null",
            ["checks[].first_mismatch.*"] = "string|integer|number|null", ["checks[].error"] = "string|null",
            ["checks[].identical"] = "boolean", ["checks[].summary"] = "string",
        },
        ["experiment fig2"] = new()
        {
            ["data"] = "string", ["binarize"] = "string", ["folder"] = "string", ["runs"] = "array", ["runs[]"] = "object",
            ["runs[].latent"] = "integer", ["runs[].samples"] = "integer", ["runs[].train_elbo"] = "number", ["runs[].test_elbo"] = "number",
            ["runs[].train_seconds"] = "number", ["runs[].wall_seconds"] = "number", ["runs[].accelerator"] = "string", ["runs[].folder"] = "string",
        },
        ["config.json"] = new()
        {
            ["latent"] = "integer", ["hidden"] = "array", ["hidden[]"] = "integer", ["epochs"] = "integer", ["batch_size"] = "integer", ["batch_parts"] = "integer",
            ["lr"] = "number", ["optimizer"] = "string", ["likelihood"] = "string", ["estimator"] = "string", ["samples"] = "integer",
            ["min_log_variance"] = "number", ["weight_decay"] = "number", ["seed"] = "integer", ["binarize"] = "string",
            ["keep_checkpoints"] = "integer", ["on_divergence"] = "string", ["data"] = "string", ["data_dir"] = "string|optional",
            ["train_limit"] = "integer|optional", ["checkpoint_every"] = "integer|optional", ["device"] = "integer|optional",
            ["threads"] = "integer|optional", ["accelerator"] = "string", ["no_cuda_graphs"] = "boolean", ["_accelerator"] = "string", ["_input_size"] = "integer",
            ["_engine_version"] = "string",
        },
        ["metrics.jsonl"] = new()
        {
            ["epoch"] = "integer", ["step"] = "integer", ["samples"] = "integer", ["train_elbo"] = "number", ["test_elbo"] = "number|null",
            ["seconds"] = "number", ["eval_seconds"] = "number", ["accelerator"] = "string",
        },
        ["curve.jsonl"] = new()
        {
            ["samples"] = "integer", ["step"] = "integer", ["train_elbo"] = "number", ["test_elbo"] = "number", ["seconds"] = "number",
        },
    };

    /// <summary>How each command's JSON is produced here (small inputs, the CPU).</summary>
    private string[] Arguments(string command) => command switch
    {
        "devices" => ["devices", "--json"],
        "data" => ["data", "--json", "--data", _data],
        "eval" => ["eval", "--json", "--model", _run, "--data", _data, "--accelerator", "cpu", "--samples", "20"],
        "bench" => ["bench", "--json", "--steps", "2", "--repeats", "1", "--hidden", "8", "--latent", "2", "--batch-size", "10", "--accelerator", "cpu"],
        "bench --kernels" => ["bench", "--kernels", "--json", "--accelerator", "cpu", "--repeats", "1", "--kernel-iterations", "1", "--batch-size", "100"],
        "bench --peak" => ["bench", "--peak", "--json", "--repeats", "1", "--threads", "1"],
        "verify" => ["verify", "--json", "--accelerator", "cpu", "--skip-training"],
        "experiment fig2" => ["experiment", "fig2", "--json", "--data", _data, "--latents", "2", "--budget-samples", "200", "--hidden", "8",
            "--train-eval-images", "20", "--accelerator", "cpu", "--out", _fig2],
        _ => throw new ArgumentException(command),
    };

    private static readonly string[] Commands = ["devices", "data", "eval", "bench", "bench --kernels", "bench --peak", "verify", "experiment fig2"];

    [TestCaseSource(nameof(Commands))]
    public void CommandJsonFollowsItsSchema(string command)
    {
        var r = Run(["-q", .. Arguments(command)]);
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Success), r.Err);
        Assert.That(r.Err, Is.Empty, "--quiet: nothing on stderr");
        CheckDocument(command, JsonDocument.Parse(r.Out).RootElement);
    }

    [Test]
    public void RunFolderFilesFollowTheirSchemas()
    {
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_run, "config.json"))).RootElement;
        CheckDocument("config.json", config);
        Assert.That(config.GetProperty("hidden").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 8, 4 }));
        foreach (string line in File.ReadAllLines(Path.Combine(_run, "metrics.jsonl")))
            CheckDocument("metrics.jsonl", JsonDocument.Parse(line).RootElement);
        if (!File.Exists(Path.Combine(_fig2, "nz-2", "curve.jsonl"))) CommandJsonFollowsItsSchema("experiment fig2");
        foreach (string line in File.ReadAllLines(Path.Combine(_fig2, "nz-2", "curve.jsonl")))
            CheckDocument("curve.jsonl", JsonDocument.Parse(line).RootElement);
    }

    /// <summary>Every command that takes --json has a schema and a case here (bench's modes are separate cases).</summary>
    [Test]
    public void EveryCommandWithJsonIsChecked()
    {
        var root = Cli.CreateRoot(new CliConsole(TextWriter.Null, TextWriter.Null, false), new ScriptingOptions());
        var withJson = new List<string>();
        void Walk(Command command, string path)
        {
            if (command.Options.Any(o => o.Name == "--json")) withJson.Add(path);
            foreach (var sub in command.Subcommands) Walk(sub, path.Length == 0 ? sub.Name : $"{path} {sub.Name}");
        }
        Walk(root, "");
        Assert.That(withJson, Is.Not.Empty);
        foreach (string command in withJson) Assert.That(Commands, Does.Contain(command), $"`{command} --json` has no schema test");
        Assert.That(Commands.Select(c => c.Split(" --")[0]).Distinct(), Is.EquivalentTo(withJson), "a schema test for a command without --json");
    }

    [Test]
    public void TheSchemaCheckRejectsStringsThatHoldNumbersOrBooleans()
    {
        var bad = JsonDocument.Parse("""{"devices": [{"kind": "cpu", "index": "0", "name": "x", "usable": "true", "reason": null, "details": {}}]}""").RootElement;
        Assert.That(() => CheckDocument("devices", bad), Throws.InstanceOf<AssertionException>());
        var spaced = JsonDocument.Parse("""{"devices": [{"kind": "cpu", "index": 0, "name": "x", "usable": true, "reason": null, "details": {"compute units": 2}}]}""").RootElement;
        Assert.That(() => CheckDocument("devices", spaced), Throws.InstanceOf<AssertionException>());
    }

    /// <summary>
    /// Every key is snake_case (a leading _ marks a comment key of config.json), every value has a type its
    /// schema allows, every required top-level name is there, and no string holds a whole number, a truth
    /// value or a non-finite number (a decimal such as a driver version "12.4" may be text).
    /// </summary>
    private static void CheckDocument(string name, JsonElement document)
    {
        var schema = Schemas[name];
        var seen = new List<(string Path, string Type)>();
        Flatten(document, "", seen);
        foreach (var (path, type) in seen.Where(p => p.Path.Length > 0))
        {
            string key = path.Split('.')[^1].TrimEnd('[', ']');
            Assert.That(key, Does.Match(SnakeCase().ToString()), $"{name}: '{path}' is not snake_case");
            string? allowed = schema.GetValueOrDefault(path) ?? schema.GetValueOrDefault(Wildcard().Replace(path, ".*"));
            Assert.That(allowed, Is.Not.Null, $"{name}: '{path}' is not in the schema");
            var types = allowed!.Split('|');
            Assert.That(types.Contains(type) || (type == "integer" && types.Contains("number")), $"{name}: '{path}' is {type}, the schema says {allowed}");
        }
        foreach (string top in schema.Where(k => !k.Key.Contains('.') && !k.Key.Contains('[') && !k.Value.Contains("optional")).Select(k => k.Key))
            Assert.That(document.TryGetProperty(top, out _), $"{name}: '{top}' is missing");
        foreach (var text in Strings(document))
            Assert.That(text, Does.Not.Match(@"^(-?[0-9]+|true|false|yes|no|NaN|-?Infinity)$"), $"{name}: a number or truth value written as a string");
    }

    private static void Flatten(JsonElement e, string path, List<(string, string)> seen)
    {
        seen.Add((path, Kind(e)));
        if (e.ValueKind == JsonValueKind.Object)
            foreach (var p in e.EnumerateObject()) Flatten(p.Value, path.Length == 0 ? p.Name : $"{path}.{p.Name}", seen);
        else if (e.ValueKind == JsonValueKind.Array)
            foreach (var item in e.EnumerateArray()) Flatten(item, path + "[]", seen);
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => e.TryGetInt64(out _) && !e.GetRawText().Contains('.') && !e.GetRawText().Contains('e') ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    private static IEnumerable<string> Strings(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => [e.GetString()!],
        JsonValueKind.Object => e.EnumerateObject().SelectMany(p => Strings(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().SelectMany(Strings),
        _ => [],
    };

    [GeneratedRegex("^_?[a-z][a-z0-9]*(_[a-z0-9]+)*$")]
    private static partial Regex SnakeCase();

    /// <summary>The last name of a path, for the "*" entries of open-ended objects (a device's details, a mismatch).</summary>
    [GeneratedRegex(@"\.[^.\[\]]+$")]
    private static partial Regex Wildcard();
}
