using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AiPlatform.Infrastructure.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ServingEndpoints : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "serving_endpoints",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    description = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    model_id = table.Column<Guid>(type: "uuid", nullable: false),
                    target = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    roll_on_alias_move = table.Column<bool>(type: "boolean", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    previous_version = table.Column<int>(type: "integer", nullable: true),
                    canary_version = table.Column<int>(type: "integer", nullable: true),
                    canary_percent = table.Column<int>(type: "integer", nullable: false),
                    runtime = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    replicas = table.Column<int>(type: "integer", nullable: false),
                    threads = table.Column<int>(type: "integer", nullable: false),
                    max_batch_size = table.Column<int>(type: "integer", nullable: false),
                    max_queue_delay_microseconds = table.Column<int>(type: "integer", nullable: false),
                    payload_log_percent = table.Column<int>(type: "integer", nullable: false),
                    payload_dataset_id = table.Column<Guid>(type: "uuid", nullable: true),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    error = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    owner_id = table.Column<Guid>(type: "uuid", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_serving_endpoints", x => x.id);
                    table.ForeignKey(
                        name: "fk_serving_endpoints_registered_models_model_id",
                        column: x => x.model_id,
                        principalTable: "registered_models",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_serving_endpoints_users_owner_id",
                        column: x => x.owner_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "endpoint_events",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    endpoint_id = table.Column<Guid>(type: "uuid", nullable: false),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    detail = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_endpoint_events", x => x.id);
                    table.ForeignKey(
                        name: "fk_endpoint_events_serving_endpoints_endpoint_id",
                        column: x => x.endpoint_id,
                        principalTable: "serving_endpoints",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_endpoint_events_endpoint_id_at",
                table: "endpoint_events",
                columns: new[] { "endpoint_id", "at" });

            migrationBuilder.CreateIndex(
                name: "ix_serving_endpoints_model_id",
                table: "serving_endpoints",
                column: "model_id");

            migrationBuilder.CreateIndex(
                name: "ix_serving_endpoints_name",
                table: "serving_endpoints",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_serving_endpoints_owner_id",
                table: "serving_endpoints",
                column: "owner_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "endpoint_events");

            migrationBuilder.DropTable(
                name: "serving_endpoints");
        }
    }
}
