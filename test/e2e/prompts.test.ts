/**
 * The prompt registry as a user drives it in Chromium, on the installed VSIX: a prompt made by
 * `mlflow.genai.register_prompt` in the Prompts view; Use in Chat from its context menu, the
 * variable typed into its input box, the chat's system prompt filled; "Log to MLflow" records the
 * version on the run; the panel's "Register Prompt…" saves an edited system prompt as a new
 * version that `mlflow.genai.load_prompt` reads. Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { launchChromium, openWorkbench, saveScreenshot } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { runMlflowPython } from '../harness/mlflowPython';
import { type MlflowServer, startMlflowServer } from '../harness/mlflowServer';
import { repoRoot } from '../harness/paths';
import { contextMenu, expand, openMlflowContainer, row } from './explorerPage';
import { activeWebview, builtVsix, endSuite, runCommand } from './workbenchPage';

const modelName = 'phi3-tiny-genai-int4';

const registerInPython = `
import json, mlflow
mlflow.genai.register_prompt('e2e-support', 'You support {{ product }} users. Be brief.', commit_message='first draft')
print(json.dumps('ok'))
`;

const loadInPython = `
import json, sys, mlflow
p = mlflow.genai.load_prompt(json.loads(sys.argv[1])['uri'], cache_ttl_seconds=0)
print(json.dumps({'template': p.template, 'commit': p.commit_message}))
`;

async function pickRow(page: Page, label: string | RegExp): Promise<void> {
  await page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: label }) })
    .first()
    .click({ timeout: 30_000 });
}

async function answerInputBox(page: Page, text: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 30_000 });
  await input.fill(text);
  await input.press('Enter');
}

async function runTags(mlflow: MlflowServer, runId: string): Promise<Record<string, string>> {
  const answer = (await (await fetch(`${mlflow.url}/api/2.0/mlflow/runs/get?run_id=${runId}`)).json()) as {
    run: { data: { tags?: Array<{ key: string; value: string }> } };
  };
  return Object.fromEntries((answer.run.data.tags ?? []).map((tag) => [tag.key, tag.value]));
}

describe('the prompt registry in the browser', () => {
  let scratch: string;
  let mlflow: MlflowServer;
  let browser: Browser;
  let codeServer: CodeServer;
  let page: Page;
  let chat: FrameLocator;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-e2e-prompts-'));
    const workspace = join(scratch, 'ws');
    mkdirSync(join(workspace, 'models'), { recursive: true });
    cpSync(join(repoRoot, 'test', 'fixtures', 'models', modelName), join(workspace, 'models', modelName), { recursive: true });
    mlflow = await startMlflowServer();
    await runMlflowPython(registerInPython, {}, { trackingUri: mlflow.url });
    codeServer = await startCodeServer({
      workspace,
      installVsix: [builtVsix()],
      env: { MLFLOW_TRACKING_URI: mlflow.url },
      dataDir: join(scratch, 'code-server'),
      settings: { 'explorer.compactFolders': false },
    });
    browser = await launchChromium();
    page = await openWorkbench(browser, codeServer);
    await page.locator('.activitybar').waitFor({ timeout: 60_000 });
    chat = activeWebview(page);
  });

  after(() => endSuite({ page, screenshot: 'e2e-prompts-last', browser, servers: [codeServer, mlflow], scratch }));

  it('Use in Chat on a version in the Prompts view asks for its variable and fills the system prompt; the logged run links the version', async () => {
    await runCommand(page, 'Phi-3: Open Chat…');
    await pickRow(page, `models/${modelName}`);
    await chat.locator('.context .label', { hasText: /^Context: \d+ of 4096 tokens$/ }).waitFor({ timeout: 120_000 });

    await openMlflowContainer(page);
    await expand(page, 'e2e-support', 'Prompts');
    await row(page, 'Version 1', 'Prompts').waitFor({ timeout: 30_000 });
    await saveScreenshot(page, 'e2e-prompts-view');
    await contextMenu(page, 'Version 1', 'Use in Chat', 'Prompts');
    await answerInputBox(page, 'MLflow');
    await chat.locator('#prompt-uri', { hasText: 'Prompt: prompts:/e2e-support/1' }).waitFor({ timeout: 30_000 });
    assert.equal(await chat.locator('#system-prompt').inputValue(), 'You support MLflow users. Be brief.');
    await saveScreenshot(page, 'e2e-prompts-used-in-chat');

    const message = chat.locator('#message');
    await message.fill('Hello');
    await message.press('Enter');
    await chat.locator('.turn.assistant .figures').first().waitFor({ timeout: 120_000 });
    await chat.locator('#log-mlflow').click();
    await pickRow(page, 'New Experiment…');
    await answerInputBox(page, 'prompts-e2e');
    const notice = chat.locator('.notice.info', { hasText: 'Logged the conversation to MLflow: run "' });
    await notice.waitFor({ timeout: 60_000 });
    const runId = /\((\w{32})\) in experiment "prompts-e2e"\.$/.exec((await notice.textContent()) ?? '')?.[1];
    assert.ok(runId, `a run id in: ${await notice.textContent()}`);
    const tags = await runTags(mlflow, runId);
    assert.equal(tags['mlflow.linkedPrompts'], '[{"name": "e2e-support", "version": "1"}]');
    assert.equal(tags['phi3.promptVersion'], 'prompts:/e2e-support/1');
  });

  it("the panel's Register Prompt… saves the edited system prompt as version 2, which the chat then uses", async () => {
    const systemPrompt = chat.locator('#system-prompt');
    await systemPrompt.fill('You support {{ product }} users. Answer in one sentence.');
    await chat.locator('#register-prompt').click();
    await pickRow(page, 'e2e-support');
    await answerInputBox(page, 'one sentence');
    await answerInputBox(page, 'prod');
    await chat.locator('#prompt-uri', { hasText: 'Prompt: prompts:/e2e-support/2' }).waitFor({ timeout: 60_000 });
    await saveScreenshot(page, 'e2e-prompts-registered');
    assert.deepEqual(await runMlflowPython(loadInPython, { uri: 'prompts:/e2e-support@prod' }, { trackingUri: mlflow.url }), {
      template: 'You support {{ product }} users. Answer in one sentence.',
      commit: 'one sentence',
    });
  });
});
