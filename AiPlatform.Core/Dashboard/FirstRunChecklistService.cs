using AiPlatform.Core.Access;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Preferences;
using AiPlatform.Core.Serving;
using AiPlatform.Core.Training;

namespace AiPlatform.Core.Dashboard;

/// <summary>
/// The dashboard's first-run checklist for administrators (holders of <c>users.manage</c>): null for everyone else and
/// for an administrator who dismissed it.
/// </summary>
public sealed class FirstRunChecklistService(
    AccessService access,
    UserPreferenceService preferences,
    IInitialPasswordCheck passwords,
    IUserDirectory users,
    IChatStore chat,
    IDatasetStore datasets,
    ITrainingStore training,
    IEndpointStore endpoints)
{
    public async Task<FirstRunChecklist?> GetAsync(CancellationToken ct)
    {
        var context = await access.FindContextAsync(ct);
        if (context is null || !context.Has(Capabilities.UsersManage) || (await preferences.GetMineAsync(ct)).ChecklistDismissed)
        {
            return null;
        }

        var trained = await training.ListReadableAsync(context, new TrainingQuery(null, null, TrainingStatus.Succeeded, null, 0, 1), ct);
        return new FirstRunChecklist(
            PasswordChanged: !await passwords.StillInitialAsync(context.UserId, ct),
            UserAdded: await users.CountAsync(ct) > 1,
            LlmProviderConnected: (await chat.ListProvidersAsync(ct)).Count > 0,
            DatasetUploaded: (await datasets.ListReadableAsync(context, null, null, new PageRequest(0, 1), ct)).TotalCount > 0,
            ModelTrained: trained.Total > 0,
            EndpointDeployed: (await endpoints.ListAllAsync(ct)).Count > 0);
    }

    /// <summary>Hides the checklist for the caller, on every browser.</summary>
    public Task DismissAsync(CancellationToken ct) => preferences.UpdateMineAsync(new PreferenceUpdate(ChecklistDismissed: true), ct);
}
