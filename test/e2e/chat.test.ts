/**
 * The chat panel as a user drives it in Chromium, on the installed VSIX and a random-weight Phi-3
 * test model (its output is gibberish, but greedy decoding makes it the same every time): open the
 * chat from the palette, see the answer grow while it streams, Stop it, set max new tokens and see
 * the figures respect it, a prompt too long for the context window refused with a message, reload
 * and find the conversation again, export it as Markdown and JSON; then trouble (an invalid setting,
 * the engine process killed) and two models served by a real `mlflow models serve`, one in each
 * Phi-3 signature, and an address where nothing answers. Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { launchChromium, openWorkbench, saveScreenshot } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { freePort } from '../harness/freePort';
import { MlflowClient } from '../../src/mlflow/client';
import { parseTrackingUri } from '../../src/mlflow/trackingUri';
import { type MlflowServer, startMlflowServer } from '../harness/mlflowServer';
import { type ModelServer, startModelServer } from '../harness/modelServer';
import { repoRoot } from '../harness/paths';
import { saveScoringModels } from '../harness/scoringModels';
import { lastFigures, send } from './chatPage';
import { activeWebview, builtVsix, chooseInFileDialog, chooseMenuItem, endSuite, runCommand } from './workbenchPage';

const modelName = 'phi3-tiny-genai-int4';

async function setMaxNewTokens(chat: FrameLocator, value: number): Promise<void> {
  const settings = chat.locator('details.settings');
  if ((await settings.getAttribute('open')) === null) await settings.locator('summary').click();
  const field = chat.locator('#max-new-tokens');
  await field.fill(String(value));
  await field.press('Tab'); // 'change' sends the settings
}

async function setField(chat: FrameLocator, selector: string, value: string): Promise<void> {
  const field = chat.locator(selector);
  await field.fill(value);
  await field.press('Tab');
}

describe('the chat panel in the browser, on a local test model', () => {
  let scratch: string;
  let workspace: string;
  let browser: Browser;
  let codeServer: CodeServer;
  let page: Page;
  let chat: FrameLocator;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-e2e-chat-'));
    workspace = join(scratch, 'ws');
    mkdirSync(join(workspace, 'models'), { recursive: true });
    cpSync(join(repoRoot, 'test', 'fixtures', 'models', modelName), join(workspace, 'models', modelName), { recursive: true });
    // Our own data folder: the engine process runs from the extension installed under it, which is how the test finds it.
    codeServer = await startCodeServer({
      workspace,
      installVsix: [builtVsix()],
      env: { MLFLOW_TRACKING_URI: '' },
      dataDir: join(scratch, 'code-server'),
      // One row a folder in the file explorer, so the model folder has its own row.
      settings: { 'explorer.compactFolders': false },
    });
    browser = await launchChromium();
    page = await openWorkbench(browser, codeServer);
    await page.locator('.activitybar').waitFor({ timeout: 60_000 });
    chat = activeWebview(page);
  });

  const modelServers: ModelServer[] = [];

  after(() => endSuite({ page, screenshot: 'e2e-chat-last', browser, servers: [codeServer, ...modelServers], scratch }));

  it('opens from "Phi-3: Open Chat…" on a model folder of the workspace and loads the model', async () => {
    await runCommand(page, 'Phi-3: Open Chat…');
    await page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ hasText: `models/${modelName}` })
      .first()
      .click({ timeout: 30_000 });
    await chat.locator('h1', { hasText: modelName }).waitFor({ timeout: 60_000 });
    // Loaded: the context bar counts the (empty) conversation against the model's 4096 tokens.
    await chat.locator('.context .label', { hasText: /^Context: \d+ of 4096 tokens$/ }).waitFor({ timeout: 120_000 });
    assert.equal(await chat.locator('#stop').isDisabled(), true);
    await saveScreenshot(page, 'e2e-chat-opened');
  });

  it('streams the answer as it is generated, and Stop halts it', async () => {
    await setMaxNewTokens(chat, 4000);
    // Sampling over the whole vocabulary (top-k 0) is the slow path of the test model, tens of
    // tokens a second instead of a thousand: time enough to watch the answer grow and stop it.
    await setField(chat, '#top-k', '0');
    await setField(chat, '#top-p', '0.95');
    await setField(chat, '#seed', '1');
    await chat.locator('#do-sample').check();
    await send(chat, 'Hello');
    const answer = chat.locator('.turn.assistant.pending .body');
    await answer.waitFor({ timeout: 60_000 });
    assert.equal(await chat.locator('#stop').isDisabled(), false);
    // The answer grows while it is generated: sample its length until it has grown three times.
    const lengths: number[] = [];
    for (let i = 0; i < 200 && new Set(lengths.filter((n) => n > 0)).size < 3; i++) {
      lengths.push(((await answer.textContent({ timeout: 5000 })) ?? '').length);
      await page.waitForTimeout(30);
    }
    const seen = [...new Set(lengths.filter((n) => n > 0))];
    assert.ok(seen.length >= 3, `the answer grew while streaming (lengths seen: ${seen.join(', ')})`);
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      seen,
      'it only grows',
    );
    await saveScreenshot(page, 'e2e-chat-streaming');
    await chat.locator('#stop').click();
    const figures = await lastFigures(chat);
    const tokens = Number(/^(\d+) tokens? · \d+ ms to first token/.exec(figures)?.[1]);
    assert.match(figures, / · stopped$/, figures);
    assert.ok(tokens > 0 && tokens < 4000, `stopped after ${tokens} of at most 4000 tokens`);
    await saveScreenshot(page, 'e2e-chat-stopped');
    // Back to greedy for the rest.
    await chat.locator('#do-sample').uncheck();
    await setField(chat, '#top-k', '50');
    await setField(chat, '#top-p', '0.9');
    await setField(chat, '#seed', '');
  });

  it('respects max new tokens: the figures count exactly that many', async () => {
    await chat.locator('#clear').click();
    await chat.locator('.turn').first().waitFor({ state: 'detached', timeout: 15_000 });
    await setMaxNewTokens(chat, 7);
    await send(chat, 'Hello');
    assert.match(await lastFigures(chat), /^7 tokens · \d+ ms to first token · [\d.]+ tokens\/s · max new tokens reached$/);
    await setMaxNewTokens(chat, 3);
    await send(chat, 'Tell me more');
    await chat.locator('.turn.assistant .figures').nth(1).waitFor({ timeout: 60_000 });
    assert.match(await lastFigures(chat), /^3 tokens · /);
    assert.equal(await chat.locator('.turn.user').count(), 2);
    await saveScreenshot(page, 'e2e-chat-max-new-tokens');
  });

  it('refuses a prompt that would not fit the context window, with a message, and keeps the draft', async () => {
    const systemPrompt = chat.locator('#system-prompt');
    await systemPrompt.fill('lorem ipsum '.repeat(3000));
    await systemPrompt.press('Tab');
    await send(chat, 'Does this fit?');
    const notice = chat.locator('.notice.error');
    await notice.waitFor({ timeout: 30_000 });
    assert.match((await notice.textContent()) ?? '', /^The prompt is \d+ tokens and the model's context window is 4096: it does not fit\./);
    assert.equal(await chat.locator('#message').inputValue(), 'Does this fit?');
    assert.equal(await chat.locator('.turn.user').count(), 2, 'nothing was added to the conversation');
    await saveScreenshot(page, 'e2e-chat-too-long');
    await systemPrompt.fill('');
    await systemPrompt.press('Tab');
    await chat.locator('#message').fill('');
  });

  it('finds the conversation again after a reload', async () => {
    const before = await chat.locator('.turn').allTextContents();
    assert.equal(before.length, 4);
    // As a user reloads VS Code: the workbench saves its state (and the extension's) before it goes.
    await runCommand(page, 'Developer: Reload Window');
    await page.waitForEvent('load', { timeout: 60_000 });
    try {
      await chat.locator('h1', { hasText: modelName }).waitFor({ timeout: 60_000 });
    } catch (error) {
      await saveScreenshot(page, 'e2e-chat-not-restored');
      throw error;
    }
    await chat.locator('.turn').nth(3).waitFor({ timeout: 60_000 });
    assert.deepEqual(await chat.locator('.turn').allTextContents(), before);
    assert.match(await lastFigures(chat), /^3 tokens · /);
    await saveScreenshot(page, 'e2e-chat-restored');
  });

  it('exports the conversation as Markdown and as JSON', async () => {
    for (const [button, extension] of [
      ['#export-markdown', '.md'],
      ['#export-json', '.json'],
    ] as const) {
      await chat.locator(button).click();
      // code-server's save dialog is a quick input holding the proposed path in the workspace.
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: 15_000 });
      // The dialog fills in the folder first, then the proposed name.
      const proposed = new RegExp(`^${workspace}/chat-[\\d-]+\\${extension}$`);
      await dialogValue(page, proposed);
      await page.keyboard.press('Enter');
      // The notice names the file written (the previous export's notice may still show).
      await chat
        .locator('.notice.info', { hasText: new RegExp(`^Exported to ${workspace}/chat-[\\d-]+\\${extension}\\.$`) })
        .waitFor({ timeout: 30_000 });
    }
    const exported = readdirSync(workspace).filter((name) => name.startsWith('chat-'));
    const markdown = readFileSync(
      join(
        workspace,
        exported.find((name) => name.endsWith('.md'))!,
      ),
      'utf8',
    );
    const json = JSON.parse(
      readFileSync(
        join(
          workspace,
          exported.find((name) => name.endsWith('.json'))!,
        ),
        'utf8',
      ),
    ) as { model: unknown; messages: Array<{ role: string; content: string; figures?: { newTokens: number } }> };
    assert.match(
      markdown,
      new RegExp(
        `^# Chat with a Phi-3 model\\n\\n- Model: local ONNX folder \`${workspace}/models/${modelName}\`\\n- Settings: max new tokens 3, greedy,`,
      ),
    );
    assert.match(
      markdown,
      /\n## User\n\nHello\n\n## Assistant\n\n[^]*\n_7 tokens · \d+ ms to first token · [\d.]+ tokens\/s · max new tokens reached_\n\n## User\n\nTell me more\n/,
    );
    assert.deepEqual(json.model, { kind: 'local', location: `${workspace}/models/${modelName}` });
    assert.deepEqual(
      json.messages.map((m) => [m.role, m.role === 'user' ? m.content : m.figures?.newTokens]),
      [
        ['user', 'Hello'],
        ['assistant', 7],
        ['user', 'Tell me more'],
        ['assistant', 3],
      ],
    );
    assert.ok(existsSync(join(workspace, 'models', modelName, 'genai_config.json')));
    await saveScreenshot(page, 'e2e-chat-exported');
  });
  it('shows an invalid setting and a killed engine in the panel, keeps the conversation, and answers again', async () => {
    const settings = chat.locator('details.settings');
    if ((await settings.getAttribute('open')) === null) await settings.locator('summary').click();
    await chat.locator('#do-sample').check();
    await chat.locator('#top-p').fill('0');
    await chat.locator('#top-p').press('Tab');
    await chat
      .locator('.notice.error', { hasText: 'Invalid generation setting: top-p must be above 0 and at most 1 (got 0).' })
      .waitFor({ timeout: 15_000 });
    await chat.locator('#top-p').fill('0.9');
    await chat.locator('#top-p').press('Tab');
    await chat.locator('#do-sample').uncheck();
    await chat.locator('.notice.error').waitFor({ state: 'hidden', timeout: 15_000 });

    await setMaxNewTokens(chat, 4000);
    await send(chat, 'Hello again');
    await chat.locator('.turn.assistant.pending').waitFor({ timeout: 60_000 });
    // The engine's own process, started from the extension this code-server installed: kill it as the system would.
    const engines = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(join(scratch, 'code-server', 'extensions')) && line.includes('engineProcess.js'))
      .map((line) => Number(line.trim().split(/\s+/)[0]));
    assert.equal(engines.length, 1, `one engine process (found ${engines.length})`);
    process.kill(engines[0]!, 'SIGKILL');
    const error = chat.locator('.turn.assistant').last().locator('.error');
    await error.waitFor({ timeout: 30_000 });
    assert.match(
      (await error.textContent()) ?? '',
      /^The local engine process was killed \(SIGKILL\), most likely by the system for running out of memory.*; the model was unloaded\. Load it again to continue\.$/,
    );
    assert.equal(await chat.locator('.turn.user').count(), 3, 'the conversation is kept');
    await saveScreenshot(page, 'e2e-chat-engine-killed');
    // Sending again loads the model in a new engine process.
    await setMaxNewTokens(chat, 2);
    await send(chat, 'Still there?');
    await chat.locator('.turn.assistant .figures').nth(2).waitFor({ timeout: 120_000 });
    assert.match(await lastFigures(chat), /^2 tokens · /);
  });

  it('raw-prompt mode sends exactly what was typed, special tokens highlighted, and shows the exact prompt', async () => {
    const firstAnswer = ((await chat.locator('.turn.assistant .body').first().textContent()) ?? '').trim();
    await chat.locator('#raw-mode').check();
    const raw = '<|user|>\nHello<|end|>\n<|assistant|>\n';
    await chat.locator('#message').fill(raw);
    await chat.locator('#message').press('Enter');
    await chat.locator('.turn.assistant .figures').nth(3).waitFor({ timeout: 60_000 });
    const turn = chat.locator('.turn.user').last();
    assert.match((await turn.locator('.role').textContent()) ?? '', /^You \(raw prompt\)/);
    assert.deepEqual(await turn.locator('.marker').allTextContents(), ['<|user|>', '<|end|>', '<|assistant|>']);
    assert.match(await lastFigures(chat), /^2 tokens · /);
    // The same tokens as the chat message "Hello" (greedy): the first answer starts with this one.
    const rawAnswer = ((await chat.locator('.turn.assistant .body').last().textContent()) ?? '').trim();
    assert.ok(
      rawAnswer.length > 0 && firstAnswer.startsWith(rawAnswer),
      `${JSON.stringify(rawAnswer)} begins ${JSON.stringify(firstAnswer)}`,
    );
    await chat.locator('#exact-prompt summary').click();
    assert.equal(await chat.locator('#exact-prompt-text').textContent(), raw);
    await saveScreenshot(page, 'e2e-chat-raw-prompt');
    await chat.locator('#raw-mode').uncheck();
  });

  it('chats with models served by mlflow models serve, in both signatures, and says why when nothing answers', async () => {
    const models = saveScoringModels(join(scratch, 'served-models'));
    const [chatServer, promptServer] = await Promise.all([startModelServer('', models.chatEcho), startModelServer('', models.promptEcho)]);
    modelServers.push(chatServer, promptServer);
    const port = await freePort();
    const cases = [
      {
        url: chatServer.url,
        signature: 'llm/v1/chat',
        answer: /^1 messages; last from user: Hi; settings max_tokens=256$/,
        figures: /^8 tokens · \d+ ms to first token · [\d.]+ tokens\/s$/,
      },
      {
        url: promptServer.url,
        signature: '{prompt} → string',
        answer: /^echo: <\|user\|>\s*Hi<\|end\|>\s*<\|assistant\|>$/,
        figures: /^\d+ ms to first token$/,
      },
      {
        url: `http://127.0.0.1:${port}`,
        signature: 'llm/v1/chat',
        problem: `Nothing answers at http://127.0.0.1:${port} (the connection was refused): is \`mlflow models serve\` running there?`,
      },
    ];
    for (const served of cases) {
      await page.keyboard.press('Escape');
      await runCommand(page, 'View: Close All Editors');
      await runCommand(page, 'Phi-3: Chat with a Served Model…');
      // First the kind of endpoint (the clouds' are in chatCloudEndpoints.test.ts), then its URL.
      await page
        .locator('.quick-input-list .monaco-list-row')
        .filter({ hasText: 'MLflow Served Model URL…' })
        .first()
        .click({ timeout: 15_000 });
      const input = page.locator('.quick-input-widget input');
      // The URL's input box has replaced the kind's quick pick once it holds its default address.
      await page.waitForFunction(
        () =>
          (document.querySelector('.quick-input-widget .quick-input-box input') as HTMLInputElement | null)?.value ===
          'http://127.0.0.1:5001',
        undefined,
        { timeout: 15_000 },
      );
      await input.fill(served.url);
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: served.signature }).first().click({ timeout: 15_000 });
      await chat.locator('h1', { hasText: served.url.replace('http://', '') }).waitFor({ timeout: 60_000 });
      if (served.problem) {
        await chat.locator('.problem', { hasText: served.problem }).waitFor({ timeout: 30_000 });
        assert.equal(await chat.locator('button', { hasText: 'Load Again' }).isVisible(), true);
        await saveScreenshot(page, 'e2e-chat-served-down');
        continue;
      }
      await chat.locator('.detail', { hasText: /^Served by MLflow: / }).waitFor({ timeout: 30_000 });
      await send(chat, 'Hi');
      const figures = await lastFigures(chat);
      assert.match(((await chat.locator('.turn.assistant .body').last().textContent()) ?? '').trim(), served.answer!);
      assert.match(figures, served.figures!);
      await saveScreenshot(page, `e2e-chat-served-${served.signature === 'llm/v1/chat' ? 'chat' : 'prompt'}`);
    }
  });

  it('"Test in Chat" on a model folder in the file explorer opens a chat on it', async () => {
    await page.keyboard.press('Escape');
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'View: Show Explorer');
    const tree = page.locator('.explorer-folders-view');
    const row = (name: string) =>
      tree
        .locator('.monaco-list-row')
        .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${name}$`) }) })
        .first();
    const models = row('models');
    await models.waitFor({ timeout: 30_000 });
    if ((await models.getAttribute('aria-expanded')) !== 'true') await models.click();
    const folder = row(modelName);
    await folder.click({ button: 'right', timeout: 30_000 });
    await chooseMenuItem(page, 'Test in Chat');
    await chat.locator('h1', { hasText: modelName }).waitFor({ timeout: 60_000 });
    await chat.locator('.context .label', { hasText: /^Context: \d+ of 4096 tokens$/ }).waitFor({ timeout: 120_000 });
    // Not on other folders.
    await page.keyboard.press('Escape');
    await models.click({ button: 'right' });
    await page.locator('.monaco-menu .action-item').first().waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('.monaco-menu .action-item', { hasText: 'Test in Chat' }).count(), 0);
    await page.keyboard.press('Escape');
    await saveScreenshot(page, 'e2e-chat-test-in-chat');
  });
});

/** A file or folder chosen in code-server's own open dialog (a quick input holding a path). */
/** Waits for the quick input (a save dialog) to hold a value matching `pattern`: it fills in the folder first, then the proposed name. */
async function dialogValue(page: Page, pattern: RegExp): Promise<void> {
  await page.waitForFunction(
    ({ source, flags }) =>
      new RegExp(source, flags).test(
        (document.querySelector('.quick-input-widget .quick-input-box input') as HTMLInputElement | null)?.value ?? '',
      ),
    { source: pattern.source, flags: pattern.flags },
    { timeout: 15_000 },
  );
}

