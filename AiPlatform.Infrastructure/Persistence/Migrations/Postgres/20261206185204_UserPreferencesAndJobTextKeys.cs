using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AiPlatform.Infrastructure.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class UserPreferencesAndJobTextKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "checklist_dismissed",
                table: "users",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "dark_mode",
                table: "users",
                type: "boolean",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "title_arguments",
                table: "jobs",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "title_key",
                table: "jobs",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "message_arguments",
                table: "job_logs",
                type: "character varying(4000)",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "message_key",
                table: "job_logs",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "checklist_dismissed",
                table: "users");

            migrationBuilder.DropColumn(
                name: "dark_mode",
                table: "users");

            migrationBuilder.DropColumn(
                name: "title_arguments",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "title_key",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "message_arguments",
                table: "job_logs");

            migrationBuilder.DropColumn(
                name: "message_key",
                table: "job_logs");
        }
    }
}
