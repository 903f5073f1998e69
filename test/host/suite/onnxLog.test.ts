import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { MlflowClient } from '../../../src/mlflow/client';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import type { OnnxLogOutcome } from '../../../src/onnxLog/onnxLogPanel';
import type { OnnxLogFormValues, OnnxLogState } from '../../../src/onnxLog/onnxLogProtocol';
import { runMlflowPython } from '../../harness/mlflowPython';
import { repoRoot } from '../../harness/paths';
import { predictWithPyfunc } from '../../harness/pyfuncPredict';
import { connected, serverUrl } from './explorerHelpers';
import { waitFor, workspaceFile } from './notebookHelpers';

/** What the extension's OnnxLogPanel shows of itself (the suite runs from out/, the panel from dist/: no instanceof). */
interface OnnxLogForm {
  readonly folder: string;
  readonly current: OnnxLogState;
  readonly panel: vscode.WebviewPanel;
  whenFolderChecked(): Promise<void>;
  cancel(): void;
  submit(values: OnnxLogFormValues): Promise<OnnxLogOutcome>;
  runAction(action: 'register' | 'testInChat' | 'openInMlflow' | 'copyModelUri'): Promise<unknown>;
}

const fixture = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4');
// onnxruntime-genai's own greedy answer for this prompt with max_length 48 (scripts/test-models).
const plain = (
  JSON.parse(readFileSync(join(fixture, 'reference.json'), 'utf8')) as { prompts: { id: string; text: string; output_text: string }[] }
).prompts.find((p) => p.id === 'plain')!;

const values = (change: Partial<OnnxLogFormValues> = {}): OnnxLogFormValues => ({
  experiment: 'Default',
  runName: '',
  modelName: 'phi3-mlflow-model',
  artifactName: 'phi3-mini-onnx',
  registeredModelName: '',
  alias: '',
  searchOptions: {},
  ...change,
});

