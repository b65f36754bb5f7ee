using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AiPlatform.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class LoggedModels : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "logged_model_id",
                table: "model_versions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "logged_models",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    experiment_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                    source_run_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    status_message = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    model_type = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    user_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    user_name = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false),
                    lifecycle_stage = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_logged_models", x => x.id);
                    table.ForeignKey(
                        name: "fk_logged_models_experiments_experiment_id",
                        column: x => x.experiment_id,
                        principalTable: "experiments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_logged_models_runs_source_run_id",
                        column: x => x.source_run_id,
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "logged_model_artifacts",
                columns: table => new
                {
                    model_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    path = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    size = table.Column<long>(type: "INTEGER", nullable: false),
                    content_type = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    object_key = table.Column<string>(type: "TEXT", maxLength: 400, nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_logged_model_artifacts", x => new { x.model_id, x.path });
                    table.ForeignKey(
                        name: "fk_logged_model_artifacts_logged_models_model_id",
                        column: x => x.model_id,
                        principalTable: "logged_models",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "logged_model_metrics",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    model_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    run_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    key = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                    value = table.Column<double>(type: "REAL", nullable: false),
                    is_nan = table.Column<bool>(type: "INTEGER", nullable: false),
                    timestamp = table.Column<long>(type: "INTEGER", nullable: false),
                    step = table.Column<long>(type: "INTEGER", nullable: false),
                    dataset_name = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    dataset_digest = table.Column<string>(type: "TEXT", maxLength: 36, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_logged_model_metrics", x => x.id);
                    table.ForeignKey(
                        name: "fk_logged_model_metrics_logged_models_model_id",
                        column: x => x.model_id,
                        principalTable: "logged_models",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_logged_model_metrics_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "logged_model_params",
                columns: table => new
                {
                    model_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                    value = table.Column<string>(type: "TEXT", maxLength: 6000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_logged_model_params", x => new { x.model_id, x.key });
                    table.ForeignKey(
                        name: "fk_logged_model_params_logged_models_model_id",
                        column: x => x.model_id,
                        principalTable: "logged_models",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "logged_model_tags",
                columns: table => new
                {
                    model_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                    value = table.Column<string>(type: "TEXT", maxLength: 5000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_logged_model_tags", x => new { x.model_id, x.key });
                    table.ForeignKey(
                        name: "fk_logged_model_tags_logged_models_model_id",
                        column: x => x.model_id,
                        principalTable: "logged_models",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "run_model_outputs",
                columns: table => new
                {
                    run_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    model_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    step = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_run_model_outputs", x => new { x.run_id, x.model_id, x.step });
                    table.ForeignKey(
                        name: "fk_run_model_outputs_logged_models_model_id",
                        column: x => x.model_id,
                        principalTable: "logged_models",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_run_model_outputs_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_logged_model_metrics_model_id_key_step",
                table: "logged_model_metrics",
                columns: new[] { "model_id", "key", "step" });

            migrationBuilder.CreateIndex(
                name: "ix_logged_model_metrics_run_id",
                table: "logged_model_metrics",
                column: "run_id");

            migrationBuilder.CreateIndex(
                name: "ix_logged_models_experiment_id_lifecycle_stage_created_at",
                table: "logged_models",
                columns: new[] { "experiment_id", "lifecycle_stage", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_logged_models_source_run_id",
                table: "logged_models",
                column: "source_run_id");

            migrationBuilder.CreateIndex(
                name: "ix_run_model_outputs_model_id",
                table: "run_model_outputs",
                column: "model_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "logged_model_artifacts");

            migrationBuilder.DropTable(
                name: "logged_model_metrics");

            migrationBuilder.DropTable(
                name: "logged_model_params");

            migrationBuilder.DropTable(
                name: "logged_model_tags");

            migrationBuilder.DropTable(
                name: "run_model_outputs");

            migrationBuilder.DropTable(
                name: "logged_models");

            migrationBuilder.DropColumn(
                name: "logged_model_id",
                table: "model_versions");
        }
    }
}
