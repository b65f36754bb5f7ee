using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AiPlatform.Infrastructure.Persistence.Migrations.Postgres
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
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "token_scale",
                table: "llm_models",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "omitted_messages",
                table: "conversation_messages",
                type: "integer",
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
