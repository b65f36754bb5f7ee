using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace AiPlatform.Web.Tests.Architecture;

/// <summary>
/// Web talks to Core only: pages and endpoints never use an Infrastructure adapter or an SDK directly. The composition
/// root (Program.cs, WebHostExtensions.cs) is the one place that names Infrastructure, and only to register and configure it.
/// </summary>
public class WebDependencyTests
{
    /// <summary>What the composition root may name: the registration extensions and the options it reads at start-up.</summary>
    private static readonly string[] CompositionRoot =
    [
        "AiPlatform.Infrastructure.DependencyInjection",
        "AiPlatform.Infrastructure.PlatformOptions",
        "AiPlatform.Infrastructure.Identity.OidcSetup",
        "AiPlatform.Infrastructure.Persistence.DatabaseOptions",
    ];

    /// <summary>SDKs and stores that only Infrastructure may reference.</summary>
    private static readonly string[] Sdks =
    [
        "Microsoft.EntityFrameworkCore", "Npgsql", "Minio", "KubernetesClient", "DuckDB.NET", "Microsoft.ML",
        "Microsoft.ML.OnnxRuntime", "OpenAI", "Hangfire.PostgreSql", "Confluent.Kafka",
    ];

    [Fact]
    public void Web_names_no_infrastructure_type_outside_the_composition_root()
    {
        var used = ReferencedTypes("AiPlatform.Infrastructure");

        used.Except(CompositionRoot).ShouldBeEmpty();
    }

    [Fact]
    public void Web_references_no_sdk_that_belongs_to_infrastructure()
    {
        var references = typeof(Program).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        references.Where(r => Sdks.Any(s => r == s || r.StartsWith(s + ".", StringComparison.Ordinal))).ShouldBeEmpty();
        references.ShouldContain("AiPlatform.Core");
    }

    /// <summary>Full names of the types the Web assembly's metadata references from <paramref name="assembly"/>.</summary>
    private static List<string> ReferencedTypes(string assembly)
    {
        using var stream = File.OpenRead(typeof(Program).Assembly.Location);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new List<string>();
        foreach (var handle in md.TypeReferences)
        {
            var type = md.GetTypeReference(handle);
            var outer = type;
            while (outer.ResolutionScope.Kind == HandleKind.TypeReference)
            {
                outer = md.GetTypeReference((TypeReferenceHandle)outer.ResolutionScope);
            }

            if (outer.ResolutionScope.Kind == HandleKind.AssemblyReference
                && md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)outer.ResolutionScope).Name) == assembly)
            {
                names.Add($"{md.GetString(outer.Namespace)}.{md.GetString(type.Name)}");
            }
        }

        return [.. names.Distinct().Order()];
    }
}
