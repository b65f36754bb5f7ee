using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace AiPlatform.Infrastructure.Persistence.Stores;

/// <summary>
/// Inserts many new rows of one entity with multi-row <c>INSERT</c> statements built from the EF model (table, columns,
/// value converters), without the change tracker: for append-only records written in bulk by a background writer
/// (platform traces), where tracking each row cost more than the database did. Call it inside a transaction.
/// </summary>
internal static class BulkInsert
{
    /// <summary>
    /// The most parameters one statement binds. SQLite looks each parameter's name up by a linear scan of the statement's
    /// names, so binding n of them costs O(n²) string compares: at 500 that was ~5 % of the server's CPU under load (perf).
    /// </summary>
    private const int MaxParameters = 100;

    public static async Task RowsAsync<T>(DbContext db, IReadOnlyCollection<T> rows, CancellationToken ct)
        where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }

        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not an entity of the model.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        var columns = entity.GetProperties()
            .Where(p => p.GetColumnName(table) is not null && p.PropertyInfo is not null)
            .Select(p => (Property: p, Column: sql.DelimitIdentifier(p.GetColumnName(table)!), Converter: p.GetTypeMapping().Converter))
            .ToList();
        var head = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", columns.Select(c => c.Column))}) VALUES ";
        var perStatement = Math.Max(1, MaxParameters / columns.Count);
        foreach (var chunk in rows.Chunk(perStatement))
        {
            var text = new StringBuilder(head);
            var values = new List<object>(chunk.Length * columns.Count);
            for (var r = 0; r < chunk.Length; r++)
            {
                text.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < columns.Count; c++)
                {
                    var (property, _, converter) = columns[c];
                    var value = property.PropertyInfo!.GetValue(chunk[r]);
                    var stored = value is null ? null : converter is null ? value : converter.ConvertToProvider(value);
                    text.Append(c == 0 ? string.Empty : ", ");
                    if (stored is null)
                    {
                        text.Append("NULL");
                    }
                    else
                    {
                        values.Add(stored);
                        text.Append('{').Append(values.Count - 1).Append('}');
                    }
                }

                text.Append(')');
            }

            await db.Database.ExecuteSqlRawAsync(text.ToString(), values, ct);
        }
    }
}
