"""Seeds a tracking server with what the sidebar explorer shows, through MLflow's own Python client:
experiments with runs (params, metric histories, tags, text artifacts), a deleted experiment, an
MLflow 3 logged model with an MLmodel and signature, and a registered model with versions, aliases,
tags, a description and a stage.

Reads a JSON spec on stdin (see seedExplorer.ts) and writes what it created as JSON to the file named
by its argument. The tracking URI comes from the environment, as for any MLflow client.
"""
import json
import sys

import mlflow
from mlflow.models import ModelSignature
from mlflow.tracking import MlflowClient
from mlflow.types.schema import ColSpec, Schema

from seed_mlflow import log_run_data


class EchoModel(mlflow.pyfunc.PythonModel):
    """The smallest pyfunc model: answers each prompt with itself."""

    def predict(self, context, model_input, params=None):
        return list(model_input["prompt"])


def log_runs(client, experiment_id, run_specs):
    runs = []
    for index, run_spec in enumerate(run_specs):
        start = 1_700_000_000_000 + index * 60_000
        run = client.create_run(experiment_id, run_name=run_spec["name"], tags=run_spec.get("tags"), start_time=start)
        run_id = run.info.run_id
        log_run_data(client, run_id, run_spec, start)
        runs.append({"id": run_id, "name": run_spec["name"], "start": start, "spec": run_spec})
    return runs


def seed(spec):
    client = MlflowClient()
    created = {"experiments": [], "registeredModels": []}
    for experiment in spec.get("experiments", []):
        experiment_id = client.create_experiment(experiment["name"], tags=experiment.get("tags"))
        runs = log_runs(client, experiment_id, experiment.get("runs", []))
        logged_model = None
        model_spec = experiment.get("loggedModel")
        if model_spec:
            # The run that logs the model is the first one; it stays open until the model is logged.
            owner = runs[0]
            signature = ModelSignature(inputs=Schema([ColSpec("string", "prompt")]), outputs=Schema([ColSpec("string")]))
            with mlflow.start_run(run_id=owner["id"]):
                info = mlflow.pyfunc.log_model(
                    name=model_spec["name"],
                    python_model=EchoModel(),
                    signature=signature,
                    pip_requirements=["mlflow"],
                )
            logged_model = {"id": info.model_id, "name": model_spec["name"], "runId": owner["id"]}
            for registered in model_spec.get("register", []):
                client.create_registered_model(registered["name"], description=registered.get("description"), tags=registered.get("tags"))
                versions = []
                for _ in range(registered.get("versions", 1)):
                    version = client.create_model_version(registered["name"], f"models:/{info.model_id}", run_id=owner["id"], model_id=info.model_id)
                    versions.append(version.version)
                for alias, version in registered.get("aliases", {}).items():
                    client.set_registered_model_alias(registered["name"], alias, version)
                for version, stage in registered.get("stages", {}).items():
                    client.transition_model_version_stage(registered["name"], version, stage)
                for version, tags in registered.get("versionTags", {}).items():
                    for key, value in tags.items():
                        client.set_model_version_tag(registered["name"], version, key, value)
                created["registeredModels"].append({"name": registered["name"], "versions": versions})
        for run in runs:
            client.set_terminated(run["id"], run["spec"].get("status", "FINISHED"), end_time=run["start"] + run["spec"].get("durationMs", 90_000))
        if experiment.get("deleted"):
            client.delete_experiment(experiment_id)
        created["experiments"].append(
            {"id": experiment_id, "name": experiment["name"], "runs": [{"id": r["id"], "name": r["name"]} for r in runs], "loggedModel": logged_model}
        )
    return created


if __name__ == "__main__":
    result = seed(json.load(sys.stdin))
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        json.dump(result, out)
