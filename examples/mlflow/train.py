"""Train a small model and track and register it in AiPlatform with the unmodified MLflow 3 client.

    pip install "mlflow>=3,<4"                    # MLflow 2.9+ still works for tracking; see MLFLOW_3 below
    export MLFLOW_TRACKING_URI=http://localhost:5080
    export MLFLOW_TRACKING_TOKEN=aip_...          # a personal access token (My account → Access tokens)
    # or: export MLFLOW_TRACKING_USERNAME=alice MLFLOW_TRACKING_PASSWORD=...
    python train.py --project "Churn" --experiment churn-baseline --register churn-logreg

The experiment is created on first use inside the project named by --project (by name or id); without it,
MLflow-created experiments go to your "Default" project. Parameters, per-epoch metrics, a CSV report and the
model are logged; open the experiment at /experiments to filter, compare and chart the runs.

With --register NAME the logged model becomes the next version of the registered model NAME (created on first
use), the alias "champion" is pointed at that version, and the model is loaded back by that alias and scored,
as a serving job would. Open it at /models.

What MLflow 3 changed, and how this script follows it:
- `log_model` takes `name=` (the model's name inside the run), not `artifact_path=`. It creates a *logged model*
  (POST /api/2.0/mlflow/logged-models), uploads the files under the logged model's own artifact location,
  finalizes it and records it as an output of the run. `ModelInfo.model_uri` is `models:/m-<model id>`, not
  `runs:/<run id>/model`.
- `mlflow.register_model(model_info.model_uri, NAME)` registers that logged model; the client waits until the
  version is READY.
- Stages are deprecated: aliases (`set_registered_model_alias`) name the version to use, and
  `models:/NAME@alias` loads it.
- Registry searches append ``tag.`mlflow.prompt.is_prompt` != 'true'`` so prompts stay out of model lists;
  `search_model_versions` takes `order_by`, `max_results` and page tokens.
"""

import argparse
import csv
import math
import os
import random
import tempfile

import mlflow
import pandas as pd
from mlflow.tracking import MlflowClient

MLFLOW_3 = int(mlflow.__version__.split(".")[0]) >= 3


class LogisticRegression(mlflow.pyfunc.PythonModel):
    """p(y=1 | x) = sigmoid(w * x + b), on one numeric column "x"."""

    def __init__(self, w: float, b: float) -> None:
        self.w = w
        self.b = b

    def predict(self, context, model_input, params=None):
        return [1.0 / (1.0 + math.exp(-(self.w * x + self.b))) for x in model_input["x"]]


def ensure_experiment(name: str, project: str | None) -> str:
    client = MlflowClient()
    existing = client.get_experiment_by_name(name)
    if existing is not None:
        return existing.experiment_id
    tags = {"aiplatform.project": project} if project else None
    return client.create_experiment(name, tags=tags)


def make_data(count: int = 200) -> list[tuple[float, int]]:
    rows = []
    for _ in range(count):
        x = random.uniform(0, 3)
        rows.append((x, 1 if x + random.gauss(0, 0.4) > 1.5 else 0))
    return rows


def register(model_uri: str, name: str) -> None:
    client = MlflowClient()
    # MLflow 3: model_uri is models:/m-<id> (the logged model); MLflow 2: runs:/<run id>/model.
    version = mlflow.register_model(model_uri, name)
    client.set_registered_model_alias(name, "champion", version.version)
    print(f"Registered {name} version {version.version} (status {version.status}); alias champion -> {version.version}")

    # The newest versions first, one page of at most five (order_by / max_results / page_token).
    newest = client.search_model_versions(f"name = '{name}'", max_results=5, order_by=["version_number DESC"])
    print("Latest versions:", ", ".join(str(v.version) for v in newest))

    # Load by alias, as a deployment would, and score two rows.
    champion = mlflow.pyfunc.load_model(f"models:/{name}@champion")
    print("champion predicts", champion.predict(pd.DataFrame({"x": [0.5, 2.5]})))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", default=None, help="project name or id (the aiplatform.project tag)")
    parser.add_argument("--experiment", default="mlflow-example")
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--register", default=None, metavar="NAME", help="register the model under this name and point the alias champion at it")
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

        data = make_data()
        w, b = 0.0, 0.0
        rows = []
        for epoch in range(args.epochs):
            loss, correct, grad_w, grad_b = 0.0, 0, 0.0, 0.0
            for x, y in data:
                p = 1.0 / (1.0 + math.exp(-(w * x + b)))
                loss -= math.log(max(p if y else 1 - p, 1e-12))
                correct += (p >= 0.5) == bool(y)
                grad_w += (p - y) * x
                grad_b += p - y
            w -= args.lr * grad_w / len(data)
            b -= args.lr * grad_b / len(data)
            loss, accuracy = loss / len(data), correct / len(data)
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

        example = pd.DataFrame({"x": [0.5, 2.5]})
        # MLflow 3 names the model with name=; MLflow 2 took artifact_path= (deprecated in 3).
        where = {"name": "model"} if MLFLOW_3 else {"artifact_path": "model"}
        model_info = mlflow.pyfunc.log_model(python_model=LogisticRegression(w, b), input_example=example, **where)
        print(f"Logged run {run.info.run_id} to experiment {experiment_id}; model at {model_info.model_uri}")

    if args.register:
        register(model_info.model_uri, args.register)


if __name__ == "__main__":
    main()
