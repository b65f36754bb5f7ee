using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AiPlatform.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class LocalizedChatErrors : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "error_arguments",
                table: "knowledge_documents",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "error_key",
                table: "knowledge_documents",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "error_arguments",
                table: "conversation_messages",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "error_key",
                table: "conversation_messages",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            // Conversations no longer store an English "New chat": an empty title is shown in the user's language.
            migrationBuilder.Sql("UPDATE conversations SET title = '' WHERE title = 'New chat';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "error_arguments",
                table: "knowledge_documents");

            migrationBuilder.DropColumn(
                name: "error_key",
                table: "knowledge_documents");

            migrationBuilder.DropColumn(
                name: "error_arguments",
                table: "conversation_messages");

            migrationBuilder.DropColumn(
                name: "error_key",
                table: "conversation_messages");
        }
    }
}
