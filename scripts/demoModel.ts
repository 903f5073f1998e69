/**
 * The demo's Phi-3 model. Phi-3's weights cannot be downloaded here, so the demo uses the committed
 * random-weight test model (same format as Phi-3-mini's cpu-int4 folder; its answers are gibberish,
 * everything around them is real):
 *   - copied into the demo workspace as `phi3-mini-onnx/`, ready for "Phi-3: Open Chat…";
 *   - logged to the demo server with the extension's own wrapper logger (no Python), as the
 *     registered model `phi3-mini-onnx` with the alias `champion`, so the Models view has it and
 *     `mlflow models serve -m models:/phi3-mini-onnx@champion` can serve it;
 *   - described by `phi3-wrapper.yaml`, the declarative wrapper that logged it.
 * Kept between demo runs: nothing is logged again when the registered model exists.
 */
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MlflowClient } from '../src/mlflow/client';
import { logWrapperModel } from '../src/mlflow/logWrapperModel';
import { parseTrackingUri } from '../src/mlflow/trackingUri';
import { parseWrapperSpec } from '../src/notebook/wrapperSpec';
import { repoRoot } from './lib/paths';

export const demoRegisteredModel = 'phi3-mini-onnx';

const wrapperCell = (onnxFolder: string) => `# The declarative wrapper the demo logged: a custom pyfunc around an onnxruntime-genai folder.
recipe: custom-onnx-pyfunc
onnx_folder: ${onnxFolder}
artifact_name: phi3-mini-onnx
search_options:
  max_length: 256
  do_sample: false
input_example:
  prompt: What is MLflow?
experiment: Phi-3 Mini wrappers
run_name: phi3-mini-onnx wrapper
registered_model_name: ${demoRegisteredModel}
alias: champion
`;

export async function setUpDemoModel(trackingUrl: string, workspace: string): Promise<{ modelFolder: string; message: string }> {
  const modelFolder = join(workspace, 'phi3-mini-onnx');
  if (!existsSync(join(modelFolder, 'genai_config.json'))) {
    cpSync(join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4'), modelFolder, {
      recursive: true,
      // The test references are not part of a model folder.
      filter: (source) => !/reference(\.json|-logits-)/.test(source),
    });
  }
  const cellText = wrapperCell(modelFolder);
  writeFileSync(join(workspace, 'phi3-wrapper.yaml'), cellText);
  const client = new MlflowClient({ uri: parseTrackingUri(trackingUrl), auth: { kind: 'none' } });
  const existing = await client.registry.getModel(demoRegisteredModel).catch(() => undefined);
  if (existing) return { modelFolder, message: `Registered model "${demoRegisteredModel}" is already on the server.` };
  const parsed = parseWrapperSpec(cellText, { baseDir: workspace });
  if (!parsed.ok) throw new Error(`the demo wrapper spec is invalid: ${JSON.stringify(parsed.problems)}`);
  const logged = await logWrapperModel(client, parsed.spec, { sourceName: 'scripts/demo.sh' });
  return {
    modelFolder,
    message: `Logged ${logged.modelUri} and registered it as ${demoRegisteredModel}@champion (version ${logged.registeredVersion?.version ?? '?'}).`,
  };
}
