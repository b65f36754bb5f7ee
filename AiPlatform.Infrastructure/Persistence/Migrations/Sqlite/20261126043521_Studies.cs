using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AiPlatform.Infrastructure.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Studies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "objective_value",
                table: "training_runs",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "pruned",
                table: "training_runs",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<Guid>(
                name: "study_id",
                table: "training_runs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "trial_number",
                table: "training_runs",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "trial_params_json",
                table: "training_runs",
                type: "TEXT",
                maxLength: 8000,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "studies",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                    project_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    experiment_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    parent_tracking_run_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    base_request_json = table.Column<string>(type: "TEXT", maxLength: 65536, nullable: false),
                    search_space_json = table.Column<string>(type: "TEXT", maxLength: 65536, nullable: false),
                    objective_metric = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                    direction = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    sampler = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    max_trials = table.Column<int>(type: "INTEGER", nullable: false),
                    parallelism = table.Column<int>(type: "INTEGER", nullable: false),
                    median_pruning = table.Column<bool>(type: "INTEGER", nullable: false),
                    pruning_startup_trials = table.Column<int>(type: "INTEGER", nullable: false),
                    seed = table.Column<int>(type: "INTEGER", nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    best_trial_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    best_value = table.Column<double>(type: "REAL", nullable: true),
                    error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    created_by_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    created_by = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    finished_at = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_studies", x => x.id);
                    table.ForeignKey(
                        name: "fk_studies_experiments_experiment_id",
                        column: x => x.experiment_id,
                        principalTable: "experiments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_training_runs_study_id",
                table: "training_runs",
                column: "study_id");

            migrationBuilder.CreateIndex(
                name: "ix_studies_experiment_id",
                table: "studies",
                column: "experiment_id");

            migrationBuilder.CreateIndex(
                name: "ix_studies_status",
                table: "studies",
                column: "status");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "studies");

            migrationBuilder.DropIndex(
                name: "ix_training_runs_study_id",
                table: "training_runs");

            migrationBuilder.DropColumn(
                name: "objective_value",
                table: "training_runs");

            migrationBuilder.DropColumn(
                name: "pruned",
                table: "training_runs");

            migrationBuilder.DropColumn(
                name: "study_id",
                table: "training_runs");

            migrationBuilder.DropColumn(
                name: "trial_number",
                table: "training_runs");

            migrationBuilder.DropColumn(
                name: "trial_params_json",
                table: "training_runs");
        }
    }
}
