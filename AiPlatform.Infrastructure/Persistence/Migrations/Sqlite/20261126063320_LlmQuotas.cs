using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AiPlatform.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class LlmQuotas : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "llm_quotas",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    principal_type = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    principal_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    tokens_per_day = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_llm_quotas", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_llm_quotas_principal_type_principal_id",
                table: "llm_quotas",
                columns: new[] { "principal_type", "principal_id" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "llm_quotas");
        }
    }
}
