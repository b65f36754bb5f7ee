namespace AiPlatform.Web.Components.Shared.Charts;

/// <summary>The colours a chart takes from the MudBlazor palette of one mode (light or dark); CSS colour strings.</summary>
/// <param name="Text">Titles, tick labels, legend.</param>
/// <param name="Muted">Axis titles and secondary text.</param>
/// <param name="Grid">Grid lines.</param>
/// <param name="Line">Axis lines and the zero line.</param>
/// <param name="HoverBackground">The background of hover labels.</param>
public sealed record ChartColors(string Text, string Muted, string Grid, string Line, string HoverBackground);
