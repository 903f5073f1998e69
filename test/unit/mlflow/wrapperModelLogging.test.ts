import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { loggedModelArtifacts, runArtifacts } from '../../../src/mlflow/artifacts';
import { MlflowClient } from '../../../src/mlflow/client';
import { MlflowError } from '../../../src/mlflow/errors';
import {
  logWrapperModel,
  type WrapperLogProgress,
  WrapperPreflightError,
  WrapperRegistrationError,
} from '../../../src/mlflow/logWrapperModel';
import { collect } from '../../../src/mlflow/paging';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { parseWrapperSpec, type WrapperSpec } from '../../../src/notebook/wrapperSpec';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';
import { startModelServer } from '../../harness/modelServer';
import { repoRoot } from '../../harness/paths';
import { predictWithPyfunc } from '../../harness/pyfuncPredict';

const fixture = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4');
interface ReferencePrompt {
  id: string;
  text: string;
  max_length: number;
  output_text: string;
}
// onnxruntime-genai's own greedy answers for these prompts with max_length 48 (scripts/test-models).
const reference = JSON.parse(readFileSync(join(fixture, 'reference.json'), 'utf8')) as { prompts: ReferencePrompt[] };
const plain = reference.prompts.find((p) => p.id === 'plain')!;
const chat = reference.prompts.find((p) => p.id === 'chat')!;

const cell = (extra = '') => `recipe: custom-onnx-pyfunc
onnx_folder: ${fixture}
artifact_name: phi3-mini-onnx
search_options:
  max_length: 48
  do_sample: false
input_example:
  prompt: What is MLflow?
experiment: phi3-wrappers
run_name: declarative-phi3
${extra}`;

function specOf(text: string): WrapperSpec {
  const result = parseWrapperSpec(text, { baseDir: repoRoot });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.spec;
}

