using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AiPlatform.Infrastructure.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Traces : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "traces",
                columns: table => new
                {
                    trace_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    experiment_id = table.Column<Guid>(type: "uuid", nullable: false),
                    client_request_id = table.Column<string>(type: "character varying(250)", maxLength: 250, nullable: true),
                    name = table.Column<string>(type: "character varying(250)", maxLength: 250, nullable: true),
                    request_preview = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    response_preview = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    state = table.Column<int>(type: "integer", nullable: false),
                    request_time = table.Column<long>(type: "bigint", nullable: false),
                    execution_duration = table.Column<long>(type: "bigint", nullable: true),
                    run_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    input_tokens = table.Column<long>(type: "bigint", nullable: true),
                    output_tokens = table.Column<long>(type: "bigint", nullable: true),
                    total_tokens = table.Column<long>(type: "bigint", nullable: true),
                    source = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    created_by = table.Column<Guid>(type: "uuid", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_traces", x => x.trace_id);
                    table.ForeignKey(
                        name: "fk_traces_experiments_experiment_id",
                        column: x => x.experiment_id,
                        principalTable: "experiments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "trace_metadata",
                columns: table => new
                {
                    trace_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    key = table.Column<string>(type: "character varying(250)", maxLength: 250, nullable: false),
                    value = table.Column<string>(type: "character varying(8000)", maxLength: 8000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_trace_metadata", x => new { x.trace_id, x.key });
                    table.ForeignKey(
                        name: "fk_trace_metadata_traces_trace_id",
                        column: x => x.trace_id,
                        principalTable: "traces",
                        principalColumn: "trace_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "trace_spans",
                columns: table => new
                {
                    trace_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    json = table.Column<string>(type: "text", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_trace_spans", x => x.trace_id);
                    table.ForeignKey(
                        name: "fk_trace_spans_traces_trace_id",
                        column: x => x.trace_id,
                        principalTable: "traces",
                        principalColumn: "trace_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "trace_tags",
                columns: table => new
                {
                    trace_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    key = table.Column<string>(type: "character varying(250)", maxLength: 250, nullable: false),
                    value = table.Column<string>(type: "character varying(8000)", maxLength: 8000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_trace_tags", x => new { x.trace_id, x.key });
                    table.ForeignKey(
                        name: "fk_trace_tags_traces_trace_id",
                        column: x => x.trace_id,
                        principalTable: "traces",
                        principalColumn: "trace_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_traces_experiment_id_request_time",
                table: "traces",
                columns: new[] { "experiment_id", "request_time" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "trace_metadata");

            migrationBuilder.DropTable(
                name: "trace_spans");

            migrationBuilder.DropTable(
                name: "trace_tags");

            migrationBuilder.DropTable(
                name: "traces");
        }
    }
}
