import { type ModelSignatureSpec, signatureColumnsJson } from './modelSignature';
import { pythonYamlDump } from './pythonYaml';

/** Where and by whom a model is logged: what MLflow writes into MLmodel about it. */
export interface MlmodelIdentity {
  /**
   * MLflow 3: the logged model's artifact URI (`mlflow-artifacts:/1/models/m-…/artifacts`);
   * MLflow 2: the path under the run's artifacts (`phi3-mlflow-model`).
   */
  readonly artifactPath: string;
  readonly runId?: string;
  /** MLflow 3's logged model id (`m-<hex>`): also the `model_uuid`. */
  readonly modelId?: string;
  /** MLflow 2: a random 32-hex id; defaults to one. */
  readonly modelUuid?: string;
  /** The MLflow version the model is written for (the server's). */
  readonly mlflowVersion: string;
  readonly createdAt?: Date;
}

export interface CodeModelFlavor {
  /** Artifact name → its folder inside the model directory (`artifacts/<folder>`) and where it came from. */
  readonly artifacts: Readonly<Record<string, { readonly path: string; readonly uri: string }>>;
  /** The wrapper's file name, next to MLmodel. */
  readonly modelCodePath: string;
  readonly pythonVersion: string;
}

export interface MlmodelContents {
  readonly identity: MlmodelIdentity;
  readonly flavor: CodeModelFlavor;
  readonly signature: ModelSignatureSpec;
  readonly inputExample?: { readonly artifactPath: string; readonly servingInputPath: string };
  readonly modelSizeBytes?: number;
}

/**
 * The `MLmodel` of a "models from code" pyfunc, with the fields and layout MLflow 3.17's
 * `mlflow.pyfunc.log_model(python_model="<file>.py", ...)` writes (keys sorted, as `yaml.safe_dump`
 * does; `model_id` only where a logged model exists, as on MLflow 3). MLflow writes the code file's
 * original absolute path in `model_code_path` and loads `basename(model_code_path)` from the model
 * directory; the file name alone is written here. `cloudpickle_version` is left out: a code model
 * is not pickled, and MLflow reads that field only for pickled models.
 */
export function mlmodelText(contents: MlmodelContents): string {
  const { identity, flavor } = contents;
  const model: Record<string, unknown> = {
    artifact_path: identity.artifactPath,
    flavors: {
      python_function: {
        artifacts: flavor.artifacts,
        code: null,
        env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
        loader_module: 'mlflow.pyfunc.loaders.code_model',
        model_code_path: flavor.modelCodePath,
        python_version: flavor.pythonVersion,
        streamable: false,
      },
    },
    is_signature_from_type_hint: false,
    mlflow_version: identity.mlflowVersion,
    model_uuid: identity.modelId ?? identity.modelUuid,
    prompts: null,
    signature: {
      inputs: signatureColumnsJson(contents.signature.inputs),
      outputs: signatureColumnsJson(contents.signature.outputs),
      params: null,
    },
    type_hint_from_example: false,
    utc_time_created: pythonUtcTime(identity.createdAt ?? new Date()),
  };
  if (identity.modelId !== undefined) model.model_id = identity.modelId;
  if (identity.runId !== undefined) model.run_id = identity.runId;
  if (contents.modelSizeBytes !== undefined) model.model_size_bytes = contents.modelSizeBytes;
  if (contents.inputExample) {
    model.saved_input_example_info = {
      artifact_path: contents.inputExample.artifactPath,
      serving_input_path: contents.inputExample.servingInputPath,
      type: 'json_object',
    };
  }
  return pythonYamlDump(model, { sortKeys: true });
}

/** `str(datetime.utcnow())`: `2026-11-23 21:17:42.762000`. */
export function pythonUtcTime(date: Date): string {
  return `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 23)}000`;
}
