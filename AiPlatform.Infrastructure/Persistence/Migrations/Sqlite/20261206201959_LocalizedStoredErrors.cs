using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AiPlatform.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class LocalizedStoredErrors : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "error_arguments",
                table: "training_runs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "error_key",
                table: "training_runs",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "error_arguments",
                table: "studies",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "error_key",
                table: "studies",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "error_arguments",
                table: "serving_endpoints",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "error_key",
                table: "serving_endpoints",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "status_message_arguments",
                table: "model_versions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "status_message_key",
                table: "model_versions",
                type: "TEXT",
                maxLength: 200,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "error_arguments",
                table: "training_runs");

            migrationBuilder.DropColumn(
                name: "error_key",
                table: "training_runs");

            migrationBuilder.DropColumn(
                name: "error_arguments",
                table: "studies");

            migrationBuilder.DropColumn(
                name: "error_key",
                table: "studies");

            migrationBuilder.DropColumn(
                name: "error_arguments",
                table: "serving_endpoints");

            migrationBuilder.DropColumn(
                name: "error_key",
                table: "serving_endpoints");

            migrationBuilder.DropColumn(
                name: "status_message_arguments",
                table: "model_versions");

            migrationBuilder.DropColumn(
                name: "status_message_key",
                table: "model_versions");
        }
    }
}
