namespace AiPlatform.Web.Features.Apps;

/// <summary>A choice of a select field: the stored value and its label.</summary>
public sealed record SelectOption(string Value, string Label);
