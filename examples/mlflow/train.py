"""Train a small model and track it in AiPlatform with the unmodified MLflow client.

    pip install "mlflow>=2.9"
    export MLFLOW_TRACKING_URI=http://localhost:5080
    export MLFLOW_TRACKING_TOKEN=aip_...          # a personal access token (My account → Access tokens)
    # or: export MLFLOW_TRACKING_USERNAME=alice MLFLOW_TRACKING_PASSWORD=...
    python train.py --project "Churn" --experiment churn-baseline

The experiment is created on first use inside the project named by --project (by name or id); without it,
MLflow-created experiments go to your "Default" project. Parameters, per-epoch metrics, a CSV report and a
plot are logged; open the experiment at /experiments to filter, compare and chart the runs.
"""

import argparse
import csv
import math
import os
import random
import tempfile

import mlflow
from mlflow.tracking import MlflowClient


def ensure_experiment(name: str, project: str | None) -> str:
    client = MlflowClient()
    existing = client.get_experiment_by_name(name)
    if existing is not None:
        return existing.experiment_id
    tags = {"aiplatform.project": project} if project else None
    return client.create_experiment(name, tags=tags)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", default=None, help="project name or id (the aiplatform.project tag)")
    parser.add_argument("--experiment", default="mlflow-example")
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--dataset", default=None, help="optional AiPlatform dataset version: <datasetId>/versions/<versionId>")
    args = parser.parse_args()

    experiment_id = ensure_experiment(args.experiment, args.project)
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"lr-{args.lr}", description="Logistic-regression baseline.") as run:
        mlflow.log_params({"lr": args.lr, "epochs": args.epochs, "model": "logreg"})
        if args.dataset:
            # A source URL that names a platform dataset version links the run into that dataset's lineage.
            from mlflow.data.http_dataset_source import HTTPDatasetSource
            from mlflow.data.meta_dataset import MetaDataset

            url = f"{os.environ['MLFLOW_TRACKING_URI'].rstrip('/')}/api/v1/datasets/{args.dataset}/rows"
            mlflow.log_input(MetaDataset(source=HTTPDatasetSource(url=url), name="training-data"), context="training")

        loss, accuracy = 1.0, 0.5
        rows = []
        for epoch in range(args.epochs):
            loss = loss * (1 - args.lr / 2) + random.uniform(0, 0.01)
            accuracy = 1 - 0.5 * math.exp(-args.lr * epoch) + random.uniform(-0.01, 0.01)
            mlflow.log_metrics({"loss": loss, "accuracy": accuracy}, step=epoch)
            rows.append((epoch, loss, accuracy))

        mlflow.set_tag("stage", "baseline")
        with tempfile.TemporaryDirectory() as folder:
            report = os.path.join(folder, "epochs.csv")
            with open(report, "w", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(["epoch", "loss", "accuracy"])
                writer.writerows(rows)
            mlflow.log_artifact(report, artifact_path="reports")

        print(f"Logged run {run.info.run_id} to experiment {experiment_id}; artifacts at {run.info.artifact_uri}")


if __name__ == "__main__":
    main()
