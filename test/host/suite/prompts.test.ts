import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { MlflowClient } from '../../../src/mlflow/client';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import type { ExplorerNode } from '../../../src/views/explorerNode';
import { ExplorerTreeDataProvider } from '../../../src/views/explorerTreeDataProvider';
import { PromptsRoot } from '../../../src/views/promptNodes';
import { runMlflowPython } from '../../harness/mlflowPython';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';
import { repoRoot } from '../../harness/paths';
import { child, childrenOf, connected, contextOf, descriptionOf, labelOf, nodeAt, serverUrl, tooltipOf } from './explorerHelpers';

/** What the extension's ChatPanel shows of itself (the suite runs from out/, the panel from dist/: no instanceof). */
interface OpenedPanel {
  readonly panel: { readonly active: boolean };
  readonly sessionId: string;
  readonly session: { readonly promptUri: string | undefined };
  readonly snapshot: { readonly systemPrompt: string; readonly turns: readonly { role: string; content: string }[] };
}

interface PromptInChat {
  readonly sessionId: string;
  readonly promptUri: string;
  readonly systemPrompt: string;
  readonly draft: string;
  readonly seededTurns: number;
}

const fixture = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4');

/** Prompts made by MLflow's own client, as a user of mlflow.genai would have them. */
const registerInPython = `
import json, sys, mlflow
mlflow.genai.register_prompt('host-greeting', 'Hello {{ name }}, welcome to {{ place }}!', commit_message='first', tags={'team': 'docs'})
mlflow.genai.register_prompt('host-greeting', 'Hi {{name}}!', commit_message='second')
mlflow.genai.set_prompt_alias('host-greeting', alias='prod', version=1)
mlflow.genai.register_prompt('host-chat', [
    {'role': 'system', 'content': 'You are a {{ style }} assistant.'},
    {'role': 'user', 'content': 'Say hi to {{ name }}.'},
    {'role': 'assistant', 'content': 'Hi!'},
    {'role': 'user', 'content': '{{ question }}'},
], commit_message='few-shot chat')
print(json.dumps('ok'))
`;

/** What mlflow.genai.load_prompt reads of a prompt the extension registered. */
const loadInPython = `
import json, sys, mlflow
data = json.loads(sys.argv[1])
p = mlflow.genai.load_prompt(data['uri'], cache_ttl_seconds=0)
print(json.dumps({'template': p.template, 'commit': p.commit_message, 'version': p.version, 'variables': sorted(p.variables)}))
`;

