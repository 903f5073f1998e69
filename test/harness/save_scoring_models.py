"""Saves two small pyfunc models that answer deterministically, for tests of the served-model client
against a real `mlflow models serve`:

- prompt-echo: the custom wrapper's signature, `{prompt: string} -> string`; answers each prompt
  with "echo: " and the prompt as received, so a test sees exactly what the client sent.
- chat-echo: exactly the `llm/v1/chat` signature (MLflow's own chat input and output schemas, the
  `task: llm/v1/chat` metadata); answers OpenAI-style, describing the conversation and settings it
  got, with usage counted in whitespace-separated words.

Usage: python save_scoring_models.py TARGET_DIR (writes TARGET_DIR/prompt-echo and TARGET_DIR/chat-echo),
or python save_scoring_models.py --log PREFIX (logs and registers both on MLFLOW_TRACKING_URI's server).
"""
import os
import sys

import mlflow
from mlflow.models.signature import ModelSignature
from mlflow.types.llm import CHAT_MODEL_INPUT_SCHEMA, CHAT_MODEL_OUTPUT_SCHEMA
from mlflow.types.schema import ColSpec, Schema


class PromptEcho(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        # A DataFrame with a "prompt" column (dataframe_records, or inputs {"prompt": [...]}).
        prompts = []
        for value in model_input["prompt"]:
            prompts.extend(value if isinstance(value, list) else [value])
        return ["echo: " + prompt for prompt in prompts]


def _words(text):
    return len((text or "").split())


class ChatEcho(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        # After schema enforcement, one row per request: the messages and the optional settings.
        rows = model_input.to_dict(orient="records") if hasattr(model_input, "to_dict") else [model_input]
        answers = []
        for row in rows:
            messages = list(row["messages"])
            last = messages[-1]
            settings = {}
            for key in ("temperature", "max_tokens", "top_p", "top_k", "stop"):
                value = row.get(key)
                if value is None or (isinstance(value, float) and value != value):  # NaN is unset
                    continue
                settings[key] = value.tolist() if hasattr(value, "tolist") else value
            content = "{} messages; last from {}: {}; settings {}".format(
                len(messages),
                last["role"],
                last.get("content"),
                ", ".join(f"{k}={settings[k]}" for k in sorted(settings)) or "none",
            )
            prompt_tokens = sum(_words(m.get("content")) for m in messages)
            completion_tokens = _words(content)
            answers.append(
                {
                    "id": "chatcmpl-echo",
                    "object": "chat.completion",
                    "created": 1700000000,
                    "model": "chat-echo",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": content},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": completion_tokens,
                        "total_tokens": prompt_tokens + completion_tokens,
                    },
                }
            )
        return answers


def log_models(prefix):
    """Logs both models to MLFLOW_TRACKING_URI's server (experiment PREFIX), registers them as
    PREFIX-chat and PREFIX-prompt with the alias champion on version 1, and prints their URIs."""
    import json

    mlflow.set_experiment(prefix)
    client = mlflow.MlflowClient()
    logged = {}
    with mlflow.start_run(run_name=f"{prefix}-models"):
        for key, model, signature, extra in (
            (
                "chat",
                ChatEcho(),
                ModelSignature(inputs=CHAT_MODEL_INPUT_SCHEMA, outputs=CHAT_MODEL_OUTPUT_SCHEMA),
                {"metadata": {"task": "llm/v1/chat"}},
            ),
            (
                "prompt",
                PromptEcho(),
                ModelSignature(inputs=Schema([ColSpec("string", "prompt")]), outputs=Schema([ColSpec("string")])),
                {},
            ),
        ):
            info = mlflow.pyfunc.log_model(
                name=f"{key}-echo",
                python_model=model,
                signature=signature,
                registered_model_name=f"{prefix}-{key}",
                pip_requirements=[f"mlflow=={mlflow.__version__}"],
                **extra,
            )
            client.set_registered_model_alias(f"{prefix}-{key}", "champion", "1")
            logged[key] = {"modelId": info.model_id, "name": f"{prefix}-{key}"}
    print(json.dumps(logged))


def main():
    if sys.argv[1] == "--log":
        log_models(sys.argv[2])
        return
    target = sys.argv[1]
    mlflow.pyfunc.save_model(
        os.path.join(target, "prompt-echo"),
        python_model=PromptEcho(),
        signature=ModelSignature(inputs=Schema([ColSpec("string", "prompt")]), outputs=Schema([ColSpec("string")])),
        input_example={"prompt": "<|user|>\nHello<|end|>\n<|assistant|>\n"},
        pip_requirements=[f"mlflow=={mlflow.__version__}"],
    )
    mlflow.pyfunc.save_model(
        os.path.join(target, "chat-echo"),
        python_model=ChatEcho(),
        signature=ModelSignature(inputs=CHAT_MODEL_INPUT_SCHEMA, outputs=CHAT_MODEL_OUTPUT_SCHEMA),
        metadata={"task": "llm/v1/chat"},
        pip_requirements=[f"mlflow=={mlflow.__version__}"],
    )


if __name__ == "__main__":
    main()
