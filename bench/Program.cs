using BenchmarkDotNet.Running;

namespace IlgpuVae.Bench;

/// <summary>Entry point: `dotnet run -c Release --project bench -- --filter '*'` runs the BenchmarkDotNet suites.</summary>
public static class Program
{
    /// <summary>Hands the arguments to BenchmarkDotNet's switcher.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
