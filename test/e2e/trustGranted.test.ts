/**
 * A folder whose own settings name a tracking server and an interpreter, opened in Chromium on the
 * installed VSIX with workspace trust on. Untrusted (the user answers "No, I don't trust the
 * authors"), the extension ignores both workspace values: the status bar says a workspace setting
 * is ignored, the explorer offers Connect, and the named server hears nothing from it. Then the user
 * trusts the folder through VS Code's own UI (the Restricted Mode status item, then Trust in the
 * Workspace Trust editor): without a reload the extension connects to the folder's server and
 * shows its experiments, and the status bar's note is gone.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { MlflowClient } from '../../src/mlflow/client';
import { probeServer } from '../../src/mlflow/serverProbe';
import { parseTrackingUri } from '../../src/mlflow/trackingUri';
import { launchChromium, openWorkbench, saveScreenshot } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { type MlflowServer, startMlflowServer } from '../harness/mlflowServer';
import { venvPython } from '../harness/paths';
import { openMlflowContainer, row } from './explorerPage';
import { builtVsix, endSuite } from './workbenchPage';

/** The server's own log lines for calls the extension makes (its probe and the explorer's listing). */
const extensionCalls = (mlflow: MlflowServer) =>
  mlflow
    .log()
    .split('\n')
    .filter((line) => /GET \/version|\/api\/2\.0\/mlflow\//.test(line));

describe('a folder naming its own tracking server and interpreter, untrusted then trusted, in the browser', () => {
  let scratch: string;
  let browser: Browser;
  let mlflow: MlflowServer;
  let codeServer: CodeServer;
  let page: Page;
  let version: string;
  let spyPython: string;
  /** The test's own calls (its probe and seeding) come first in the server's log. */
  let ownCalls = 0;
  const host = () => mlflow.url.replace('http://', '');

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-e2e-trust-'));
    mlflow = await startMlflowServer();
    ({ version } = await probeServer(parseTrackingUri(mlflow.url)));
    await new MlflowClient({ uri: parseTrackingUri(mlflow.url), auth: { kind: 'none' } }).experiments.create('Only for trusted folders');
    ownCalls = extensionCalls(mlflow).length;
    const workspace = join(scratch, 'cloned');
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    spyPython = join(scratch, 'python-spy');
    writeFileSync(spyPython, `#!/bin/sh\ntouch "$0.started"\nexec ${venvPython} "$@"\n`);
    chmodSync(spyPython, 0o755);
    writeFileSync(
      join(workspace, '.vscode', 'settings.json'),
      JSON.stringify({ 'phi3Mlflow.trackingUri': mlflow.url, 'phi3Mlflow.pythonPath': spyPython }, null, 2),
    );
    codeServer = await startCodeServer({ workspace, installVsix: [builtVsix()], workspaceTrust: true, env: { MLFLOW_TRACKING_URI: '' } });
    browser = await launchChromium();
    page = await openWorkbench(browser, codeServer);
    const distrust = page.getByRole('button', { name: /No, I don.t trust the authors/ });
    await distrust.waitFor({ timeout: 60_000 });
    await saveScreenshot(page, 'e2e-trust-question');
    await distrust.click();
    await page.locator('.statusbar-item').filter({ hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30_000 });
  });

  after(() => endSuite({ page, screenshot: 'e2e-trust-last', browser, servers: [codeServer, mlflow], scratch }));

  it("untrusted: the workspace's server and interpreter are ignored, the status bar says so, and the server hears nothing", async () => {
    await openMlflowContainer(page);
    // Activated (its status item is there), not connected, with the note on the ignored settings.
    const status = page.locator('.statusbar-item').filter({ hasText: 'workspace setting ignored' });
    await status.waitFor({ timeout: 60_000 });
    assert.equal((await status.textContent())?.replace(/\s+/g, ' ').trim(), 'MLflow · workspace setting ignored');
    await page.getByRole('button', { name: 'Connect to an MLflow tracking server' }).first().waitFor({ timeout: 30_000 });
    assert.equal(await row(page, 'Only for trusted folders').count(), 0);
    await saveScreenshot(page, 'e2e-trust-untrusted');
    assert.deepEqual(extensionCalls(mlflow).slice(ownCalls), []);
    assert.equal(existsSync(`${spyPython}.started`), false);
  });

  it("trusted through the Workspace Trust editor: connects to the folder's server without a reload and shows its experiments", async () => {
    // A reload would start a new page: this mark would be gone.
    await page.evaluate(() => Object.assign(window, { phi3TrustMark: 'before trust' }));
    await page.locator('.statusbar-item').filter({ hasText: 'Restricted Mode' }).first().click();
    const trust = page.locator('.workspace-trust-editor').getByRole('button', { name: 'Trust', exact: true });
    await trust.waitFor({ timeout: 30_000 });
    await saveScreenshot(page, 'e2e-trust-editor');
    await trust.click();
    await page.locator('.statusbar-item').filter({ hasText: 'Restricted Mode' }).first().waitFor({ state: 'hidden', timeout: 30_000 });
    // The status bar names the folder's server, without the note; the tree lists its experiment.
    const status = page.locator('.statusbar-item').filter({ hasText: `MLflow ${version} · ${host()}` });
    await status.waitFor({ timeout: 60_000 });
    assert.equal((await status.textContent())?.replace(/\s+/g, ' ').trim(), `MLflow ${version} · ${host()}`);
    assert.equal(await page.locator('.statusbar-item').filter({ hasText: 'workspace setting ignored' }).count(), 0);
    // The MLflow container is still open (clicking it again would close it): the tree fills in.
    await row(page, 'Only for trusted folders').waitFor({ timeout: 30_000 });
    await row(page, 'Default').waitFor();
    await saveScreenshot(page, 'e2e-trust-trusted');
    assert.ok(
      extensionCalls(mlflow)
        .slice(ownCalls)
        .some((line) => line.includes('GET /version')),
      "the extension probed the folder's server",
    );
    // No reload: the page still holds the mark, and no dialog asks for one.
    assert.equal(await page.evaluate(() => (window as unknown as { phi3TrustMark?: string }).phi3TrustMark), 'before trust');
    assert.equal(await page.locator('.monaco-dialog-box').count(), 0);
  });
});
