using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AiPlatform.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ChatContextWindow : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "context_tokens",
                table: "llm_models",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "token_scale",
                table: "llm_models",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "omitted_messages",
                table: "conversation_messages",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "context_tokens",
                table: "llm_models");

            migrationBuilder.DropColumn(
                name: "token_scale",
                table: "llm_models");

            migrationBuilder.DropColumn(
                name: "omitted_messages",
                table: "conversation_messages");
        }
    }
}