/** Greedy answers of `maxNewTokens` tokens, whatever an earlier test left in the form. */
async function setGreedy(chat: FrameLocator, maxNewTokens: number): Promise<void> {
  await setMaxNewTokens(chat, maxNewTokens);
  await chat.locator('#do-sample').uncheck();
  await setField(chat, '#top-k', '50');
}

/** A row of the quick pick, by its label (icons left out). */
async function pickRow(page: Page, label: string | RegExp): Promise<void> {
  await page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: label }) })
    .first()
    .click({ timeout: 30_000 });
}

interface RestRun {
  info: { run_id: string; status: string; experiment_id: string };
  data: {
    params?: Array<{ key: string; value: string }>;
    metrics?: Array<{ key: string; value: number; step: number }>;
    tags?: Array<{ key: string; value: string }>;
  };
}

async function restRun(
  mlflow: MlflowServer,
  runId: string,
): Promise<{
  status: string;
  experimentId: string;
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
}> {
  const answer = (await (await fetch(`${mlflow.url}/api/2.0/mlflow/runs/get?run_id=${runId}`)).json()) as { run: RestRun };
  const pairs = <T>(list: Array<{ key: string; value: T }> | undefined) => Object.fromEntries((list ?? []).map((p) => [p.key, p.value]));
  return {
    status: answer.run.info.status,
    experimentId: answer.run.info.experiment_id,
    params: pairs(answer.run.data.params),
    metrics: pairs(answer.run.data.metrics),
    tags: pairs(answer.run.data.tags),
  };
}

