"""Saves a models-from-code pyfunc with MLflow's own mlflow.pyfunc.save_model, for comparison with
the model directories the extension writes without Python.

Usage: python save_reference_model.py SPEC_JSON TARGET_DIR, SPEC_JSON being
{"code": <wrapper .py path>, "artifacts": {name: folder}, "input_example": {...},
 "signature": {"inputs": <json text>, "outputs": <json text>}, "pip_requirements": [...]}.
"""
import json
import sys

import mlflow
from mlflow.models.signature import ModelSignature
from mlflow.types.schema import Schema


def main():
    spec = json.loads(sys.argv[1])
    target = sys.argv[2]
    signature = ModelSignature(
        inputs=Schema.from_json(spec["signature"]["inputs"]),
        outputs=Schema.from_json(spec["signature"]["outputs"]),
    )
    mlflow.pyfunc.save_model(
        target,
        python_model=spec["code"],
        artifacts=spec["artifacts"],
        input_example=spec["input_example"],
        signature=signature,
        pip_requirements=spec["pip_requirements"],
    )


if __name__ == "__main__":
    main()
