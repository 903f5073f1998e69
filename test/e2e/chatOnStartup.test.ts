/**
 * The README's demo, as a user meets it in Chromium on the installed VSIX: the demo's own model set-up
 * (scripts/demoModel.ts: the random-weight Phi-3 folder logged as a wrapper and registered as
 * phi3-mini-onnx@champion on a real `mlflow server`), and `phi3Mlflow.chat.openOnStartup` naming
 * `models:/phi3-mini-onnx@champion`: the workbench opens with the chat on that model, downloaded and
 * ready, and it answers. After a reload the chat comes back once, not twice. Screenshots in test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { demoRegisteredModel, setUpDemoModel } from '../../scripts/demoModel';
import { launchChromium, saveScreenshot, workbenchUrl, workbenchViewport } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { waitForLogLine } from '../harness/extensionLog';
import { type MlflowServer, startMlflowServer } from '../harness/mlflowServer';
import { lastFigures, send } from './chatPage';
import { activeWebview, builtVsix, endSuite, runCommand } from './workbenchPage';

describe('the demo: the workbench opens with a chat on phi3-mini-onnx@champion', () => {
  let scratch: string;
  let mlflow: MlflowServer;
  let browser: Browser;
  let codeServer: CodeServer;
  let page: Page;
  let chat: FrameLocator;
  let workspace: string;
  const cacheDir = () => join(scratch, 'model-cache');
  const heading = new RegExp(`^${demoRegisteredModel} v\\d+ \\(@champion\\)$`);

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-e2e-startup-'));
    mlflow = await startMlflowServer();
    workspace = join(scratch, 'workspace');
    mkdirSync(workspace, { recursive: true });
    await setUpDemoModel(mlflow.url, workspace);
    codeServer = await startCodeServer({
      workspace,
      installVsix: [builtVsix()],
      env: { MLFLOW_TRACKING_URI: '' },
      dataDir: join(scratch, 'code-server'),
      settings: {
        'phi3Mlflow.trackingUri': mlflow.url,
        'phi3Mlflow.chat.openOnStartup': `models:/${demoRegisteredModel}@champion`,
        'phi3Mlflow.chat.modelCacheDirectory': cacheDir(),
      },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: workbenchViewport });
    chat = activeWebview(page);
  });

  after(() => endSuite({ page, screenshot: 'e2e-startup-last', browser, servers: [codeServer, mlflow], scratch }));

  it('opens the chat on the champion by itself, downloaded into the cache, and the model answers', async () => {
    await page.goto(workbenchUrl(codeServer));
    await chat.locator('h1', { hasText: heading }).waitFor({ timeout: 120_000 });
    await chat.locator('.context .label', { hasText: /^Context: \d+ of 4096 tokens$/ }).waitFor({ timeout: 120_000 });
    assert.equal(readdirSync(cacheDir()).length, 1, 'one model in the cache');
    await send(chat, 'Hello');
    assert.match(await lastFigures(chat, 120_000), /^\d+ tokens · \d+ ms to first token/);
    await saveScreenshot(page, 'e2e-startup-chat');
  });

  it('after a reload, the chat comes back once with its conversation, not a second panel', async () => {
    // As a user reloads VS Code: the workbench saves its state (and the extension's) before it goes.
    await runCommand(page, 'Developer: Reload Window');
    await page.waitForEvent('load', { timeout: 60_000 });
    await chat.locator('h1', { hasText: heading }).waitFor({ timeout: 120_000 });
    await chat.locator('.turn.user', { hasText: 'Hello' }).waitFor({ timeout: 60_000 });
    // The startup chat gives a reload a few seconds to bring its panels back, then says in its log what it decided.
    await waitForLogLine(
      join(scratch, 'code-server', 'user-data', 'logs'),
      `Startup chat on models:/${demoRegisteredModel}@champion not opened: a chat on it came back with the window.`,
    );
    assert.equal(await page.locator('.tab', { hasText: `Chat: ${demoRegisteredModel}` }).count(), 1);
    await saveScreenshot(page, 'e2e-startup-restored');
  });
});