async function openChat(): Promise<OpenedPanel> {
  // One chat at a time: which of several Use in Chat fills depends on VS Code's focus events, which
  // reach the extension late on a loaded machine.
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  const panel = await vscode.commands.executeCommand<OpenedPanel | undefined>('phi3Mlflow.openChat', fixture);
  assert.ok(panel, 'a chat panel opened');
  // Use in Chat fills the chat in front: wait until VS Code says this one is (it tells a moment later).
  const deadline = Date.now() + 30_000;
  while (!panel.panel.active) {
    assert.ok(Date.now() < deadline, 'the new chat panel never became active');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return panel;
}

describe('the Prompts view and the chat, on prompts made by mlflow.genai', function () {
  this.timeout(120_000);
  let folder: string;

  before(async function () {
    this.timeout(180_000);
    await runMlflowPython(registerInPython, {}, { trackingUri: serverUrl });
    (await connected()).explorer.prompts.refresh();
    folder = mkdtempSync(join(tmpdir(), 'phi3-prompts-'));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(folder, { recursive: true, force: true });
  });

  it('lists the prompts with their latest version and aliases, their versions with commit messages, and the template', async () => {
    const { explorer } = await connected();
    const greeting = await child(explorer.prompts, undefined, 'host-greeting');
    assert.equal(descriptionOf(greeting), 'latest v2 · @prod');
    assert.equal(contextOf(greeting), 'prompt');
    assert.match(tooltipOf(greeting), /^host-greeting\nLatest version: 2\n/);
    assert.match(tooltipOf(greeting), /\n@prod → version 1\n/);
    assert.match(tooltipOf(greeting), /\nteam = docs/);

    const children = await childrenOf(explorer.prompts, greeting);
    assert.deepEqual(children.map(labelOf), ['Aliases', 'Version 2', 'Version 1']);
    const [aliases, v2, v1] = children as [ExplorerNode, ExplorerNode, ExplorerNode];
    assert.deepEqual(
      (await childrenOf(explorer.prompts, aliases)).map((n) => [labelOf(n), descriptionOf(n)]),
      [['@prod', 'version 1 · prompts:/host-greeting@prod']],
    );
    assert.match(descriptionOf(v2), /^second · \d{4}-\d\d-\d\d \d\d:\d\d$/);
    assert.match(descriptionOf(v1), /^@prod · first · \d{4}-\d\d-\d\d \d\d:\d\d$/);
    assert.equal(contextOf(v1), 'promptVersion');
    assert.match(
      tooltipOf(v1),
      /^prompts:\/host-greeting\/1\nCreated: .+\nType: text\nCommit message: first\nAliases: @prod\nVariables: name, place\nteam = docs\n\nHello \{\{ name \}\}, welcome to \{\{ place \}\}!$/,
    );

    const v1Children = await childrenOf(explorer.prompts, v1);
    assert.deepEqual(
      v1Children.map((n) => [labelOf(n), descriptionOf(n)]),
      [
        ['Template', 'Hello {{ name }}, welcome to {{ place }}!'],
        ['Variables', '2'],
        ['Tags', '1'],
      ],
    );
    assert.deepEqual((await childrenOf(explorer.prompts, v1Children[1])).map(labelOf), ['{{ name }}', '{{ place }}']);

    const chat = await child(explorer.prompts, undefined, 'host-chat');
    const chatVersion = await child(explorer.prompts, chat, 'Version 1');
    assert.match(descriptionOf(chatVersion), /^chat · few-shot chat · /);
  });

  it('opens a template read-only as a .phi3prompt document: a chat prompt in Phi-3 markup', async () => {
    const { explorer } = await connected();
    const chatVersion = await nodeAt(explorer.prompts, 'host-chat', 'Version 1');
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('phi3Mlflow.openPromptTemplate', chatVersion);
    assert.equal(editor.document.uri.toString(), 'mlflow-prompt:/host-chat/1.phi3prompt');
    assert.equal(editor.document.languageId, 'phi3-prompt');
    assert.equal(
      editor.document.getText(),
      '<|system|>\nYou are a {{ style }} assistant.<|end|>\n<|user|>\nSay hi to {{ name }}.<|end|>\n<|assistant|>\nHi!<|end|>\n<|user|>\n{{ question }}<|end|>\n',
    );
  });

  it('filters prompts by name, and says when none matches', async () => {
    const { explorer } = await connected();
    try {
      await vscode.commands.executeCommand('phi3Mlflow.filterPrompts', 'HOST-ch');
      assert.deepEqual((await childrenOf(explorer.prompts)).map(labelOf), ['host-chat']);
      await vscode.commands.executeCommand('phi3Mlflow.filterPrompts', 'no-such-prompt');
      assert.deepEqual((await childrenOf(explorer.prompts)).map(labelOf), ['No prompt name contains "no-such-prompt"']);
    } finally {
      await vscode.commands.executeCommand('phi3Mlflow.filterPrompts', '');
    }
    assert.ok((await childrenOf(explorer.prompts)).map(labelOf).includes('host-greeting'));
  });

  it('Use in Chat on an alias fills the system prompt with the version it points at, its variables given, and the chat remembers the version', async () => {
    const { explorer } = await connected();
    const panel = await openChat();
    const prod = await nodeAt(explorer.prompts, 'host-greeting', 'Aliases', '@prod');
    const used = await vscode.commands.executeCommand<PromptInChat>('phi3Mlflow.usePromptInChat', prod, { name: 'Ada', place: 'Paris' });
    assert.deepEqual(used, {
      sessionId: panel.sessionId,
      promptUri: 'prompts:/host-greeting/1',
      systemPrompt: 'Hello Ada, welcome to Paris!',
      draft: '',
      seededTurns: 0,
    });
    assert.equal(panel.snapshot.systemPrompt, 'Hello Ada, welcome to Paris!');
    assert.equal(panel.session.promptUri, 'prompts:/host-greeting/1');
  });

  it('Use in Chat on a chat prompt: its system message is the system prompt, the few-shot turns start the chat, the last question waits in the input box', async () => {
    const { explorer } = await connected();
    const panel = await openChat();
    const version = await nodeAt(explorer.prompts, 'host-chat', 'Version 1');
    const used = await vscode.commands.executeCommand<PromptInChat>('phi3Mlflow.usePromptInChat', version, {
      style: 'terse',
      name: 'Ada',
      question: 'Why is the sky blue?',
    });
    assert.equal(used.sessionId, panel.sessionId);
    assert.equal(used.systemPrompt, 'You are a terse assistant.');
    assert.equal(used.draft, 'Why is the sky blue?');
    assert.deepEqual(
      panel.snapshot.turns.map((turn) => [turn.role, turn.content]),
      [
        ['user', 'Say hi to Ada.'],
        ['assistant', 'Hi!'],
      ],
    );
    assert.equal(panel.session.promptUri, 'prompts:/host-chat/1');
  });

  it('Use in Chat stops when a variable is not given: Escape on its input box leaves the chat as it was', async () => {
    const { explorer } = await connected();
    const panel = await openChat();
    const v1 = await nodeAt(explorer.prompts, 'host-greeting', 'Version 1');
    // `name` is given; the box for `place` opens and is dismissed.
    const answer = vscode.commands.executeCommand<PromptInChat | undefined>('phi3Mlflow.usePromptInChat', v1, { name: 'Ada' });
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    // The box may not be up yet on a busy machine: close it until the command answers.
    let result: PromptInChat | undefined | 'pending' = 'pending';
    void answer.then((value) => (result = value));
    while (result === 'pending') {
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(result, undefined);
    assert.equal(panel.snapshot.systemPrompt, '');
    assert.equal(panel.session.promptUri, undefined);
  });

  it('Register Prompt… saves a .phi3prompt file as a new version with its commit message and alias, which mlflow.genai.load_prompt reads back exactly', async () => {
    const file = join(folder, 'host-registered.phi3prompt');
    writeFileSync(
      file,
      '// the support bot\n<|system|>\nYou support {{ product }} users.<|end|>\n<|user|>\n{{ question }}<|end|>\n<|assistant|>\n',
    );
    const version = await vscode.commands.executeCommand<{ uri: string; version: string }>(
      'phi3Mlflow.registerPrompt',
      vscode.Uri.file(file),
      {
        name: 'host-registered',
        commitMessage: 'from a file',
        alias: 'staging',
      },
    );
    assert.equal(version.uri, 'prompts:/host-registered/1');
    const loaded = await runMlflowPython(loadInPython, { uri: 'prompts:/host-registered@staging' }, { trackingUri: serverUrl });
    assert.deepEqual(loaded, {
      template: [
        { role: 'system', content: 'You support {{ product }} users.' },
        { role: 'user', content: '{{ question }}' },
      ],
      commit: 'from a file',
      version: 1,
      variables: ['product', 'question'],
    });

    // A text file adds version 2 of the same prompt.
    const text = join(folder, 'greeting-text.phi3prompt');
    writeFileSync(text, '// plain text\nWelcome, {{ user }}.\nAsk anything.\n');
    const second = await vscode.commands.executeCommand<{ uri: string }>('phi3Mlflow.registerPrompt', vscode.Uri.file(text), {
      name: 'host-registered',
      commitMessage: 'text now',
      alias: '',
    });
    assert.equal(second.uri, 'prompts:/host-registered/2');
    assert.deepEqual(await runMlflowPython(loadInPython, { uri: 'prompts:/host-registered/2' }, { trackingUri: serverUrl }), {
      template: 'Welcome, {{ user }}.\nAsk anything.',
      commit: 'text now',
      version: 2,
      variables: ['user'],
    });
    const { explorer } = await connected();
    assert.equal(descriptionOf(await child(explorer.prompts, undefined, 'host-registered')), 'latest v2 · @staging');
  });

  it('Register Prompt… refuses a file that is no prompt and a name MLflow would refuse, before anything is sent', async () => {
    const bad = join(folder, 'bad.phi3prompt');
    writeFileSync(bad, 'stray text\n<|user|>\nHi<|end|>\n');
    assert.equal(
      await vscode.commands.executeCommand('phi3Mlflow.registerPrompt', vscode.Uri.file(bad), {
        name: 'host-bad',
        commitMessage: '',
        alias: '',
      }),
      undefined,
    );
    const good = join(folder, 'good.phi3prompt');
    writeFileSync(good, 'Hi');
    assert.equal(
      await vscode.commands.executeCommand('phi3Mlflow.registerPrompt', vscode.Uri.file(good), {
        name: 'has space',
        commitMessage: '',
        alias: '',
      }),
      undefined,
    );
    const client = new MlflowClient({ uri: parseTrackingUri(serverUrl), auth: { kind: 'none' } });
    const names = (await client.prompts.searchPrompts()).items.map((prompt) => prompt.name);
    assert.ok(!names.includes('host-bad') && !names.includes('has space'), `none registered: ${names.join(', ')}`);
  });

  it("Register Prompt… on a chat's system prompt (what the panel's button sends): a text prompt load_prompt reads back", async () => {
    const version = await vscode.commands.executeCommand<{ uri: string }>(
      'phi3Mlflow.registerPrompt',
      { systemPrompt: 'Answer in {{ language }}.' },
      { name: 'host-system', commitMessage: 'from the chat', alias: '' },
    );
    assert.equal(version.uri, 'prompts:/host-system/1');
    assert.deepEqual(await runMlflowPython(loadInPython, { uri: 'prompts:/host-system/1' }, { trackingUri: serverUrl }), {
      template: 'Answer in {{ language }}.',
      commit: 'from the chat',
      version: 1,
      variables: ['language'],
    });
  });
});

describe('the Prompts view on an MLflow 2 server', function () {
  this.timeout(180_000);
  let server: MlflowServer | undefined;
  let log: vscode.LogOutputChannel;
  let provider: ExplorerTreeDataProvider<PromptsRoot>;

  before(async () => {
    log = vscode.window.createOutputChannel('prompts MLflow 2 tests', { log: true });
    server = await startMlflowServer({ mlflowMajor: 2 });
    // A text prompt by MLflow 2's own client, and a chat version as MLflow 3's client would write it.
    await runMlflowPython(
      `
import json, mlflow
mlflow.register_prompt('m2-text', 'Hello {{ name }}', commit_message='on two')
from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersionTag
c = MlflowClient()
c._get_registry_client().store.create_model_version('m2-text', 'dummy-source', tags=[
    ModelVersionTag('mlflow.prompt.is_prompt', 'true'),
    ModelVersionTag('_mlflow_prompt_type', 'chat'),
    ModelVersionTag('mlflow.prompt.text', '[{"role": "user", "content": "Hi"}]'),
], description='chat from three')
print(json.dumps('ok'))
`,
      {},
      { trackingUri: server.url, mlflowMajor: 2 },
    );
    const client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    provider = new ExplorerTreeDataProvider(new PromptsRoot(() => client), log);
  });
  after(async () => {
    provider?.dispose();
    log?.dispose();
    await server?.stop();
  });

  it('lists text prompts, and shows a chat version as needing MLflow 3', async () => {
    const prompt = (await childrenOf(provider)).find((n) => labelOf(n) === 'm2-text');
    assert.ok(prompt, 'm2-text listed');
    const versions = await childrenOf(provider, prompt);
    assert.deepEqual(versions.map(labelOf), ['Version 2', 'Version 1']);
    assert.match(descriptionOf(versions[0]!), /^chat prompt: needs MLflow 3 · chat from three · /);
    assert.equal(contextOf(versions[0]!), 'promptVersion.unusable');
    assert.match(tooltipOf(versions[0]!), /chat prompts need an MLflow 3 server\./);
    assert.match(descriptionOf(versions[1]!), /^on two · /);
    assert.equal(contextOf(versions[1]!), 'promptVersion');
  });
});
