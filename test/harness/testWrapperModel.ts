import { join } from 'node:path';
import type { MlflowClient } from '../../src/mlflow/client';
import { type LoggedWrapperModel, logWrapperModel } from '../../src/mlflow/logWrapperModel';
import { parseWrapperSpec, type WrapperSpec } from '../../src/notebook/wrapperSpec';
import { repoRoot } from './paths';

export interface TestWrapperOptions {
  readonly experiment: string;
  readonly runName: string;
  readonly registeredModelName: string;
  /** The alias the registered version gets (default champion). */
  readonly alias?: string;
  /** The ONNX folder the wrapper carries as its artifact `phi3-mini-onnx` (default the int4 test model). */
  readonly onnxFolder?: string;
}

/**
 * A custom-ONNX wrapper around a test model, logged the extension's own way (no Python), registered
 * and given an alias: what the tests that open a model from MLflow start from. Returns the spec too,
 * for tests that check the paths it names.
 */
export async function logTestWrapper(
  client: MlflowClient,
  options: TestWrapperOptions,
): Promise<{ readonly logged: LoggedWrapperModel; readonly spec: WrapperSpec }> {
  const onnxFolder = options.onnxFolder ?? join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4');
  const parsed = parseWrapperSpec(
    `recipe: custom-onnx-pyfunc
onnx_folder: ${onnxFolder}
artifact_name: phi3-mini-onnx
input_example:
  prompt: What is MLflow?
experiment: ${options.experiment}
run_name: ${options.runName}
registered_model_name: ${options.registeredModelName}
alias: ${options.alias ?? 'champion'}
`,
    { baseDir: repoRoot },
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return { logged: await logWrapperModel(client, parsed.spec, { pythonVersion: '3.11.7' }), spec: parsed.spec };
}
