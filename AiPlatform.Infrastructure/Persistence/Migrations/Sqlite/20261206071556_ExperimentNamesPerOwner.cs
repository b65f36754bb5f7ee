using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AiPlatform.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ExperimentNamesPerOwner : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_experiments_name",
                table: "experiments");

            migrationBuilder.DropIndex(
                name: "ix_experiments_owner_id",
                table: "experiments");

            migrationBuilder.CreateIndex(
                name: "ix_experiments_name",
                table: "experiments",
                column: "name");

            migrationBuilder.CreateIndex(
                name: "ix_experiments_owner_id_name",
                table: "experiments",
                columns: new[] { "owner_id", "name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_experiments_name",
                table: "experiments");

            migrationBuilder.DropIndex(
                name: "ix_experiments_owner_id_name",
                table: "experiments");

            migrationBuilder.CreateIndex(
                name: "ix_experiments_name",
                table: "experiments",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_experiments_owner_id",
                table: "experiments",
                column: "owner_id");
        }
    }
}
