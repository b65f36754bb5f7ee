namespace AiPlatform.Web.Features.Apps;

/// <summary>A variable offered by the picker: <c>{{node.field}}</c> with where it comes from and its type.</summary>
public sealed record AppVariableOption(string Reference, string Source, string Type);
