using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AiPlatform.Infrastructure.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DataSourceTls : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "tls",
                table: "data_sources",
                type: "character varying(20)",
                maxLength: 20,
                nullable: false,
                defaultValue: "VerifyFull");

            // Sources saved before this change keep how they connected (PostgreSQL: Npgsql's Prefer; S3: https on
            // port 443 only; Kafka: plaintext); new ones verify TLS unless plaintext is chosen.
            migrationBuilder.Sql("UPDATE data_sources SET tls = CASE WHEN kind = 'Postgres' THEN 'Prefer' WHEN kind = 'S3' AND port = 443 THEN 'VerifyFull' ELSE 'Disable' END");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "tls",
                table: "data_sources");
        }
    }
}
