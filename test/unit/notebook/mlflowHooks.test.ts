/**
 * The kernel's checks around MLflow's log_model (media/python/phi3_mlflow_hooks.py), driven through
 * the real kernel in .venv's Python (MLflow 3, onnxruntime-genai) and a real MLflow server: bad ONNX
 * folders and input examples fail the cell before MLflow runs; a good log reports the card's facts.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type KernelOutput, PythonKernel } from '../../../src/notebook/pythonKernel';
import { loggedModelMime } from '../../../src/notebook/wrapperCard';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';
import { repoRoot, venvPython } from '../../harness/paths';

const fixture = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4');
const lfsPointer =
  'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 2279\n';

const wrapperClass = `
import mlflow.pyfunc
from mlflow.models import infer_signature

class Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input):
        return list(model_input["prompt"])
`;

async function run(kernel: PythonKernel, code: string) {
  const outputs: KernelOutput[] = [];
  const end = await kernel.execute(code, (output) => outputs.push(output));
  const error = outputs.find((o) => o.type === 'error') as Extract<KernelOutput, { type: 'error' }> | undefined;
  return { end, outputs, error };
}

describe('pre-flight checks and the logged-model report of log_model in Python cells (real MLflow)', () => {
  let scratch: string;
  let mlflow: MlflowServer;
  let kernel: PythonKernel;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-hooks-'));
    mlflow = await startMlflowServer();
    kernel = new PythonKernel({
      python: venvPython,
      driverDir: join(repoRoot, 'media', 'python'),
      env: { ...process.env, MLFLOW_TRACKING_URI: mlflow.url },
      cwd: scratch,
    });
    assert.deepEqual((await run(kernel, wrapperClass)).end, { status: 'ok' });
  });

  after(async () => {
    kernel?.dispose();
    await mlflow?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('fails the cell when an ONNX folder has no genai_config.json or LFS pointers for weights, naming each', async () => {
    const folder = join(scratch, 'cloned');
    mkdirSync(join(folder, 'cpu-int4'), { recursive: true });
    cpSync(fixture, join(folder, 'cpu-int4'), { recursive: true });
    writeFileSync(join(folder, 'model.onnx'), 'x'.repeat(2048));
    const pointers = join(scratch, 'pointers');
    cpSync(fixture, pointers, { recursive: true });
    writeFileSync(join(pointers, 'model.onnx.data'), lfsPointer);
    const result = await run(
      kernel,
      `mlflow.pyfunc.log_model(name="m", python_model=Echo(), artifacts={"phi3-mini-onnx": ${JSON.stringify(folder)}, "weights": ${JSON.stringify(pointers)}, "gone": ${JSON.stringify(join(scratch, 'nowhere'))}})`,
    );
    assert.deepEqual(result.end, { status: 'error' });
    assert.equal(result.error?.ename, 'WrapperPreflightError');
    assert.equal(
      result.error?.evalue,
      [
        'The model was not logged: fix these first (MLflow would fail on them later):',
        `- artifact "phi3-mini-onnx": ${folder} has no genai_config.json: it is not an onnxruntime-genai model folder (it is in the subfolder cpu-int4: use that folder)`,
        `- artifact "weights": model.onnx.data in ${pointers} is a Git LFS pointer, not the real file: run git lfs pull in that repository`,
        `- the artifact "gone" is ${join(scratch, 'nowhere')}, which does not exist`,
      ].join('\n'),
    );
    // The traceback shows the user's cell line, not the kernel's wrapper.
    assert.match(result.error!.traceback.join('\n'), /<cell-\d+>/);
    assert.doesNotMatch(result.error!.traceback.join('\n'), /phi3_mlflow_hooks/);
    assert.equal(result.outputs.filter((o) => o.type === 'display').length, 0);
  });

  it('fails the cell when the input example does not fit the signature, also through a name imported from mlflow.pyfunc', async () => {
    const result = await run(
      kernel,
      `from mlflow.pyfunc import log_model\nlog_model(name="m", python_model=Echo(), artifacts={"phi3-mini-onnx": ${JSON.stringify(fixture)}}, input_example={"question": "hi", "prompt": 3}, signature=infer_signature({"prompt": "x"}, ["Run"]))`,
    );
    assert.equal(result.error?.ename, 'WrapperPreflightError');
    assert.equal(
      result.error?.evalue,
      [
        'The model was not logged: fix these first (MLflow would fail on them later):',
        '- the input example has "question", which is not an input of the signature (inputs: prompt)',
        '- the input example\'s "prompt" should be a string, not int 3',
      ].join('\n'),
    );
  });

  it('logs a good wrapper and reports the logged model for the card', async () => {
    const result = await run(
      kernel,
      `mlflow.set_experiment("hooks")\nexample = {"prompt": "<|user|>\\nHi<|end|>\\n<|assistant|>"}\nwith mlflow.start_run() as run:\n    info = mlflow.pyfunc.log_model(name="phi3-mlflow-model", python_model=Echo(), artifacts={"phi3-mini-onnx": ${JSON.stringify(fixture)}}, input_example=example, signature=infer_signature(example, ["Run"]), pip_requirements=["mlflow"], registered_model_name="hooks-model")\nprint("ids:", run.info.run_id, info.model_id)`,
    );
    assert.deepEqual(result.end, { status: 'ok' }, JSON.stringify(result.error));
    const stdout = result.outputs
      .filter((o) => o.type === 'stream' && o.name === 'stdout')
      .map((o) => (o as { text: string }).text)
      .join('');
    const [, runId, modelId] = /^ids: (\w+) (\S+)$/m.exec(stdout) ?? [];
    const displays = result.outputs.filter((o) => o.type === 'display' && loggedModelMime in o.data);
    assert.equal(displays.length, 1);
    const facts = (displays[0] as { data: Record<string, Record<string, unknown>> }).data[loggedModelMime]!;
    assert.equal(facts.model_uri, `models:/${modelId}`);
    assert.equal(facts.model_id, modelId);
    assert.equal(facts.run_id, runId);
    assert.equal(facts.experiment, 'hooks');
    assert.equal(facts.onnx_folder, fixture);
    assert.deepEqual(facts.registered_model, { name: 'hooks-model', version: '1', aliases: [] });
    assert.deepEqual(JSON.parse((facts.signature as { inputs: string }).inputs), [{ type: 'string', name: 'prompt', required: true }]);
    // What the server holds agrees.
    const version = (await (await fetch(`${mlflow.url}/api/2.0/mlflow/model-versions/get?name=hooks-model&version=1`)).json()) as {
      model_version: { run_id: string };
    };
    assert.equal(version.model_version.run_id, runId);
  });
});
