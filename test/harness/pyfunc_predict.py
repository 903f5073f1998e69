"""Loads a model with MLflow's own pyfunc loader and prints what predict answers, as JSON.

Usage: python pyfunc_predict.py MODEL_URI INPUT_JSON RESULT_FILE (the tracking server from
MLFLOW_TRACKING_URI). The result file gets {"predictions": ..., "metadata": {...}}.
"""
import json
import sys

import mlflow


def main():
    model_uri, input_json, result_file = sys.argv[1:4]
    model = mlflow.pyfunc.load_model(model_uri)
    predictions = model.predict(json.loads(input_json))
    if hasattr(predictions, "tolist"):
        predictions = predictions.tolist()
    metadata = model.metadata
    with open(result_file, "w", encoding="utf-8") as f:
        json.dump(
            {
                "predictions": predictions,
                "metadata": {
                    "loader_module": metadata.flavors["python_function"]["loader_module"],
                    "run_id": metadata.run_id,
                    "model_id": getattr(metadata, "model_id", None),
                    "signature": metadata.signature.to_dict() if metadata.signature else None,
                    "saved_input_example_info": metadata.saved_input_example_info,
                },
            },
            f,
        )


if __name__ == "__main__":
    main()