describe('Log ONNX Folder as MLflow Model…: the form logs a folder of the workspace with the declarative wrapper engine', () => {
  let good: string;
  let broken: string;
  let client: MlflowClient;

  before(async function () {
    this.timeout(60_000);
    await connected();
    client = new MlflowClient({ uri: parseTrackingUri(serverUrl), auth: { kind: 'none' } });
    good = workspaceFile('onnx-log/phi3-int4').fsPath;
    broken = workspaceFile('onnx-log/no-graph').fsPath;
    cpSync(fixture, good, { recursive: true });
    // genai_config.json without the graph it names: onnxruntime-genai could not open it once logged.
    mkdirSync(broken, { recursive: true });
    cpSync(join(fixture, 'genai_config.json'), join(broken, 'genai_config.json'));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(workspaceFile('onnx-log').fsPath, { recursive: true, force: true });
  });

  it('lists the folders holding genai_config.json for the file explorer’s menu', async function () {
    this.timeout(90_000);
    const api = await connected();
    // The file watcher sees the copied folders (whose genai_config.json was written before anything
    // watched them); its context key is what the menu's when clause reads.
    const folders = await waitFor(
      () => {
        const found = api.onnxFolders();
        return found.includes(good) && found.includes(broken) ? found : undefined;
      },
      'the ONNX folders to be found',
      60_000,
    ).catch(() => undefined);
    assert.ok(folders, `the extension found ${JSON.stringify(api.onnxFolders())}`);
    assert.deepEqual(
      folders.filter((f) => f.includes('onnx-log')),
      [broken, good],
    );
  });

  it('logs and registers the folder with the alias: MLflow’s REST API and its Python client read back what the form asked for', async function () {
    this.timeout(600_000);
    const form = await vscode.commands.executeCommand<OnnxLogForm>('phi3Mlflow.logOnnxFolder', vscode.Uri.file(good));
    assert.ok(form, 'the form opened');
    assert.equal(form.folder, good);
    await form.whenFolderChecked();
    assert.deepEqual(form.current.folderProblems, []);
    assert.equal(form.current.phase, 'editing');
    assert.equal(form.current.server, serverUrl);

    const outcome = await form.submit(
      values({
        experiment: 'ONNX folder form',
        runName: 'from-the-form',
        registeredModelName: 'phi3-onnx-form',
        alias: 'champion',
        searchOptions: { max_length: '48', do_sample: 'false', top_k: '' },
      }),
    );
    assert.equal(outcome.kind, 'logged', JSON.stringify(form.current));
    const logged = (outcome as Extract<OnnxLogOutcome, { kind: 'logged' }>).logged;
    assert.equal(form.current.phase, 'done');
    assert.equal(form.current.error, undefined);
    assert.deepEqual(form.current.preflightProblems, []);
    assert.equal(form.current.card?.modelUri, logged.modelUri);
    assert.equal(form.current.card?.registered, 'phi3-onnx-form version 1');
    assert.deepEqual(
      form.current.card?.rows.filter(([name]) => ['Model URI', 'Run', 'Experiment', 'Signature', 'Registered'].includes(name)),
      [
        ['Model URI', logged.modelUri],
        ['Run', logged.runId],
        ['Experiment', `ONNX folder form (${logged.experimentId})`],
        ['Signature', 'prompt: string → string'],
        ['Registered', 'phi3-onnx-form version 1 (alias champion)'],
      ],
    );

    // Through REST: the experiment made, the run finished under its name, the logged model ready, the alias on version 1.
    const experiment = await client.experiments.getByName('ONNX folder form');
    assert.equal(experiment?.experimentId, logged.experimentId);
    const run = await client.runs.get(logged.runId);
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.info.runName, 'from-the-form');
    const model = await client.loggedModels.get(logged.modelId!);
    assert.equal(model.name, 'phi3-mlflow-model');
    assert.equal(model.status, 'LOGGED_MODEL_READY');
    const version = await client.registry.getVersionByAlias('phi3-onnx-form', 'champion');
    assert.equal(version.version, '1');
    assert.equal(version.source, logged.modelUri);
    assert.equal(version.runId, logged.runId);

    // Through MLflow's Python client: the alias resolves to this model, and its folder is the artifact phi3-mini-onnx.
    const info = await runMlflowPython<{ model_id: string; run_id: string; flavors: string[]; artifacts: Record<string, string> }>(
      `import json, sys, mlflow
info = mlflow.models.get_model_info(json.loads(sys.argv[1]))
print(json.dumps({"model_id": info.model_id, "run_id": info.run_id, "flavors": sorted(info.flavors),
  "artifacts": info.flavors["python_function"].get("artifacts", {})}))`,
      'models:/phi3-onnx-form@champion',
      { trackingUri: serverUrl },
    );
    assert.equal(info.model_id, logged.modelId);
    assert.equal(info.run_id, logged.runId);
    assert.deepEqual(info.flavors, ['python_function']);
    assert.deepEqual(Object.keys(info.artifacts), ['phi3-mini-onnx']);
    // mlflow.pyfunc.load_model runs the wrapper: the form's max_length 48 gives onnxruntime-genai's reference answer.
    const predicted = await predictWithPyfunc(serverUrl, 'models:/phi3-onnx-form@champion', { prompt: plain.text });
    assert.deepEqual(predicted.predictions, [plain.output_text]);

    // The card's actions: the model URI to the clipboard, the wrapped folder in the chat.
    assert.equal(await form.runAction('copyModelUri'), logged.modelUri);
    assert.equal(await vscode.env.clipboard.readText(), logged.modelUri);
    const chat = (await form.runAction('testInChat')) as { model: { kind: string; folder?: string } } | undefined;
    assert.deepEqual(chat?.model, { kind: 'local', folder: good });
  });

  it('shows what is wrong with the fields and logs nothing', async function () {
    this.timeout(60_000);
    const form = await vscode.commands.executeCommand<OnnxLogForm>('phi3Mlflow.logOnnxFolder', good);
    const outcome = await form.submit(
      values({ experiment: 'ONNX form, bad fields', artifactName: 'phi3 mini', alias: 'latest', registeredModelName: 'phi3-onnx-form' }),
    );
    assert.equal(outcome.kind, 'invalid');
    assert.deepEqual(form.current.fieldProblems, {
      artifactName: 'Use letters, digits, ".", "_" and "-", starting with a letter or digit',
      alias: 'An alias cannot be "latest": MLflow reserves "latest" and v<number> for versions',
    });
    assert.equal(form.current.phase, 'editing');
    assert.equal(await client.experiments.getByName('ONNX form, bad fields'), undefined);
  });

  it('Cancel stops the logging: the form says so, and nothing is created or registered', async function () {
    this.timeout(60_000);
    const form = await vscode.commands.executeCommand<OnnxLogForm>('phi3Mlflow.logOnnxFolder', good);
    // Cancelled as soon as Log is pressed: the engine stops before it creates anything.
    const pending = form.submit(values({ experiment: 'ONNX form, cancelled', registeredModelName: 'phi3-onnx-cancelled' }));
    assert.equal(form.current.phase, 'logging');
    form.cancel();
    assert.equal((await pending).kind, 'cancelled');
    assert.equal(form.current.phase, 'editing');
    assert.equal(
      form.current.error,
      'Logging was cancelled and nothing was registered: a run already started is marked KILLED, its logged model UPLOAD_FAILED.',
    );
    assert.equal(await client.experiments.getByName('ONNX form, cancelled'), undefined);
    await assert.rejects(client.registry.getModel('phi3-onnx-cancelled'), {
      message: 'Registered model "phi3-onnx-cancelled" does not exist',
    });
  });

  it('a folder with a problem shows it when the form opens and again on Log, and nothing is created on the server', async function () {
    this.timeout(60_000);
    const form = await vscode.commands.executeCommand<OnnxLogForm>('phi3Mlflow.logOnnxFolder', vscode.Uri.file(broken));
    await form.whenFolderChecked();
    const problem = `genai_config.json names the graph model.onnx, which is not in ${broken}`;
    assert.deepEqual(form.current.folderProblems, [problem]);
    const outcome = await form.submit(values({ experiment: 'ONNX form, broken folder', registeredModelName: 'phi3-onnx-broken' }));
    assert.equal(outcome.kind, 'preflight');
    assert.deepEqual(form.current.preflightProblems, [problem]);
    assert.equal(form.current.phase, 'editing');
    assert.equal(form.current.card, undefined);
    assert.equal(await client.experiments.getByName('ONNX form, broken folder'), undefined);
    await assert.rejects(client.registry.getModel('phi3-onnx-broken'), { message: 'Registered model "phi3-onnx-broken" does not exist' });
  });
});
