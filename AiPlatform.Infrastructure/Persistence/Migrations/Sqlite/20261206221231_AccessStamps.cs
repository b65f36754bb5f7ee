using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AiPlatform.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AccessStamps : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "access_stamps",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false),
                    stamp = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_access_stamps", x => x.id);
                });

            migrationBuilder.InsertData(
                table: "access_stamps",
                columns: new[] { "id", "stamp" },
                values: new object[] { 1, new Guid("4c0f6f8e-2f51-4b8e-9a53-1d6f3f0b7a10") });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "access_stamps");
        }
    }
}
