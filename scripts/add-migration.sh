#!/usr/bin/env bash
# Adds an EF Core migration for both providers: scripts/add-migration.sh NAME
set -euo pipefail
cd "$(dirname "$0")/../AiPlatform.Infrastructure"
dotnet tool restore >/dev/null
dotnet ef migrations add "$1" --context SqlitePlatformDbContext --output-dir Persistence/Migrations/Sqlite
dotnet ef migrations add "$1" --context PostgresPlatformDbContext --output-dir Persistence/Migrations/Postgres
