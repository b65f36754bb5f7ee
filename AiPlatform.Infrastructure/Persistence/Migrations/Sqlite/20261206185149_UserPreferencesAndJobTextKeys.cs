using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AiPlatform.Infrastructure.Persistence.Migrations.Sqlite
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
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "dark_mode",
                table: "users",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "title_arguments",
                table: "jobs",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "title_key",
                table: "jobs",
                type: "TEXT",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "message_arguments",
                table: "job_logs",
                type: "TEXT",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "message_key",
                table: "job_logs",
                type: "TEXT",
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
