using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AiPlatform.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ExperimentTracking : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "git_repository_url",
                table: "projects",
                type: "TEXT",
                maxLength: 500,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "experiments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    number = table.Column<long>(type: "INTEGER", nullable: false),
                    project_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    lifecycle_stage = table.Column<int>(type: "INTEGER", nullable: false),
                    owner_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_experiments", x => x.id);
                    table.ForeignKey(
                        name: "fk_experiments_projects_project_id",
                        column: x => x.project_id,
                        principalTable: "projects",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_experiments_users_owner_id",
                        column: x => x.owner_id,
                        principalTable: "users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "experiment_tags",
                columns: table => new
                {
                    experiment_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                    value = table.Column<string>(type: "TEXT", maxLength: 20000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_experiment_tags", x => new { x.experiment_id, x.key });
                    table.ForeignKey(
                        name: "fk_experiment_tags_experiments_experiment_id",
                        column: x => x.experiment_id,
                        principalTable: "experiments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "runs",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    experiment_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                    user_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    user_name = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    start_time = table.Column<long>(type: "INTEGER", nullable: false),
                    end_time = table.Column<long>(type: "INTEGER", nullable: true),
                    lifecycle_stage = table.Column<int>(type: "INTEGER", nullable: false),
                    parent_run_id = table.Column<Guid>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_runs", x => x.id);
                    table.ForeignKey(
                        name: "fk_runs_experiments_experiment_id",
                        column: x => x.experiment_id,
                        principalTable: "experiments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "run_artifacts",
                columns: table => new
                {
                    run_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    path = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    size = table.Column<long>(type: "INTEGER", nullable: false),
                    content_type = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    object_key = table.Column<string>(type: "TEXT", maxLength: 400, nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_run_artifacts", x => new { x.run_id, x.path });
                    table.ForeignKey(
                        name: "fk_run_artifacts_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "run_inputs",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    run_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    digest = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    source_type = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    source = table.Column<string>(type: "TEXT", nullable: false),
                    schema = table.Column<string>(type: "TEXT", nullable: true),
                    profile = table.Column<string>(type: "TEXT", nullable: true),
                    context = table.Column<string>(type: "TEXT", maxLength: 250, nullable: true),
                    dataset_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    dataset_version_id = table.Column<Guid>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_run_inputs", x => x.id);
                    table.ForeignKey(
                        name: "fk_run_inputs_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "run_latest_metrics",
                columns: table => new
                {
                    run_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                    experiment_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    value = table.Column<double>(type: "REAL", nullable: false),
                    is_nan = table.Column<bool>(type: "INTEGER", nullable: false),
                    timestamp = table.Column<long>(type: "INTEGER", nullable: false),
                    step = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_run_latest_metrics", x => new { x.run_id, x.key });
                    table.ForeignKey(
                        name: "fk_run_latest_metrics_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "run_metrics",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    run_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                    value = table.Column<double>(type: "REAL", nullable: false),
                    is_nan = table.Column<bool>(type: "INTEGER", nullable: false),
                    timestamp = table.Column<long>(type: "INTEGER", nullable: false),
                    step = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_run_metrics", x => x.id);
                    table.ForeignKey(
                        name: "fk_run_metrics_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "run_params",
                columns: table => new
                {
                    run_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                    value = table.Column<string>(type: "TEXT", maxLength: 6000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_run_params", x => new { x.run_id, x.key });
                    table.ForeignKey(
                        name: "fk_run_params_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "run_tags",
                columns: table => new
                {
                    run_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                    value = table.Column<string>(type: "TEXT", maxLength: 5000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_run_tags", x => new { x.run_id, x.key });
                    table.ForeignKey(
                        name: "fk_run_tags_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_experiments_name",
                table: "experiments",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_experiments_number",
                table: "experiments",
                column: "number",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_experiments_owner_id",
                table: "experiments",
                column: "owner_id");

            migrationBuilder.CreateIndex(
                name: "ix_experiments_project_id",
                table: "experiments",
                column: "project_id");

            migrationBuilder.CreateIndex(
                name: "ix_run_inputs_dataset_version_id",
                table: "run_inputs",
                column: "dataset_version_id");

            migrationBuilder.CreateIndex(
                name: "ix_run_inputs_run_id",
                table: "run_inputs",
                column: "run_id");

            migrationBuilder.CreateIndex(
                name: "ix_run_latest_metrics_experiment_id_key_value",
                table: "run_latest_metrics",
                columns: new[] { "experiment_id", "key", "value" });

            migrationBuilder.CreateIndex(
                name: "ix_run_metrics_run_id_key_step",
                table: "run_metrics",
                columns: new[] { "run_id", "key", "step" });

            migrationBuilder.CreateIndex(
                name: "ix_runs_experiment_id_lifecycle_stage_start_time",
                table: "runs",
                columns: new[] { "experiment_id", "lifecycle_stage", "start_time" });

            migrationBuilder.CreateIndex(
                name: "ix_runs_parent_run_id",
                table: "runs",
                column: "parent_run_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "experiment_tags");

            migrationBuilder.DropTable(
                name: "run_artifacts");

            migrationBuilder.DropTable(
                name: "run_inputs");

            migrationBuilder.DropTable(
                name: "run_latest_metrics");

            migrationBuilder.DropTable(
                name: "run_metrics");

            migrationBuilder.DropTable(
                name: "run_params");

            migrationBuilder.DropTable(
                name: "run_tags");

            migrationBuilder.DropTable(
                name: "runs");

            migrationBuilder.DropTable(
                name: "experiments");

            migrationBuilder.DropColumn(
                name: "git_repository_url",
                table: "projects");
        }
    }
}
