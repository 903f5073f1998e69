"""Seeds a tracking server through MLflow's own client, so tests read back what MLflow itself wrote.

Reads a JSON spec on stdin (see seedMlflow.ts for its shape) and writes the created ids as JSON to
the file named by its argument (stdout carries MLflow's own "View run" lines).
The tracking URI and any credentials come from the environment, as for any MLflow client.
"""
import json
import os
import sys
import tempfile

from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient


def log_run_data(client, run_id, run_spec, first_timestamp):
    """Logs a run spec's metric histories (one step a second from first_timestamp), params and text artifacts."""
    metrics = [
        Metric(key, value, first_timestamp + step * 1000, step)
        for key, history in run_spec.get("metrics", {}).items()
        for step, value in enumerate(history)
    ]
    params = [Param(key, str(value)) for key, value in run_spec.get("params", {}).items()]
    client.log_batch(run_id, metrics=metrics, params=params, tags=[])
    artifacts = run_spec.get("artifacts", {})
    if artifacts:
        with tempfile.TemporaryDirectory() as folder:
            for relative, content in artifacts.items():
                path = os.path.join(folder, relative)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(content)
            client.log_artifacts(run_id, folder)


def seed(spec):
    client = MlflowClient()
    created = {"experiments": []}
    for experiment in spec.get("experiments", []):
        experiment_id = client.create_experiment(experiment["name"], tags=experiment.get("tags"))
        runs = []
        for run_spec in experiment.get("runs", []):
            run = client.create_run(experiment_id, run_name=run_spec["name"], tags=run_spec.get("tags"))
            run_id = run.info.run_id
            log_run_data(client, run_id, run_spec, 1_700_000_000_000)
            client.set_terminated(run_id, run_spec.get("status", "FINISHED"))
            runs.append({"id": run_id, "name": run_spec["name"]})
        created["experiments"].append({"id": experiment_id, "name": experiment["name"], "runs": runs})
    return created


if __name__ == "__main__":
    result = seed(json.load(sys.stdin))
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        json.dump(result, out)
