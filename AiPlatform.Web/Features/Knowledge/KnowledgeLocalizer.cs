using AiPlatform.Core.Knowledge;
using AiPlatform.Web.Features.Chat;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Features.Knowledge;

public static class KnowledgeLocalizer
{
    /// <summary>Why a document failed, in the user's language where the platform saved the reason's resource.</summary>
    public static string DocumentError(this IStringLocalizer localizer, KnowledgeDocument document) =>
        localizer.Stored(document.ErrorKey, document.ErrorArguments, document.Error ?? string.Empty);
}
