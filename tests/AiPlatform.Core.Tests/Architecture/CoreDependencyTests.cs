using System.Reflection;

namespace AiPlatform.Core.Tests.Architecture;

public class CoreDependencyTests
{
    private static readonly string[] Forbidden =
    [
        "Microsoft.EntityFrameworkCore", "Microsoft.AspNetCore", "Hangfire", "Minio", "KubernetesClient", "k8s",
        "Microsoft.ML", "Microsoft.ML.OnnxRuntime", "Npgsql", "Serilog", "MudBlazor", "DuckDB",
    ];

    [Fact]
    public void Core_references_no_framework_or_sdk_assembly()
    {
        var references = typeof(DependencyInjection).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        var offending = references.Where(r => Forbidden.Any(f => r == f || r.StartsWith(f + ".", StringComparison.Ordinal))).ToList();

        offending.ShouldBeEmpty();
        references.ShouldContain("Microsoft.Extensions.Logging.Abstractions");
    }

    [Fact]
    public void Core_types_do_not_expose_forbidden_types_in_their_signatures()
    {
        var publicTypes = typeof(DependencyInjection).Assembly.GetExportedTypes();
        var exposed = publicTypes
            .SelectMany(t => t.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .OfType<MethodInfo>()
            .SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType))
            .Select(t => t.Assembly.GetName().Name!)
            .Where(n => Forbidden.Any(f => n.StartsWith(f, StringComparison.Ordinal)))
            .ToList();

        exposed.ShouldBeEmpty();
    }
}
