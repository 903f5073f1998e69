import type { GenaiSearchOptions } from './genaiSearchOptions';
import type { ModelSignatureSpec } from './modelSignature';

/**
 * A "models from code" pyfunc around an onnxruntime-genai Phi-3 folder, as the second recipe of the
 * issue logs it by hand: the folder as the artifact `artifactName`, generation options, a signature
 * with a string input `prompt`, an input example and the pip requirements.
 */
export interface OnnxWrapperModel {
  /** Absolute path of the onnxruntime-genai folder (genai_config.json, the .onnx graph, the tokenizer). */
  readonly onnxFolder: string;
  readonly artifactName: string;
  readonly searchOptions: GenaiSearchOptions;
  readonly signature: ModelSignatureSpec;
  /** `{column: value}` or `{column: [values]}`, as `mlflow.pyfunc.log_model(input_example=...)` takes it. */
  readonly inputExample: Readonly<Record<string, unknown>>;
  /** Replaces the default requirements (mlflow and onnxruntime-genai), like MLflow's `pip_requirements`. */
  readonly pipRequirements?: readonly string[];
  /** Added to the default requirements, like MLflow's `extra_pip_requirements`. */
  readonly extraPipRequirements?: readonly string[];
  /** The Python the model's environment files ask for, e.g. `3.11` or `3.11.7`. */
  readonly pythonVersion: string;
}

/** The logged model's name (MLflow 3), or the run's artifact path (MLflow 2), when none is given. */
export const defaultModelName = 'phi3-mlflow-model';
/** The artifact name of the recipe (`context.artifacts["phi3-mini-onnx"]`). */
export const defaultArtifactName = 'phi3-mini-onnx';
/** The input the wrapper reads its prompts from: `model_input["prompt"]`. */
export const promptInput = 'prompt';
/** The Python file the wrapper is written to, next to MLmodel. */
export const wrapperFileName = 'phi3_onnx_wrapper.py';
/** The onnxruntime-genai release whose Python API the wrapper is written and tested against. */
export const onnxruntimeGenaiRequirement = 'onnxruntime-genai==0.18.0';
