import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ChatModelRef } from '../../../src/chat/chatBackend';
import type { ConversationSnapshot } from '../../../src/chat/conversation';
import { venvPython } from '../../harness/paths';
import { type LoggedScoringModel, logScoringModels } from '../../harness/scoringModels';
import { child, connected, serverUrl } from './explorerHelpers';
import { until } from '../../harness/until';

/** What Serve This Model answers (the suite runs from out/, the command from dist/: read, not instanceof). */
interface Served {
  readonly modelUri: string;
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly reused: boolean;
  readonly panel: {
    readonly model: ChatModelRef;
    readonly snapshot: ConversationSnapshot;
    /** What the page posts; called here as the page would, with the text typed. */
    onMessage(message: { type: 'send'; text: string }): Promise<void>;
  };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Serve This Model: mlflow models serve from the explorer, the chat on it, Stop leaves no process', () => {
  let chat: LoggedScoringModel;
  let prompt: LoggedScoringModel;

  before(async function () {
    this.timeout(240_000);
    await connected();
    ({ chat, prompt } = await logScoringModels(serverUrl, 'serve-host'));
    await vscode.workspace.getConfiguration().update('phi3Mlflow.pythonPath', venvPython, vscode.ConfigurationTarget.Global);
    (await connected()).explorer.refresh();
  });

  after(async () => {
    await vscode.commands.executeCommand('phi3Mlflow.stopServing', `models:/${chat.name}/1`);
    await vscode.commands.executeCommand('phi3Mlflow.stopServing', `models:/${prompt.name}@champion`);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.getConfiguration().update('phi3Mlflow.pythonPath', undefined, vscode.ConfigurationTarget.Global);
  });

  it('on a model version: serves it, the chat answers through it, a second Serve reuses it, Stop ends its process group', async function () {
    this.timeout(300_000);
    const api = await connected();
    const { explorer } = api;
    const modelNode = await child(explorer.models, undefined, chat.name);
    const versionNode = await child(explorer.models, modelNode, 'Version 1');
    const served = await vscode.commands.executeCommand<Served | undefined>('phi3Mlflow.serveModel', versionNode);
    assert.ok(served, 'Serve This Model answered');
    assert.equal(served.modelUri, `models:/${chat.name}/1`);
    assert.equal(served.reused, false);
    assert.equal(served.url, `http://127.0.0.1:${served.port}`);
    assert.ok(groupAlive(served.pid));
    // The signature from the model's MLmodel (metadata.task llm/v1/chat): nothing asked.
    assert.deepEqual(served.panel.model, { kind: 'served', url: served.url, signature: { kind: 'llm/v1/chat' } });
    assert.deepEqual(api.servedModelsStatusBar(), [`$(server-process) Serving models:/${chat.name}/1 :${served.port}`]);

    await served.panel.onMessage({ type: 'send', text: 'Hello from VS Code' });
    await until('the answer', () => served.panel.snapshot.turns.some((turn) => turn.role === 'assistant' && !turn.pending));
    const answer = served.panel.snapshot.turns.find((turn) => turn.role === 'assistant')!;
    assert.equal(answer.error, undefined);
    assert.match(answer.content, /^1 messages; last from user: Hello from VS Code; settings .*max_tokens=\d+/);

    const again = await vscode.commands.executeCommand<Served | undefined>('phi3Mlflow.serveModel', `models:/${chat.name}/1`);
    assert.ok(again);
    assert.equal(again.reused, true);
    assert.equal(again.pid, served.pid);
    assert.equal(again.url, served.url);

    const stopped = await vscode.commands.executeCommand<string[]>('phi3Mlflow.stopServing', `models:/${chat.name}/1`);
    assert.deepEqual(stopped, [`models:/${chat.name}/1`]);
    assert.equal(groupAlive(served.pid), false, 'no process of the group is left');
    assert.deepEqual(api.servedModelsStatusBar(), []);
    await assert.rejects(fetch(`${served.url}/ping`, { signal: AbortSignal.timeout(2000) }));
  });

  it('on an alias node: the {prompt} signature from its MLmodel, and the chat formats the prompt for it', async function () {
    this.timeout(300_000);
    const { explorer } = await connected();
    const modelNode = await child(explorer.models, undefined, prompt.name);
    const versionNode = await child(explorer.models, modelNode, 'Version 1');
    const aliases = await child(explorer.models, versionNode, 'Aliases');
    const aliasNode = await child(explorer.models, aliases, '@champion');
    const served = await vscode.commands.executeCommand<Served | undefined>('phi3Mlflow.serveModel', aliasNode);
    assert.ok(served);
    assert.equal(served.modelUri, `models:/${prompt.name}@champion`);
    assert.deepEqual(served.panel.model, {
      kind: 'served',
      url: served.url,
      signature: { kind: 'prompt', promptInput: 'prompt', requestShape: 'inputs' },
    });
    await served.panel.onMessage({ type: 'send', text: 'Hi' });
    await until('the answer', () => served.panel.snapshot.turns.some((turn) => turn.role === 'assistant' && !turn.pending));
    assert.equal(
      served.panel.snapshot.turns.find((turn) => turn.role === 'assistant')!.content,
      'echo: <|user|>\nHi<|end|>\n<|assistant|>\n',
    );
    const stopped = await vscode.commands.executeCommand<string[]>('phi3Mlflow.stopServing');
    assert.deepEqual(stopped, [`models:/${prompt.name}@champion`], 'the only model served is stopped without asking');
    assert.equal(groupAlive(served.pid), false);
  });

  it('on a run node: refused with a message, nothing started', async () => {
    const { explorer } = await connected();
    const experimentNode = await child(explorer.experiments, undefined, 'serve-host');
    const runNode = await child(explorer.experiments, experimentNode, 'serve-host-models');
    const result = await vscode.commands.executeCommand('phi3Mlflow.serveModel', runNode);
    assert.equal(result, undefined);
    assert.deepEqual((await connected()).servedModelsStatusBar(), []);
  });
});
