using System.Globalization;
using AiPlatform.Core.Data;

namespace AiPlatform.Web.Features.Data;

/// <summary>
/// How the SQL console shows a result cell: floating-point values rounded for reading (0.30000000000000004 → 0.3), the
/// full value kept for the cell's tooltip, the CSV download and the API, which all use the result as DuckDB returned it.
/// </summary>
public static class SqlCells
{
    private const int Decimals = 6;

    /// <summary>Whether a column holds binary floating-point numbers (DuckDB's DOUBLE, FLOAT and their aliases).</summary>
    public static bool IsFloatingPoint(DatasetColumn column) =>
        column.Type.ToUpperInvariant() is "DOUBLE" or "FLOAT" or "REAL" or "FLOAT4" or "FLOAT8" or "DOUBLE PRECISION";

    /// <summary>The cell as shown: a floating-point value rounded to at most six decimals (or six significant digits when tiny or huge).</summary>
    public static string Display(DatasetColumn column, string? value)
    {
        if (value is null)
        {
            return "∅";
        }

        if (!IsFloatingPoint(column) || !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
        {
            return value;
        }

        var magnitude = Math.Abs(number);
        return magnitude == 0 || (magnitude >= 1e-4 && magnitude < 1e15)
            ? Math.Round(number, Decimals, MidpointRounding.AwayFromZero).ToString("0.######", CultureInfo.InvariantCulture)
            : number.ToString("G6", CultureInfo.InvariantCulture);
    }

    /// <summary>The full value for the cell's tooltip, or null when the shown text already is the full value.</summary>
    public static string? FullValue(DatasetColumn column, string? value) =>
        value is not null && Display(column, value) != value ? value : null;
}
