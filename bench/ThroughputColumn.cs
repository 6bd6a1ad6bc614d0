using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace IlgpuVae.Bench;

/// <summary>A benchmark class that knows how much work each of its methods does for the current parameters.</summary>
public interface IWorkCount
{
    /// <summary>FLOPs of one invocation of <paramref name="method"/> (2 per multiply-add), or 0 when not compute-bound.</summary>
    double Flops(string method);

    /// <summary>Bytes read plus written by one invocation (compulsory traffic), or 0.</summary>
    double Bytes(string method);
}

/// <summary>A throughput column: GFLOP/s or GB/s from the benchmark's work count over its mean time.</summary>
public sealed class ThroughputColumn(bool flops) : IColumn
{
    /// <summary>GFLOP/s.</summary>
    public static readonly IColumn Gflops = new ThroughputColumn(true);
    /// <summary>GB/s.</summary>
    public static readonly IColumn GBps = new ThroughputColumn(false);

    public string Id => flops ? "GFLOPs" : "GBps";
    public string ColumnName => flops ? "GFLOP/s" : "GB/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => flops ? 0 : 1;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => flops ? "Floating-point operations per second / 10⁹ (2 per multiply-add), from the mean time"
                                  : "Compulsory bytes read and written per second / 10⁹, from the mean time";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is null) return "-";
        var instance = Activator.CreateInstance(benchmarkCase.Descriptor.Type)!;
        foreach (var p in benchmarkCase.Parameters.Items)
            benchmarkCase.Descriptor.Type.GetProperty(p.Name)?.SetValue(instance, p.Value);
        if (instance is not IWorkCount work) return "-";
        string method = benchmarkCase.Descriptor.WorkloadMethod.Name;
        double amount = flops ? work.Flops(method) : work.Bytes(method);
        return amount <= 0 ? "-" : (amount / report.ResultStatistics.Mean).ToString("F1"); // per ns = G per s
    }

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
