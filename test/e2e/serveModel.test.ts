/**
 * Serve This Model as a user does it in Chromium on the installed VSIX: a real `mlflow server` holds
 * two pyfunc test models (test/harness/save_scoring_models.py); the Models view's context menu on a
 * version serves it with `mlflow models serve --env-manager local`, the status bar says
 * "Serving <model> :port", the chat opens on it and answers; the status bar item's menu stops it and
 * no process of its group is left. A model still served when the window goes away (code-server
 * stopped) goes with it. Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { launchChromium, openWorkbench, saveScreenshot } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { type MlflowServer, startMlflowServer } from '../harness/mlflowServer';
import { venvPython } from '../harness/paths';
import { type LoggedScoringModel, logScoringModels } from '../harness/scoringModels';
import { send } from './chatPage';
import { clickRow, expand, openMlflowContainer, row } from './explorerPage';
import { activeWebview, builtVsix, chooseMenuItem, endSuite, runCommand } from './workbenchPage';

/** The process groups of `mlflow models serve` processes serving `modelUri` now. */
function serveGroups(modelUri: string): number[] {
  const lines = execFileSync('ps', ['-eo', 'pgid=,args='], { encoding: 'utf8' }).split('\n');
  const groups = lines
    .filter((line) => line.includes(' models serve -m ') && line.includes(` ${modelUri} `))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
  return [...new Set(groups)];
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function groupGone(pgid: number, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  return !groupAlive(pgid);
}

describe('Serve This Model in the browser', () => {
  let scratch: string;
  let mlflow: MlflowServer;
  let browser: Browser;
  let codeServer: CodeServer;
  let page: Page;
  let chatPanel: FrameLocator;
  let chat: LoggedScoringModel;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-e2e-serve-'));
    mlflow = await startMlflowServer();
    ({ chat } = await logScoringModels(mlflow.url, 'serve-e2e'));
    const workspace = join(scratch, 'ws');
    mkdirSync(workspace, { recursive: true });
    codeServer = await startCodeServer({
      workspace,
      installVsix: [builtVsix()],
      env: { MLFLOW_TRACKING_URI: mlflow.url },
      dataDir: join(scratch, 'code-server'),
      settings: { 'phi3Mlflow.pythonPath': venvPython },
    });
    browser = await launchChromium();
    page = await openWorkbench(browser, codeServer);
    await page.locator('.activitybar').waitFor({ timeout: 60_000 });
    chatPanel = activeWebview(page);
  });

  after(() => endSuite({ page, screenshot: 'e2e-serve-last', browser, servers: [codeServer, mlflow], scratch }));

  it('serves a version from the Models view, chats with it, and Stop from the status bar leaves no process', async () => {
    await runCommand(page, 'Phi-3 MLflow: Show Log');
    await page
      .locator('.statusbar')
      .getByText(/MLflow 3\.\d+\.\d+/)
      .first()
      .waitFor({ timeout: 60_000 });
    await openMlflowContainer(page);
    await expand(page, chat.name, 'Models');
    await clickRow(page, 'Version 1', 'Models', { button: 'right' });
    await chooseMenuItem(page, 'Serve This Model');

    const uri = `models:/${chat.name}/1`;
    const status = page
      .locator('.statusbar-item')
      .filter({ hasText: `Serving ${uri} :` })
      .first();
    await status.waitFor({ timeout: 240_000 });
    const [pgid] = serveGroups(uri);
    assert.ok(pgid && groupAlive(pgid), 'its process group runs');
    assert.match((await status.textContent()) ?? '', new RegExp(`Serving ${uri.replace(/[/]/g, '\\/')} :\\d+`));
    await saveScreenshot(page, 'e2e-serve-status-bar');

    await chatPanel.locator('#message').waitFor({ timeout: 60_000 });
    await send(chatPanel, 'Hello from Chromium');
    await chatPanel
      .locator('.turn.assistant .body', { hasText: '1 messages; last from user: Hello from Chromium; settings' })
      .waitFor({ timeout: 60_000 });
    await saveScreenshot(page, 'e2e-serve-chat');

    await status.click();
    const stop = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Stop Serving' }).first();
    await stop.waitFor({ timeout: 15_000 });
    await stop.click();
    await status.waitFor({ state: 'detached', timeout: 60_000 });
    assert.ok(await groupGone(pgid), 'no process of its group is left');
    assert.deepEqual(serveGroups(uri), []);
    await saveScreenshot(page, 'e2e-serve-stopped');
  });

  it('from the palette by alias; closing the window stops it', async () => {
    await runCommand(page, 'MLflow: Serve This Model');
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Model URI…' }).first().click({ timeout: 30_000 });
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget', { hasText: 'Open a Model in MLflow' }).waitFor({ timeout: 15_000 });
    const uri = `models:/${chat.name}@champion`;
    await input.fill(uri);
    await input.press('Enter');
    await page
      .locator('.statusbar-item')
      .filter({ hasText: `Serving ${uri} :` })
      .first()
      .waitFor({ timeout: 240_000 });
    const [pgid] = serveGroups(uri);
    assert.ok(pgid && groupAlive(pgid));
    assert.equal(await row(page, 'Version 1', 'Models').count(), 1);
    await saveScreenshot(page, 'e2e-serve-alias');

    await browser.close();
    await codeServer.stop();
    assert.ok(await groupGone(pgid), 'the served model went with the window');
  });
});
