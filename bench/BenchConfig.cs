using BenchmarkDotNet.Configs;

namespace IlgpuVae.Bench;

/// <summary>The suites' shared configuration: the throughput columns.</summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddColumn(ThroughputColumn.Gflops, ThroughputColumn.GBps);
        WithOptions(ConfigOptions.DisableOptimizationsValidator);
    }
}
