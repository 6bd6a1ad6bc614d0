using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace IlgpuVae.Bench;

/// <summary>
/// A GFLOP/s column: the benchmark's FLOPs (from its <c>Flops</c> property, 2 per multiply-add) over
/// its mean time.
/// </summary>
public sealed class GflopsColumn : IColumn
{
    public string Id => nameof(GflopsColumn);
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Billions of floating-point operations per second (2 per multiply-add), from the mean time";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is null) return "-";
        var instance = Activator.CreateInstance(benchmarkCase.Descriptor.Type)!;
        foreach (var p in benchmarkCase.Parameters.Items)
            benchmarkCase.Descriptor.Type.GetProperty(p.Name)?.SetValue(instance, p.Value);
        if (instance is not IFlopCount counted) return "-";
        double flops = counted.Flops(benchmarkCase.Descriptor.WorkloadMethod.Name);
        return flops <= 0 ? "-" : (flops / report.ResultStatistics.Mean).ToString("F1"); // ns → GFLOP/s
    }

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

/// <summary>A benchmark class that knows how many FLOPs each of its methods performs for the current parameters.</summary>
public interface IFlopCount
{
    /// <summary>FLOPs of one invocation of <paramref name="method"/>.</summary>
    double Flops(string method);
}
