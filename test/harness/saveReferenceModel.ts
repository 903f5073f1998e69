import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, venvPython } from './paths';

export interface ReferenceModelSpec {
  /** The wrapper's `.py` file. */
  readonly code: string;
  readonly artifacts: Record<string, string>;
  readonly inputExample: Record<string, unknown>;
  /** The signature's inputs and outputs as MLflow's JSON text. */
  readonly signature: { readonly inputs: string; readonly outputs: string };
  readonly pipRequirements: readonly string[];
}

/** The same model saved by MLflow itself (`mlflow.pyfunc.save_model(python_model="<file>.py")`) into `target`. */
export async function saveReferenceModel(spec: ReferenceModelSpec, target: string): Promise<void> {
  const json = JSON.stringify({
    code: spec.code,
    artifacts: spec.artifacts,
    input_example: spec.inputExample,
    signature: spec.signature,
    pip_requirements: spec.pipRequirements,
  });
  await promisify(execFile)(venvPython, [join(repoRoot, 'test', 'harness', 'save_reference_model.py'), json, target], {
    timeout: 300_000,
    maxBuffer: 16 << 20,
  });
}