async function postJson(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

describe('wrapper models logged without Python, against a real MLflow 3 server', () => {
  let server: MlflowServer;
  let client: MlflowClient;
  let scratch: string;
  let modelUri: string;

  before(async () => {
    server = await startMlflowServer();
    client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-wrapper-log-'));
    assert.equal(plain.max_length, 48);
    assert.equal(chat.max_length, 48);
  });
  after(async () => {
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it(
    'logs a declarative cell as an MLflow 3 logged model, registers it with an alias, and real MLflow loads it and predicts',
    { timeout: 600_000 },
    async () => {
      const progress: WrapperLogProgress[] = [];
      const logged = await logWrapperModel(client, specOf(cell('registered_model_name: phi3-tiny\nalias: champion\n')), {
        pythonVersion: '3.11.7',
        onProgress: (p) => progress.push(p),
      });
      modelUri = logged.modelUri;
      assert.match(logged.modelId!, /^m-[0-9a-f]{32}$/);
      assert.equal(logged.modelUri, `models:/${logged.modelId}`);
      assert.equal(logged.mlflowVersion, '3.17.2');
      assert.deepEqual(logged.signature, {
        inputs: [{ name: 'prompt', type: 'string', required: true }],
        outputs: [{ type: 'string', required: true }],
      });
      assert.deepEqual([...new Set(progress.map((p) => p.phase))], ['checking', 'creating', 'uploading', 'finalizing', 'registering']);
      const uploads = progress.filter((p) => p.phase === 'uploading');
      assert.ok(
        uploads.every((p, i) => i === 0 || p.bytesDone! >= uploads[i - 1]!.bytesDone!),
        'upload progress never goes back',
      );
      const last = uploads.at(-1)!;
      assert.equal(last.bytesDone, last.bytesTotal);
      assert.equal(last.bytesDone, logged.bytes);

      // The run, the logged model and the link between them, as mlflow.pyfunc.log_model leaves them.
      const experiment = await client.experiments.getByName('phi3-wrappers');
      assert.equal(experiment?.experimentId, logged.experimentId);
      const run = await client.runs.get(logged.runId);
      assert.equal(run.info.runName, 'declarative-phi3');
      assert.equal(run.info.status, 'FINISHED');
      assert.deepEqual(run.modelOutputs, [{ modelId: logged.modelId, step: 0 }]);
      const model = await client.loggedModels.get(logged.modelId!);
      assert.equal(model.status, 'LOGGED_MODEL_READY');
      assert.equal(model.name, 'phi3-mlflow-model');
      assert.equal(model.sourceRunId, logged.runId);
      assert.equal(model.artifactUri, `mlflow-artifacts:/${logged.experimentId}/models/${logged.modelId}/artifacts`);
      assert.equal(logged.artifactUri, model.artifactUri);

      const files = await collect(client.artifacts.listFiles(loggedModelArtifacts(logged.modelId!)));
      const onnxFiles = [
        'added_tokens.json',
        'config.json',
        'genai_config.json',
        'model.onnx',
        'model.onnx.data',
        'reference-logits-chat.bin',
        'reference-logits-long.bin',
        'reference-logits-non_ascii.bin',
        'reference-logits-plain.bin',
        'reference.json',
        'special_tokens_map.json',
        'tokenizer.json',
        'tokenizer_config.json',
      ];
      assert.deepEqual(
        files.map((f) => f.path).sort(),
        [
          'MLmodel',
          ...onnxFiles.map((name) => `artifacts/phi3-tiny-genai-int4/${name}`),
          'conda.yaml',
          'input_example.json',
          'phi3_onnx_wrapper.py',
          'python_env.yaml',
          'requirements.txt',
          'serving_input_example.json',
        ].sort(),
      );
      assert.equal(logged.files, files.length);
      assert.equal(
        logged.bytes,
        files.reduce((sum, f) => sum + (f.fileSize ?? 0), 0),
      );
      await client.artifacts.download(loggedModelArtifacts(logged.modelId!, model.artifactUri), 'MLmodel', scratch);
      const mlmodel = parse(readFileSync(join(scratch, 'MLmodel'), 'utf8')) as Record<string, unknown>;
      assert.equal(mlmodel.artifact_path, model.artifactUri);
      assert.equal(mlmodel.model_id, logged.modelId);
      assert.equal(mlmodel.model_uuid, logged.modelId);
      assert.equal(mlmodel.run_id, logged.runId);
      assert.equal(mlmodel.mlflow_version, '3.17.2');

      const version = logged.registeredVersion!;
      assert.equal(version.name, 'phi3-tiny');
      assert.equal(version.version, '1');
      assert.equal(version.source, logged.modelUri);
      assert.equal(version.modelId, logged.modelId);
      assert.equal(version.runId, logged.runId);
      assert.deepEqual(version.aliases, ['champion']);

      // THE PROOF: MLflow's own loader runs the wrapper on onnxruntime-genai, greedy answers match the reference.
      const loaded = await predictWithPyfunc(server.url, logged.modelUri, { prompt: [plain.text, chat.text] });
      assert.deepEqual(loaded.predictions, [plain.output_text, chat.output_text]);
      assert.equal(loaded.metadata.loader_module, 'mlflow.pyfunc.loaders.code_model');
      assert.equal(loaded.metadata.model_id, logged.modelId);
      assert.equal(loaded.metadata.run_id, logged.runId);
      assert.deepEqual(loaded.metadata.signature, {
        inputs: '[{"type": "string", "name": "prompt", "required": true}]',
        outputs: '[{"type": "string", "required": true}]',
        params: null,
      });
      assert.deepEqual(loaded.metadata.saved_input_example_info, {
        artifact_path: 'input_example.json',
        serving_input_path: 'serving_input_example.json',
        type: 'json_object',
      });
      // Through the registry, by alias.
      const byAlias = await predictWithPyfunc(server.url, 'models:/phi3-tiny@champion', { prompt: plain.text });
      assert.deepEqual(byAlias.predictions, [plain.output_text]);
    },
  );

  it('serves the logged model: mlflow models serve --env-manager local answers /invocations', { timeout: 600_000 }, async () => {
    assert.ok(modelUri, 'the previous test logged the model');
    const serving = await startModelServer(server.url, modelUri);
    try {
      const inputs = await postJson(`${serving.url}/invocations`, { inputs: { prompt: [plain.text] } });
      assert.deepEqual(inputs, { status: 200, json: { predictions: [plain.output_text] } });
      const records = await postJson(`${serving.url}/invocations`, { dataframe_records: [{ prompt: plain.text }, { prompt: chat.text }] });
      assert.deepEqual(records, { status: 200, json: { predictions: [plain.output_text, chat.output_text] } });
      const split = await postJson(`${serving.url}/invocations`, { dataframe_split: { columns: ['prompt'], data: [[chat.text]] } });
      assert.deepEqual(split, { status: 200, json: { predictions: [chat.output_text] } });
      // The serving example written with the model is a body the server takes as it is: a top-level
      // "prompt" is an unwrapped LLM request, answered with the bare predictions.
      const servingExample = join(scratch, 'serving');
      await client.artifacts.download(
        loggedModelArtifacts(modelUri.slice('models:/'.length)),
        'serving_input_example.json',
        servingExample,
      );
      const exampleBody = readFileSync(join(servingExample, 'serving_input_example.json'), 'utf8');
      assert.equal(exampleBody, '{\n  "prompt": "What is MLflow?"\n}');
      const viaInputs = await postJson(`${serving.url}/invocations`, { inputs: { prompt: ['What is MLflow?'] } });
      const [answer] = (viaInputs.json as { predictions: string[] }).predictions;
      assert.ok(answer && answer.length > 0);
      assert.deepEqual(await postJson(`${serving.url}/invocations`, exampleBody), { status: 200, json: [answer] });
      // A request that does not fit the signature is refused by MLflow, not by the wrapper.
      const wrong = await postJson(`${serving.url}/invocations`, { dataframe_records: [{ question: 'x' }] });
      assert.equal(wrong.status, 400);
      assert.match(JSON.stringify(wrong.json), /prompt/);
    } finally {
      await serving.stop();
    }
  });

  it('checks the ONNX folder and the input example before creating anything', async () => {
    const lfs = join(scratch, 'lfs-clone');
    cpSync(fixture, lfs, { recursive: true });
    writeFileSync(join(lfs, 'model.onnx.data'), 'version https://git-lfs.github.com/spec/v1\noid sha256:0123\nsize 5021056\n');
    const spec = specOf(cell().replace(fixture, lfs).replace('experiment: phi3-wrappers', 'experiment: never-created'));
    const bad = { ...spec, model: { ...spec.model, inputExample: { prompt: 42 } } };
    await assert.rejects(logWrapperModel(client, bad), (error: unknown) => {
      assert.ok(error instanceof WrapperPreflightError);
      assert.deepEqual(error.problems, [
        `model.onnx.data in ${lfs} is a Git LFS pointer, not the real file: run git lfs pull in that repository`,
        'The input example\'s "prompt" should be a string, not number 42',
      ]);
      return true;
    });
    assert.equal(await client.experiments.getByName('never-created'), undefined);

    const deletedId = await client.experiments.create('deleted-wrappers');
    await client.experiments.delete(deletedId);
    await assert.rejects(logWrapperModel(client, specOf(cell().replace('experiment: phi3-wrappers', 'experiment: deleted-wrappers'))), {
      name: 'WrapperPreflightError',
      message: 'The experiment "deleted-wrappers" is deleted: restore it, or log to another experiment',
    });
    assert.deepEqual(await collect(client.runs.search({ experimentIds: [deletedId], runViewType: 'ALL' })), []);
  });

  it('a refused registration keeps the logged model and says where it is', { timeout: 300_000 }, async () => {
    const spec = specOf(cell().replace('run_name: declarative-phi3', 'run_name: alias-refused'));
    // The cell parser refuses "latest" as an alias; the server's own refusal is what is tested here.
    const failure = await logWrapperModel(client, { ...spec, registeredModelName: 'phi3-refused', alias: 'latest' }).then(
      () => assert.fail('MLflow refuses the alias "latest"'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof WrapperRegistrationError, String(failure));
    assert.match(failure.message, new RegExp(`^The model was logged as models:/${failure.logged.modelId}, but registering it failed: `));
    assert.ok(failure.cause instanceof MlflowError);
    assert.equal(failure.cause.errorCode, 'INVALID_PARAMETER_VALUE');
    assert.equal((await client.loggedModels.get(failure.logged.modelId!)).status, 'LOGGED_MODEL_READY');
    assert.equal((await client.runs.get(failure.logged.runId)).info.status, 'FINISHED');
    // The version itself was created; only the alias was refused.
    assert.deepEqual((await client.registry.getVersion('phi3-refused', '1')).aliases, []);
  });

  it('a cancelled upload leaves the logged model UPLOAD_FAILED and the run KILLED', { timeout: 300_000 }, async () => {
    const controller = new AbortController();
    const spec = specOf(cell().replace('run_name: declarative-phi3', 'run_name: cancelled'));
    const failure = await logWrapperModel(client, spec, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'uploading' && (p.bytesDone ?? 0) > 0) controller.abort();
      },
    }).then(
      () => assert.fail('the upload was cancelled'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof MlflowError, String(failure));
    assert.equal(failure.kind, 'cancelled');
    const experimentId = (await client.experiments.getByName('phi3-wrappers'))!.experimentId;
    const [run] = await collect(client.runs.search({ experimentIds: [experimentId], filter: "attributes.run_name = 'cancelled'" }));
    assert.equal(run?.info.status, 'KILLED');
    const [model] = run!.modelOutputs;
    assert.equal((await client.loggedModels.get(model!.modelId)).status, 'LOGGED_MODEL_UPLOAD_FAILED');
  });
});

describe('wrapper models logged without Python, against a real MLflow 2 server', () => {
  let server: MlflowServer;
  let client: MlflowClient;

  before(async () => {
    server = await startMlflowServer({ mlflowMajor: 2 });
    client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
  });
  after(async () => {
    await server?.stop();
  });

  it(
    "logs under the run's artifacts, records mlflow.log-model.history, registers the run's copy, and real MLflow loads it",
    { timeout: 600_000 },
    async () => {
      const logged = await logWrapperModel(client, specOf(cell('registered_model_name: phi3-tiny\n')), { pythonVersion: '3.11.7' });
      assert.equal(logged.modelId, undefined);
      assert.equal(logged.mlflowVersion, '2.22.5');
      assert.equal(logged.modelUri, `runs:/${logged.runId}/phi3-mlflow-model`);
      const run = await client.runs.get(logged.runId);
      assert.equal(run.info.status, 'FINISHED');
      assert.equal(logged.artifactUri, `${run.info.artifactUri}/phi3-mlflow-model`);
      const history = JSON.parse(run.tags['mlflow.log-model.history']!) as Array<Record<string, unknown>>;
      assert.equal(history.length, 1);
      assert.equal(history[0]!.run_id, logged.runId);
      assert.equal(history[0]!.artifact_path, 'phi3-mlflow-model');
      assert.deepEqual(Object.keys(history[0]!.flavors as object), ['python_function']);
      const files = await collect(client.artifacts.listFiles(runArtifacts(logged.runId), 'phi3-mlflow-model'));
      assert.ok(files.some((f) => f.path === 'phi3-mlflow-model/MLmodel'));
      assert.ok(
        files.some(
          (f) =>
            f.path === 'phi3-mlflow-model/artifacts/phi3-tiny-genai-int4/model.onnx.data' &&
            f.fileSize === statSync(join(fixture, 'model.onnx.data')).size,
        ),
      );
      assert.equal(logged.registeredVersion?.source, logged.artifactUri);
      assert.equal(logged.registeredVersion?.runId, logged.runId);

      const loaded = await predictWithPyfunc(server.url, logged.modelUri, { prompt: [chat.text] });
      assert.deepEqual(loaded.predictions, [chat.output_text]);
      assert.equal(loaded.metadata.model_id, null);
    },
  );
});
