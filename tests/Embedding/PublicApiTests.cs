using System.Reflection;
using System.Text.RegularExpressions;
using IlgpuVae.Engine.Model;
using NUnit.Framework;

namespace IlgpuVae.Tests.Embedding;

/// <summary>
/// docs/api.md lists the library's whole public surface: one <c>### `Type`</c> section per public type of
/// IlgpuVae.Engine, no section for a type that is not public, and every public member named in its
/// type's section. A member made public without being documented there fails this test.
/// </summary>
[TestFixture]
public sealed class PublicApiTests
{
    // Members the compiler writes for records and enums; they are not API anyone designs.
    private static readonly HashSet<string> Generated = ["Equals", "GetHashCode", "ToString", "Deconstruct", "<Clone>$", "PrintMembers", "EqualityContract", "value__"];

    private static Dictionary<string, string> Sections()
    {
        string text = File.ReadAllText(RepositoryFiles.Resolve("docs/api.md"));
        var sections = new Dictionary<string, string>();
        foreach (Match m in Regex.Matches(text, @"^### `(?<name>[A-Za-z]+)`\s*$(?<body>.*?)(?=^##)", RegexOptions.Multiline | RegexOptions.Singleline))
            sections[m.Groups["name"].Value] = m.Groups["body"].Value;
        return sections;
    }

    private static Type[] PublicTypes() => typeof(VaeModel).Assembly.GetExportedTypes();

    [Test]
    public void EveryPublicTypeHasASectionAndEverySectionIsAPublicType()
    {
        var sections = Sections();
        Assert.That(sections.Keys, Is.EquivalentTo(PublicTypes().Select(t => t.Name)));
    }

    [Test]
    public void EveryPublicMemberIsNamedInItsSection()
    {
        var sections = Sections();
        var missing = new List<string>();
        foreach (var type in PublicTypes())
        {
            if (!sections.TryGetValue(type.Name, out var section)) continue; // the other test reports it
            var members = type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Where(m => m is not ConstructorInfo && !(m is MethodInfo { IsSpecialName: true }) && !Generated.Contains(m.Name))
                .Select(m => m.Name)
                .Distinct();
            missing.AddRange(members.Where(name => !Regex.IsMatch(section, $@"\b{Regex.Escape(name)}\b")).Select(name => $"{type.Name}.{name}"));
        }
        Assert.That(missing, Is.Empty, "public members not named in docs/api.md");
    }

    [Test]
    public void TheEngineKeepsItsKernelLayerInternal()
    {
        var names = PublicTypes().Select(t => t.Name).ToHashSet();
        foreach (string name in new[] { "IKernels", "DeviceBuffer`1", "BufferView`1", "CpuAccelerator", "OpenClAccelerator", "CudaAccelerator",
                     "ParameterLayout", "Verifier", "EngineJson" })
            Assert.That(names, Does.Not.Contain(name));
    }
}
