namespace AiPlatform.Core.Access;

/// <summary>
/// What a role allows, independent of any single object. Per-object rights (Read/Write/Manage) come from
/// ownership and grants; <see cref="ObjectsManageAll"/> lets a holder act on every object as its manager.
/// </summary>
public static class Capabilities
{
    public const string UsersManage = "users.manage";
    public const string RolesManage = "roles.manage";
    public const string GroupsManage = "groups.manage";
    public const string AuditRead = "audit.read";
    public const string SettingsManage = "settings.manage";
    public const string ObjectsManageAll = "objects.manage-all";
    public const string JobsStart = "jobs.start";
    public const string JobsManage = "jobs.manage";

    /// <summary>
    /// Running code a user brings (uploaded or Git code, a custom command, studies over custom runs). The Local backend
    /// runs it in a sandbox, but it is still arbitrary code on the platform's host: granted apart from <see cref="JobsStart"/>.
    /// </summary>
    public const string TrainingCustomCode = "training.custom-code";
    public const string ProjectsCreate = "projects.create";
    public const string DatasetsCreate = "datasets.create";
    public const string ExperimentsCreate = "experiments.create";
    public const string ModelsCreate = "models.create";
    public const string ModelsDeploy = "models.deploy";
    public const string AppsCreate = "apps.create";
    public const string KnowledgeBasesCreate = "knowledge-bases.create";
    public const string ChatUse = "chat.use";

    public static IReadOnlyList<string> All { get; } =
    [
        UsersManage, RolesManage, GroupsManage, AuditRead, SettingsManage, ObjectsManageAll, JobsStart, JobsManage, TrainingCustomCode,
        ProjectsCreate, DatasetsCreate, ExperimentsCreate, ModelsCreate, ModelsDeploy, AppsCreate, KnowledgeBasesCreate, ChatUse,
    ];

    public static bool IsKnown(string capability) => All.Contains(capability, StringComparer.Ordinal);
}
