namespace AiPlatform.Core.Access;

/// <summary>The built-in roles and their permission templates; they are created at start and cannot be deleted.</summary>
public static class SystemRoles
{
    public const string Admin = "Admin";
    public const string DataEngineer = "Data Engineer";
    public const string DataAnalyst = "Data Analyst";
    public const string ModelDeveloper = "Model Developer";
    public const string AppBuilder = "App Builder";
    public const string Viewer = "Viewer";

    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Templates { get; } = new Dictionary<string, IReadOnlyList<string>>
    {
        [Admin] = Capabilities.All,
        [DataEngineer] = [Capabilities.ProjectsCreate, Capabilities.DatasetsCreate, Capabilities.JobsStart, Capabilities.ChatUse],
        [DataAnalyst] = [Capabilities.ProjectsCreate, Capabilities.JobsStart, Capabilities.ChatUse],
        [ModelDeveloper] =
        [
            Capabilities.ProjectsCreate, Capabilities.DatasetsCreate, Capabilities.ExperimentsCreate, Capabilities.ModelsCreate,
            Capabilities.ModelsDeploy, Capabilities.JobsStart, Capabilities.TrainingCustomCode, Capabilities.ChatUse,
        ],
        [AppBuilder] = [Capabilities.ProjectsCreate, Capabilities.AppsCreate, Capabilities.KnowledgeBasesCreate, Capabilities.ChatUse],
        [Viewer] = [],
    };

    /// <summary>Stable ids, so that the same role has the same id on every installation.</summary>
    public static Guid IdOf(string name) => name switch
    {
        Admin => new Guid("00000000-0000-0000-0000-00000000a001"),
        DataEngineer => new Guid("00000000-0000-0000-0000-00000000a002"),
        DataAnalyst => new Guid("00000000-0000-0000-0000-00000000a003"),
        ModelDeveloper => new Guid("00000000-0000-0000-0000-00000000a004"),
        AppBuilder => new Guid("00000000-0000-0000-0000-00000000a005"),
        Viewer => new Guid("00000000-0000-0000-0000-00000000a006"),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a system role."),
    };
}
