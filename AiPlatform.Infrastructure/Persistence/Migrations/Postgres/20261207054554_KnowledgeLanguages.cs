using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AiPlatform.Infrastructure.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class KnowledgeLanguages : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "embedding_languages",
                table: "llm_models",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "language",
                table: "knowledge_chunks",
                type: "character varying(8)",
                maxLength: 8,
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "vector_weight",
                table: "knowledge_bases",
                type: "double precision",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_knowledge_chunks_knowledge_base_id_language",
                table: "knowledge_chunks",
                columns: new[] { "knowledge_base_id", "language" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_knowledge_chunks_knowledge_base_id_language",
                table: "knowledge_chunks");

            migrationBuilder.DropColumn(
                name: "embedding_languages",
                table: "llm_models");

            migrationBuilder.DropColumn(
                name: "language",
                table: "knowledge_chunks");

            migrationBuilder.DropColumn(
                name: "vector_weight",
                table: "knowledge_bases");
        }
    }
}
