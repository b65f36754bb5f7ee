using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AiPlatform.Infrastructure.Persistence.Migrations.Postgres
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
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "error_key",
                table: "training_runs",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "error_arguments",
                table: "studies",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "error_key",
                table: "studies",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "error_arguments",
                table: "serving_endpoints",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "error_key",
                table: "serving_endpoints",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "status_message_arguments",
                table: "model_versions",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "status_message_key",
                table: "model_versions",
                type: "character varying(200)",
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
