import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ChatModelRef } from '../../../src/chat/chatBackend';
import { resolveChatModel } from '../../../src/chat/chatModelPicker';
import { MlflowClient } from '../../../src/mlflow/client';
import type { LoggedWrapperModel } from '../../../src/mlflow/logWrapperModel';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { hasBidiControl } from '../../../src/views/displayName';
import { hostileModelName, hostileModelNameShown } from '../../harness/explorerSeed';
import { repoRoot } from '../../harness/paths';
import { logTestWrapper } from '../../harness/testWrapperModel';
import { child, connected, serverUrl } from './explorerHelpers';

/** What the extension's ChatPanel shows of itself (the suite runs from out/, the panel from dist/: no instanceof). */
interface OpenedPanel {
  readonly model: ChatModelRef;
  readonly sessionId: string;
}

const fixture = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4');
const experiment = 'Chat from MLflow';
const registered = 'phi3-chat-host';

function chatTabLabels(): string[] {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputWebview)
    .map((tab) => tab.label);
}

/** Tabs follow the panel's title a moment later: waits for the label (generously: the machine is shared). */
async function chatTabShows(label: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!chatTabLabels().includes(label)) {
    assert.ok(Date.now() < deadline, `no tab "${label}" among: ${chatTabLabels().join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function sameBytes(folder: string, name: string): boolean {
  return readFileSync(join(folder, name)).equals(readFileSync(join(fixture, name)));
}

describe('Test in Chat on a model in MLflow: downloaded once into the model cache, the panel named after the model', () => {
  let cacheDir: string;
  let logged: LoggedWrapperModel;

  before(async function () {
    this.timeout(180_000);
    await connected();
    cacheDir = mkdtempSync(join(tmpdir(), 'phi3-chat-model-cache-'));
    await vscode.workspace.getConfiguration().update('phi3Mlflow.chat.modelCacheDirectory', cacheDir, vscode.ConfigurationTarget.Global);
    // A wrapper model carrying the test ONNX folder, logged and registered the extension's own way (no Python).
    const client = new MlflowClient({ uri: parseTrackingUri(serverUrl), auth: { kind: 'none' } });
    ({ logged } = await logTestWrapper(client, {
      experiment,
      runName: 'chat-wrapper',
      registeredModelName: registered,
      onnxFolder: fixture,
    }));
    (await connected()).explorer.refresh();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.getConfiguration().update('phi3Mlflow.chat.modelCacheDirectory', undefined, vscode.ConfigurationTarget.Global);
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it("on a run: finds the ONNX folder in the run's logged model, downloads it and opens the chat on it", async function () {
    this.timeout(120_000);
    const { explorer } = await connected();
    const experimentNode = await child(explorer.experiments, undefined, experiment);
    const runNode = await child(explorer.experiments, experimentNode, 'chat-wrapper');
    const panel = await vscode.commands.executeCommand<OpenedPanel | undefined>('phi3Mlflow.testInChat', runNode);
    assert.ok(panel, 'a chat panel opened');
    const { model } = panel;
    assert.equal(model.kind, 'local');
    assert.ok(model.kind === 'local' && model.folder.startsWith(cacheDir), `${model.kind === 'local' ? model.folder : ''} is in the cache`);
    assert.deepEqual(model.mlflow, {
      requestedUri: `runs:/${logged.runId}`,
      resolvedUri: `runs:/${logged.runId}`,
      title: 'chat-wrapper',
      trackingUri: serverUrl,
    });
    assert.ok(sameBytes(model.folder, 'model.onnx.data') && sameBytes(model.folder, 'genai_config.json'));
    await chatTabShows('Chat: chat-wrapper');
  });

  it('on a model version, then on its alias: one download, the title says the version and the alias', async function () {
    this.timeout(120_000);
    const { explorer } = await connected();
    const modelNode = await child(explorer.models, undefined, registered);
    const versionNode = await child(explorer.models, modelNode, 'Version 1');
    const byVersion = await vscode.commands.executeCommand<OpenedPanel | undefined>('phi3Mlflow.testInChat', versionNode);
    assert.ok(byVersion && byVersion.model.kind === 'local');
    assert.equal(byVersion.model.mlflow?.title, `${registered} v1`);
    assert.ok(sameBytes(byVersion.model.folder, 'model.onnx.data'));
    await chatTabShows(`Chat: ${registered} v1`);
    const modified = statSync(join(byVersion.model.folder, 'model.onnx.data')).mtimeMs;

    // The same model by its alias (what Compare asks for): resolved to version 1, taken from the cache.
    const byAlias = await resolveChatModel({ kind: 'mlflow', uri: `models:/${registered}@champion` });
    assert.ok(byAlias && byAlias.kind === 'local');
    assert.equal(byAlias.folder, byVersion.model.folder);
    assert.deepEqual(byAlias.mlflow, {
      requestedUri: `models:/${registered}@champion`,
      resolvedUri: `models:/${registered}/1`,
      title: `${registered} v1 (@champion)`,
      trackingUri: serverUrl,
    });
    assert.equal(statSync(join(byAlias.folder, 'model.onnx.data')).mtimeMs, modified, 'not downloaded again');
  });

  it("on the run's logged model and on the version's alias node: the version's download, nothing fetched again", async function () {
    this.timeout(120_000);
    const { explorer } = await connected();
    const versionFolder = (await resolveChatModel({ kind: 'mlflow', uri: `models:/${registered}/1` })) as Extract<
      ChatModelRef,
      { kind: 'local' }
    >;
    const modified = statSync(join(versionFolder.folder, 'model.onnx.data')).mtimeMs;
    const experimentNode = await child(explorer.experiments, undefined, experiment);
    const runNode = await child(explorer.experiments, experimentNode, 'chat-wrapper');
    const loggedModels = await child(explorer.experiments, runNode, 'Logged models');
    const loggedModelNode = (await explorer.experiments.getChildren(loggedModels))[0]!;
    const byLoggedModel = await vscode.commands.executeCommand<OpenedPanel | undefined>('phi3Mlflow.testInChat', loggedModelNode);
    assert.ok(byLoggedModel && byLoggedModel.model.kind === 'local');
    assert.equal(byLoggedModel.model.mlflow?.requestedUri, `models:/${logged.modelId}`);
    assert.equal(byLoggedModel.model.folder, versionFolder.folder, 'version 1 registers this logged model: one download');
    await chatTabShows(`Chat: ${byLoggedModel.model.mlflow?.title}`);

    const modelNode = await child(explorer.models, undefined, registered);
    const versionNode = await child(explorer.models, modelNode, 'Version 1');
    const aliases = await child(explorer.models, versionNode, 'Aliases');
    const aliasNode = await child(explorer.models, aliases, '@champion');
    const byAlias = await vscode.commands.executeCommand<OpenedPanel | undefined>('phi3Mlflow.testInChat', aliasNode);
    assert.ok(byAlias && byAlias.model.kind === 'local');
    assert.equal(byAlias.model.folder, versionFolder.folder);
    await chatTabShows(`Chat: ${registered} v1 (@champion)`);
    assert.equal(statSync(join(versionFolder.folder, 'model.onnx.data')).mtimeMs, modified, 'not downloaded again');
  });

  it('Clear Model Cache empties the cache folder and says how much it freed', async () => {
    assert.ok(readdirSync(cacheDir).length >= 2, 'the run and the version are cached');
    // 'confirmed' answers its modal question (the size it would free) the way Delete Version's tests do.
    const result = await vscode.commands.executeCommand<{ entries: number; bytes: number; folder: string }>(
      'phi3Mlflow.clearModelCache',
      'confirmed',
    );
    assert.equal(result.folder, cacheDir);
    assert.equal(result.entries, 2);
    assert.ok(result.bytes > 2 * statSync(join(fixture, 'model.onnx.data')).size);
    assert.deepEqual(readdirSync(cacheDir), []);
  });

  it('on a version of a registered model named to fool (markup, an isolate pair): the tab shows its bidirectional controls', async function () {
    this.timeout(120_000);
    // The same logged model, registered under a name no wrapper card would take.
    const name = `${hostileModelName}-chat`;
    const client = new MlflowClient({ uri: parseTrackingUri(serverUrl), auth: { kind: 'none' } });
    await client.registry.createModel(name);
    await client.registry.createVersion({ name, source: `models:/${logged.modelId}`, runId: logged.runId, modelId: logged.modelId });
    const { explorer } = await connected();
    explorer.models.refresh();
    const versionNode = await child(explorer.models, await child(explorer.models, undefined, name), 'Version 1');
    const panel = await vscode.commands.executeCommand<OpenedPanel | undefined>('phi3Mlflow.testInChat', versionNode);
    assert.ok(panel && panel.model.kind === 'local');
    // The model is the server's name; what the tab shows is that name with U+2067 and U+2069 visible.
    assert.equal(panel.model.mlflow?.title, `${name} v1`);
    await chatTabShows(`Chat: ${hostileModelNameShown}-chat v1`);
    assert.ok(!chatTabLabels().some(hasBidiControl), chatTabLabels().join(', '));
  });

  it('a model that does not exist: a clear message, no panel', async () => {
    await assert.rejects(resolveChatModel({ kind: 'mlflow', uri: `models:/${registered}/9` }), {
      message: `Version 9 of registered model "${registered}" does not exist`,
    });
  });
});