/** The run id a "Logged the … to MLflow" notice names. */
async function loggedRunId(chat: FrameLocator, what: string): Promise<string> {
  const notice = chat.locator('.notice.info', { hasText: `Logged the ${what} to MLflow: run "` });
  await notice.waitFor({ timeout: 60_000 });
  const runId = /\((\w{32})\) in experiment "chat-e2e"\.$/.exec((await notice.textContent()) ?? '')?.[1];
  assert.ok(runId, `a run id in: ${await notice.textContent()}`);
  return runId;
}

describe('the chat panel logs to MLflow, runs a JSONL file in bulk and compares two models', () => {
  let scratch: string;
  let workspace: string;
  let mlflow: MlflowServer;
  let browser: Browser;
  let codeServer: CodeServer;
  let page: Page;
  let chat: FrameLocator;
  const secondModel = 'phi3-tiny-genai-fp32';
  const registeredName = 'phi3-e2e';

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-e2e-chat-mlflow-'));
    workspace = join(scratch, 'ws');
    mkdirSync(join(workspace, 'models'), { recursive: true });
    for (const name of [modelName, secondModel])
      cpSync(join(repoRoot, 'test', 'fixtures', 'models', name), join(workspace, 'models', name), { recursive: true });
    writeFileSync(
      join(workspace, 'prompts.jsonl'),
      [
        '{"prompt": "Hello"}',
        '{"messages": [{"role": "user", "content": "What is MLflow?"}]}',
        '{"prompt": oops}',
        '{"prompt": "Tell me a story"}',
        '',
      ].join('\n'),
    );
    writeFileSync(join(workspace, 'scored.jsonl'), '{"prompt": "Hello", "expected": "Hi"}\n{"prompt": "What is MLflow?"}\n');
    mlflow = await startMlflowServer();
    // A registered model with two versions, each a run's ONNX folder: version 1 (int4, @champion) and version 2 (fp32).
    const client = new MlflowClient({ uri: parseTrackingUri(mlflow.url), auth: { kind: 'none' } });
    const experimentId = await client.experiments.create('phi3-registry');
    await client.registry.createModel(registeredName);
    for (const [index, name] of [modelName, secondModel].entries()) {
      const run = await client.runs.create(experimentId, { runName: `onnx-${name}` });
      await client.artifacts.upload(
        { artifactUri: run.info.artifactUri, runId: run.info.runId },
        join(repoRoot, 'test', 'fixtures', 'models', name),
        '',
      );
      await client.registry.createVersion({ name: registeredName, source: `runs:/${run.info.runId}/${name}`, runId: run.info.runId });
      if (index === 0) await client.registry.setAlias(registeredName, 'champion', '1');
    }
    codeServer = await startCodeServer({
      workspace,
      installVsix: [builtVsix()],
      // The extension connects to MLFLOW_TRACKING_URI on start, as MLflow's own clients do.
      env: { MLFLOW_TRACKING_URI: mlflow.url },
      dataDir: join(scratch, 'code-server'),
      settings: { 'explorer.compactFolders': false },
    });
    browser = await launchChromium();
    page = await openWorkbench(browser, codeServer);
    await page.locator('.activitybar').waitFor({ timeout: 60_000 });
    chat = activeWebview(page);
  });

  after(() => endSuite({ page, screenshot: 'e2e-chat-mlflow-last', browser, servers: [codeServer, mlflow], scratch }));

  it('"Log to MLflow" makes the conversation a run in a new experiment: settings, figures per answer, transcript, model tags', async () => {
    await runCommand(page, 'Phi-3: Open Chat…');
    await page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ hasText: `models/${modelName}` })
      .first()
      .click({ timeout: 30_000 });
    await chat.locator('.context .label', { hasText: /^Context: \d+ of 4096 tokens$/ }).waitFor({ timeout: 120_000 });
    await setMaxNewTokens(chat, 5);
    await send(chat, 'Hello');
    assert.match(await lastFigures(chat), /^5 tokens · /);
    await send(chat, 'And then?');
    await chat.locator('.turn.assistant .figures').nth(1).waitFor({ timeout: 60_000 });

    await chat.locator('#log-mlflow').click();
    await pickRow(page, 'New Experiment…');
    const input = page.locator('.quick-input-widget input');
    await input.fill('chat-e2e');
    await input.press('Enter');
    const runId = await loggedRunId(chat, 'conversation');
    await saveScreenshot(page, 'e2e-chat-logged');
    const run = await restRun(mlflow, runId);
    assert.equal(run.status, 'FINISHED');
    assert.deepEqual(run.params, {
      max_new_tokens: '5',
      do_sample: 'false',
      temperature: '0.7',
      top_p: '0.9',
      top_k: '50',
      repetition_penalty: '1',
      seed: 'random',
      stop_sequences: '[]',
    });
    assert.equal(run.tags['phi3.model.kind'], 'local');
    assert.equal(run.tags['phi3.model.folder'], join(workspace, 'models', modelName));
    assert.equal(run.metrics.answers, 2);
    assert.equal(run.metrics.total_new_tokens, 10);
    assert.equal(run.metrics.new_tokens, 5);
    const history = (await (
      await fetch(`${mlflow.url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=new_tokens`)
    ).json()) as { metrics: Array<{ step: number; value: number }> };
    assert.deepEqual(
      history.metrics.map((m) => [m.step, m.value]),
      [
        [0, 5],
        [1, 5],
      ],
    );
    const markdown = await (await fetch(`${mlflow.url}/get-artifact?run_id=${runId}&path=chat/conversation.md`)).text();
    assert.match(
      markdown,
      new RegExp(
        `^# Chat with a Phi-3 model\\n\\n- Model: local ONNX folder \`${workspace}/models/${modelName}\`\\n- Settings: max new tokens 5, greedy,[^]*\\n## User\\n\\nHello\\n\\n## Assistant\\n\\n[^]*\\n_5 tokens · \\d+ ms to first token · [\\d.]+ tokens/s · max new tokens reached_\\n\\n## User\\n\\nAnd then\\?\\n`,
      ),
    );
    const json = JSON.parse(await (await fetch(`${mlflow.url}/get-artifact?run_id=${runId}&path=chat/conversation.json`)).text()) as {
      messages: Array<{ role: string; content: string }>;
    };
    assert.deepEqual(
      json.messages.map((m) => m.role),
      ['user', 'assistant', 'user', 'assistant'],
    );
    assert.equal(await chat.locator('.turn').count(), 4, 'the conversation is kept');

    // "Reveal in MLflow Explorer" selects the run in the Experiments tree.
    const notification = page.locator('.notification-toast', { hasText: 'Logged run "chat ' });
    await notification.locator('.monaco-button', { hasText: 'Reveal in MLflow Explorer' }).click({ timeout: 30_000 });
    const runRow = page.locator('.monaco-list-row.selected', { hasText: /^chat phi3-tiny-genai-int4 / });
    try {
      await runRow.waitFor({ timeout: 30_000 });
    } catch (error) {
      await saveScreenshot(page, 'e2e-chat-logged-not-revealed');
      throw error;
    }
    await saveScreenshot(page, 'e2e-chat-logged-revealed');
  });

  it('a bulk run of a JSONL file shows a row a prompt, reports the bad line by number, and logs a table MLflow can show', async () => {
    await chat.locator('#bulk-run').click();
    await chooseInFileDialog(page, {
      title: 'Bulk run: a JSONL file of prompts',
      startFolder: workspace,
      path: join(workspace, 'prompts.jsonl'),
      okLabel: 'Run the Prompts',
    });
    await chat.locator('.bulk-summary', { hasText: /: 3 of 3 prompts answered \(done\)$/ }).waitFor({ timeout: 120_000 });
    assert.equal(await chat.locator('.bulk-row').count(), 3);
    assert.deepEqual(await chat.locator('.bulk-row td.prompt').allTextContents(), ['Hello', 'What is MLflow?', 'Tell me a story']);
    assert.deepEqual(await chat.locator('.bulk-row td.num:nth-child(1)').allTextContents(), ['1', '2', '4']);
    assert.deepEqual(await chat.locator('.bulk-row td:nth-child(4)').allTextContents(), ['5', '5', '5'], 'tokens');
    assert.match((await chat.locator('.bulk-problems').textContent()) ?? '', /^Left out one line: Line 3: not valid JSON \(/);
    await saveScreenshot(page, 'e2e-chat-bulk-table');

    await chat.locator('#bulk-log').click();
    await pickRow(page, 'chat-e2e');
    const runId = await loggedRunId(chat, 'bulk run');
    const run = await restRun(mlflow, runId);
    assert.equal(run.tags['mlflow.loggedArtifacts'], '[{"path": "bulk_results.json", "type": "table"}]');
    assert.equal(run.params.prompts, '3');
    assert.equal(run.metrics.prompts, 3);
    assert.equal(run.metrics.total_new_tokens, 15);
    const table = JSON.parse(await (await fetch(`${mlflow.url}/get-artifact?run_id=${runId}&path=bulk_results.json`)).text()) as {
      columns: string[];
      data: unknown[][];
    };
    assert.deepEqual(table.columns, ['line', 'prompt', 'answer', 'new_tokens', 'latency_ms', 'tokens_per_second', 'error']);
    assert.deepEqual(
      table.data.map((row) => [row[0], row[1], row[3]]),
      [
        [1, 'Hello', 5],
        [2, 'What is MLflow?', 5],
        [4, 'Tell me a story', 5],
      ],
    );

    // Export JSONL: one object a prompt, the table's columns and the messages sent.
    await chat.locator('#bulk-export').click();
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 15_000 });
    const proposed = new RegExp(`^${workspace}/bulk-results-[\\d-]+\\.jsonl$`);
    await dialogValue(page, proposed);
    await page.keyboard.press('Enter');
    await chat.locator('.notice.info', { hasText: /^Exported to .*bulk-results-[\d-]+\.jsonl\.$/ }).waitFor({ timeout: 30_000 });
    const exported = readdirSync(workspace).find((name) => name.startsWith('bulk-results-'))!;
    const lines = readFileSync(join(workspace, exported), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { line: number; prompt: string; new_tokens: number; messages: unknown[] });
    assert.deepEqual(
      lines.map((l) => [l.line, l.prompt, l.new_tokens, l.messages.length]),
      [
        [1, 'Hello', 5, 1],
        [2, 'What is MLflow?', 5, 1],
        [4, 'Tell me a story', 5, 1],
      ],
    );

    // Stop: long answers sampled over the whole vocabulary (the test model's slow path), stopped during the first.
    await setMaxNewTokens(chat, 4000);
    await setField(chat, '#top-k', '0');
    await chat.locator('#do-sample').check();
    await chat.locator('#bulk-run').click();
    await chooseInFileDialog(page, {
      title: 'Bulk run: a JSONL file of prompts',
      startFolder: workspace,
      path: join(workspace, 'prompts.jsonl'),
      okLabel: 'Run the Prompts',
    });
    await chat.locator('.bulk-summary', { hasText: /: 0 of 3 prompts answered \(running…\)$/ }).waitFor({ timeout: 30_000 });
    assert.equal(await chat.locator('#stop').isDisabled(), false);
    await chat.locator('#stop').click();
    await chat.locator('.bulk-summary', { hasText: /: 1 of 3 prompts answered \(stopped\)$/ }).waitFor({ timeout: 30_000 });
    assert.match((await chat.locator('.bulk-row td.answer').first().getAttribute('title')) ?? '', / · stopped$/);
    await saveScreenshot(page, 'e2e-chat-bulk-stopped');
    await setGreedy(chat, 5);
    await chat.locator('#bulk-close').click();
    await chat.locator('.bulk').waitFor({ state: 'hidden', timeout: 15_000 });
  });

  it('scores a bulk run: per-row scores and pass rates in the panel, assessments on its traces and pass rates on the logged run', async () => {
    await chat.locator('#bulk-run').click();
    await chooseInFileDialog(page, {
      title: 'Bulk run: a JSONL file of prompts',
      startFolder: workspace,
      path: join(workspace, 'scored.jsonl'),
      okLabel: 'Run the Prompts',
    });
    await chat.locator('.bulk-summary', { hasText: /: 2 of 2 prompts answered \(done\)$/ }).waitFor({ timeout: 120_000 });
    await chat.locator('#scoring > summary').click();
    await chat.locator('#score-exact_match').check();
    await chat.locator('#score-answer_length').check();
    await chat.locator('#score-length-max').fill('100000');
    await chat.locator('#score-tokens_per_second').check();
    await chat.locator('#score-tps-min').fill('0');
    // The judge: another model from the chat's picker. A random-weight model's reply says neither PASS nor FAIL.
    await chat.locator('#score-judge').check();
    await chat.locator('#bulk-score').click();
    await chat
      .locator('.notice.error', { hasText: 'Cannot score: Pick the judge model first (Pick Judge…).' })
      .waitFor({ timeout: 15_000 });
    await chat.locator('#pick-judge').click();
    await page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ hasText: `models/${secondModel}` })
      .first()
      .click({ timeout: 30_000 });
    await chat.locator('.judge-name', { hasText: secondModel }).waitFor({ timeout: 15_000 });
    await chat.locator('#bulk-score').click();
    const lines = chat.locator('.score-summary .score-line');
    await lines.nth(3).waitFor({ timeout: 120_000 });
    await chat.locator('#bulk-score', { hasText: /^Score$/ }).waitFor({ timeout: 120_000 });
    assert.deepEqual(await lines.allTextContents(), [
      'exact_match0 of 1 passed (0%), 1 skipped',
      'answer_length2 of 2 passed (100%)',
      'tokens_per_second2 of 2 passed (100%)',
      'judgenone scored (2 malformed)',
    ]);
    assert.deepEqual(await chat.locator('.bulk-row td.scores').allTextContents(), [
      'exact_match ✗answer_length ✓tokens_per_second ✓judge ?',
      'exact_match –answer_length ✓tokens_per_second ✓judge ?',
    ]);
    assert.equal(await chat.locator('.bulk-row td.scores .score.skipped').getAttribute('title'), 'The line has no "expected" answer.');
    assert.match(
      (await chat.locator('.bulk-row td.scores .score.error').first().getAttribute('title')) ?? '',
      /^The judge's answer says neither PASS nor FAIL: "/,
    );
    await saveScreenshot(page, 'e2e-chat-bulk-scored');

    await chat.locator('#bulk-log').click();
    await pickRow(page, 'chat-e2e');
    const notice = chat.locator('.notice.info', { hasText: 'Its 2 traces carry 8 assessments.' });
    await notice.waitFor({ timeout: 60_000 });
    const runId = /\((\w{32})\) in experiment "chat-e2e"\./.exec((await notice.textContent()) ?? '')![1]!;
    const run = await restRun(mlflow, runId);
    assert.equal(run.tags['mlflow.runType'], 'genai_evaluate');
    assert.equal(run.params.judge_model, secondModel);
    assert.equal(run.metrics['judge/mean'], undefined, 'no verdict, no pass rate');
    assert.deepEqual(
      [run.metrics['exact_match/mean'], run.metrics['answer_length/mean'], run.metrics['tokens_per_second/mean']],
      [0, 1, 1],
    );
    const traces = (await (
      await fetch(`${mlflow.url}/api/3.0/mlflow/traces/search`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: run.experimentId } }],
          filter: `attributes.run_id = '${runId}'`,
        }),
      })
    ).json()) as { traces?: unknown[] };
    assert.equal(traces.traces?.length, 2);
    await chat.locator('#bulk-close').click();
    await chat.locator('.bulk').waitFor({ state: 'hidden', timeout: 15_000 });
  });

  it('compares two models side by side: the same prompt, each column its own answer and figures', async () => {
    await setGreedy(chat, 5);
    await chat.locator('#clear').click();
    await chat.locator('.turn').first().waitFor({ state: 'detached', timeout: 15_000 });
    await chat.locator('#compare').click();
    // The chat model picker lists the workspace's model folders first.
    await page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ hasText: `models/${secondModel}` })
      .first()
      .click({ timeout: 30_000 });
    const columns = chat.locator('.conversation.compare .column');
    await columns.nth(1).locator('.column-title', { hasText: secondModel }).waitFor({ timeout: 60_000 });
    assert.equal(await columns.nth(0).locator('.column-title').textContent(), modelName);
    await columns
      .nth(1)
      .locator('.detail', { hasText: /^Local ONNX model: .*phi3-tiny-genai-fp32$/ })
      .waitFor({ timeout: 120_000 });
    await send(chat, 'Hello');
    for (const index of [0, 1]) {
      const figures = columns.nth(index).locator('.turn.assistant .figures');
      await figures.waitFor({ timeout: 120_000 });
      assert.match((await figures.textContent()) ?? '', /^5 tokens · \d+ ms to first token · [\d.]+ tokens\/s · max new tokens reached$/);
      assert.ok(((await columns.nth(index).locator('.turn.assistant .body').textContent()) ?? '').trim().length > 0);
      assert.equal(await columns.nth(index).locator('.turn.user .body').textContent(), 'Hello');
    }
    await saveScreenshot(page, 'e2e-chat-compare');

    // A bulk run while comparing asks both models: a column group per model.
    await chat.locator('#bulk-run').click();
    await chooseInFileDialog(page, {
      title: 'Bulk run: a JSONL file of prompts',
      startFolder: workspace,
      path: join(workspace, 'prompts.jsonl'),
      okLabel: 'Run the Prompts',
    });
    await chat.locator('.bulk-summary', { hasText: /: 3 of 3 prompts answered \(done\)$/ }).waitFor({ timeout: 120_000 });
    assert.deepEqual(await chat.locator('.bulk-table th.model').allTextContents(), [modelName, secondModel]);
    assert.deepEqual(await chat.locator('.bulk-row td:nth-child(4)').allTextContents(), ['5', '5', '5']);
    assert.deepEqual(await chat.locator('.bulk-row td:nth-child(7)').allTextContents(), ['5', '5', '5']);
    await saveScreenshot(page, 'e2e-chat-compare-bulk');
    // Scored, the two models' pass rates side by side (the form is as the last scoring left it, open).
    await chat.locator('#scoring[open]').waitFor({ timeout: 15_000 });
    for (const id of ['#score-exact_match', '#score-tokens_per_second', '#score-judge']) await chat.locator(id).uncheck();
    await chat.locator('#score-length-max').fill('100000');
    await chat.locator('#bulk-score').click();
    await chat.locator('.score-summary .score-line').first().waitFor({ timeout: 60_000 });
    assert.deepEqual(await chat.locator('.score-summary thead th').allTextContents(), ['Scorer', modelName, secondModel]);
    assert.deepEqual(await chat.locator('.score-summary .score-line').allTextContents(), [
      'answer_length3 of 3 passed (100%)3 of 3 passed (100%)',
    ]);
    assert.equal(await chat.locator('.bulk-row').first().locator('td.scores').count(), 2);
    await saveScreenshot(page, 'e2e-chat-compare-bulk-scored');
    await chat.locator('#bulk-close').click();
  });

  it('compares two versions of a registered model: version 2 against @champion, each downloaded and answering in its column', async () => {
    await page.keyboard.press('Escape');
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'Phi-3: Open Chat…');
    await pickRow(page, 'Registered Model Version…');
    await pickRow(page, registeredName);
    await pickRow(page, 'Version 2');
    const columnsOrChat = chat.locator('h1', { hasText: `${registeredName} v2` });
    await columnsOrChat.waitFor({ timeout: 120_000 });
    await chat.locator('.context .label', { hasText: /^Context: \d+ of 4096 tokens$/ }).waitFor({ timeout: 120_000 });
    await chat.locator('#compare').click();
    await pickRow(page, 'Registered Model Alias…');
    await pickRow(page, registeredName);
    await pickRow(page, '@champion');
    const columns = chat.locator('.conversation.compare .column');
    await columns
      .nth(1)
      .locator('.column-title', { hasText: `${registeredName} v1` })
      .waitFor({ timeout: 120_000 });
    await columns
      .nth(1)
      .locator('.detail', { hasText: /^MLflow model models:\/phi3-e2e\/1 from http:\/\/127\.0\.0\.1:\d+, downloaded to / })
      .waitFor({ timeout: 120_000 });
    assert.match(
      (await columns.nth(0).locator('.detail').textContent()) ?? '',
      /^MLflow model models:\/phi3-e2e\/2 from http:\/\/127\.0\.0\.1:\d+, downloaded to /,
    );
    await setMaxNewTokens(chat, 4);
    await send(chat, 'Hello');
    for (const index of [0, 1]) {
      const figures = columns.nth(index).locator('.turn.assistant .figures');
      await figures.waitFor({ timeout: 120_000 });
      assert.match((await figures.textContent()) ?? '', /^4 tokens · \d+ ms to first token · [\d.]+ tokens\/s · max new tokens reached$/);
    }
    await saveScreenshot(page, 'e2e-chat-compare-registry');
    // Logged, one run holds both sides, each model named by the URI it was opened from.
    await chat.locator('#log-mlflow').click();
    await pickRow(page, 'chat-e2e');
    const runId = await loggedRunId(chat, 'comparison');
    const run = await restRun(mlflow, runId);
    assert.equal(run.tags['phi3.model.uri_a'], `models:/${registeredName}/2`);
    assert.equal(run.tags['phi3.model.uri_b'], `models:/${registeredName}@champion`);
    assert.equal(run.tags['phi3.chat.kind'], 'comparison');
    assert.equal(run.metrics.new_tokens_a, 4);
    assert.equal(run.metrics.new_tokens_b, 4);
    const markdown = await (await fetch(`${mlflow.url}/get-artifact?run_id=${runId}&path=chat/conversation_b.md`)).text();
    assert.match(markdown, /\n## User\n\nHello\n\n## Assistant\n\n[^]*\n_4 tokens · /);
  });
});
