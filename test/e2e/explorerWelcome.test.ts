/**
 * What a user sees after installing the VSIX into VS Code (code-server) and opening the MLflow
 * container: the welcome content with its buttons, before and after connecting to a real server.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { probeServer } from '../../src/mlflow/serverProbe';
import { parseTrackingUri } from '../../src/mlflow/trackingUri';
import { launchChromium, saveScreenshot, workbenchUrl } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { type MlflowServer, startMlflowServer } from '../harness/mlflowServer';
import { builtVsix, openMlflowContainer as openContainer } from './explorerPage';

async function openMlflowWorkbench(page: Page, codeServer: CodeServer): Promise<void> {
  await page.goto(workbenchUrl(codeServer));
  await openContainer(page);
}

describe('the MLflow container, installed from the VSIX', () => {
  let scratch: string;
  let browser: Browser;
  const stops: Array<() => Promise<void>> = [];

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-e2e-'));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    for (const stop of stops.reverse()) await stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('shows the welcome content with a Connect button when no server is set', async () => {
    const codeServer = await startCodeServer({
      workspace: mkdtempSync(join(scratch, 'ws-')),
      installVsix: [builtVsix()],
      env: { MLFLOW_TRACKING_URI: '' },
    });
    stops.push(codeServer.stop);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await openMlflowWorkbench(page, codeServer);
    const experimentsWelcome = page.locator('.welcome-view-content').filter({ hasText: 'browse its experiments, runs and artifacts' });
    await experimentsWelcome.waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Connect to an MLflow tracking server' }).first().waitFor();
    assert.equal(
      await page.getByRole('button', { name: 'Connect to an MLflow tracking server' }).count(),
      3,
      'one Connect button in each view: Experiments, Models, Prompts',
    );
    await page.locator('.welcome-view-content').filter({ hasText: 'browse its registered models and versions' }).waitFor();
    await page.locator('.welcome-view-content').filter({ hasText: 'browse its prompt registry' }).waitFor();
    await saveScreenshot(page, 'e2e-welcome-not-connected');
    // The status bar item appears once the extension has activated (opening the container activates it).
    const statusItem = page.locator('.statusbar-item').filter({ hasText: /^\s*MLflow\s*$/ });
    await statusItem.waitFor({ timeout: 30_000 });
    assert.match((await statusItem.getAttribute('aria-label')) ?? '', /Not connected to an MLflow tracking server\. Click to connect\./);
    await page.close();
  });

  it('connects to the configured server: the status bar shows its version, the trees list what the server has', async () => {
    const mlflow: MlflowServer = await startMlflowServer();
    stops.push(mlflow.stop);
    const { version } = await probeServer(parseTrackingUri(mlflow.url));
    const codeServer = await startCodeServer({
      workspace: mkdtempSync(join(scratch, 'ws-')),
      installVsix: [builtVsix()],
      settings: { 'phi3Mlflow.trackingUri': mlflow.url },
    });
    stops.push(codeServer.stop);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await openMlflowWorkbench(page, codeServer);
    const statusItem = page.locator('.statusbar-item').filter({ hasText: `MLflow ${version}` });
    await statusItem.waitFor({ timeout: 30_000 });
    // A fresh server has only MLflow's Default experiment, and no registered model: the Models view says how to get one.
    await page.locator('.part.sidebar .monaco-list-row').filter({ hasText: 'Default' }).first().waitFor({ timeout: 30_000 });
    const modelsWelcome = page.locator('.welcome-view-content').filter({ hasText: 'It has no registered models yet' });
    await modelsWelcome.waitFor({ timeout: 30_000 });
    assert.equal(
      await page.getByRole('button', { name: 'Open the MLflow UI' }).count(),
      1,
      'in the Models view only: the Experiments view lists experiments',
    );
    assert.equal(await page.getByRole('button', { name: 'Connect to an MLflow tracking server' }).count(), 0);
    await saveScreenshot(page, 'e2e-welcome-connected');
    await page.close();
  });
});
