namespace AiPlatform.Core.Data;

public enum DataSourceKind
{
    Postgres,
}
