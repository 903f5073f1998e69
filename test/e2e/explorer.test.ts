/**
 * The explorer as a user drives it in Chromium, on the installed VSIX and a real seeded server:
 * connect through the quick pick, expand an experiment and see its runs, open an artifact, register
 * a logged model and find it in the Models view, open a metric chart. Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { probeServer } from '../../src/mlflow/serverProbe';
import { parseTrackingUri } from '../../src/mlflow/trackingUri';
import { launchChromium, openWorkbench, saveScreenshot } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { explorerSeed, hostileModelNameShown, hostileNameShown, markupRunName } from '../harness/explorerSeed';
import { type MlflowServer, startMlflowServer } from '../harness/mlflowServer';
import { seedExplorer } from '../harness/seedExplorer';
import { builtVsix, clearHovers, clickRow, contextMenu, expand, openMlflowContainer, revealRow, row, runCommand } from './explorerPage';
import { activeWebview, chooseMenuItem, endSuite } from './workbenchPage';

describe('the MLflow explorer in the browser', () => {
  let scratch: string;
  let browser: Browser;
  let mlflow: MlflowServer;
  let codeServer: CodeServer;
  let page: Page;
  let version: string;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-e2e-explorer-'));
    mlflow = await startMlflowServer();
    ({ version } = await probeServer(parseTrackingUri(mlflow.url)));
    await seedExplorer(mlflow.url, explorerSeed);
    codeServer = await startCodeServer({
      workspace: mkdtempSync(join(scratch, 'ws-')),
      dataDir: join(scratch, 'code-server'),
      installVsix: [builtVsix()],
      env: { MLFLOW_TRACKING_URI: '' },
    });
    browser = await launchChromium();
    page = await openWorkbench(browser, codeServer);
    await openMlflowContainer(page);
  });

  after(() => endSuite({ page, screenshot: 'e2e-explorer-last', browser, servers: [codeServer, mlflow], scratch }));

  it('connects through the quick pick: a typed URI, then no authentication', async () => {
    await page.getByRole('button', { name: 'Connect to an MLflow tracking server' }).first().click();
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 15_000 });
    await input.fill(mlflow.url);
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'typed' }).first().waitFor();
    await input.press('Enter');
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'No authentication' }).first().waitFor({ timeout: 15_000 });
    await input.press('Enter');
    await page
      .locator('.statusbar-item')
      .filter({ hasText: `MLflow ${version}` })
      .waitFor({ timeout: 30_000 });
    await row(page, 'Phi-3 Mini wrappers').waitFor({ timeout: 30_000 });
    await saveScreenshot(page, 'e2e-explorer-connected');
  });

  it('expands an experiment and shows its runs, a markup name as text', async () => {
    await expand(page, 'Phi-3 Mini wrappers');
    await row(page, 'onnx-cpu-int4').waitFor({ timeout: 30_000 });
    await row(page, 'onnx-cpu-fp32').waitFor();
    const markup = row(page, markupRunName);
    await markup.waitFor();
    // Shown as its characters, and no <img> element made from it anywhere in the workbench.
    assert.equal(await page.locator('.part.sidebar img[src="x"]').count(), 0);
    assert.match((await row(page, 'onnx-cpu-int4').locator('.label-description').textContent()) ?? '', / · 1m 30s$/);
    await saveScreenshot(page, 'e2e-explorer-runs');
  });

  it('opens a text artifact in a read-only editor', async () => {
    await expand(page, 'onnx-cpu-int4');
    await expand(page, 'Artifacts');
    await clickRow(page, 'README.md');
    const editor = page.locator('.editor-instance .view-lines');
    await editor.filter({ hasText: 'Phi-3 Mini, int4, CPU.' }).waitFor({ timeout: 30_000 });
    await page.locator('.tab').filter({ hasText: 'README.md' }).first().waitFor();
    await saveScreenshot(page, 'e2e-explorer-artifact');
    await page.keyboard.press('Control+W').catch(() => undefined);
  });

  it('registers a logged model and shows it in the Models view', async () => {
    await expand(page, 'Logged models');
    await revealRow(page, 'phi3-echo');
    await contextMenu(page, 'phi3-echo', 'Register Model…');
    const input = page.locator('.quick-input-widget input');
    await page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ hasText: 'New registered model' })
      .first()
      .waitFor({ timeout: 15_000 });
    // The registered models offered: one named as markup with an isolate pair, shown as text with the controls visible.
    assert.equal(await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: hostileModelNameShown }).count(), 1);
    assert.equal(await page.locator('.quick-input-list img').count(), 0);
    await input.press('Enter');
    await page.locator('.quick-input-widget').filter({ hasText: 'New Registered Model' }).waitFor({ timeout: 15_000 });
    await input.fill('e2e-registered');
    await input.press('Enter');
    await page
      .locator('.notification-toast')
      .filter({ hasText: 'Registered phi3-echo as "e2e-registered" version 1' })
      .waitFor({ timeout: 30_000 });
    await expand(page, 'e2e-registered', 'Models');
    await row(page, 'Version 1', 'Models').waitFor({ timeout: 30_000 });
    const response = await fetch(`${mlflow.url}/api/2.0/mlflow/registered-models/get?name=e2e-registered`);
    assert.equal(response.status, 200);
    await saveScreenshot(page, 'e2e-explorer-registered');
  });

  it('opens metric charts for a run', async () => {
    // Collapse the artifact folders so the run row is in view, then open its charts from the context menu.
    await clickRow(page, 'onnx-cpu-int4');
    await contextMenu(page, 'onnx-cpu-int4', 'Show Metric Charts');
    const frame = activeWebview(page);
    await frame.locator('section.chart h2', { hasText: /^loss$/ }).waitFor({ timeout: 60_000 });
    await frame.locator('section.chart h2', { hasText: /^tokens_per_second$/ }).waitFor();
    assert.equal(await frame.locator('section.chart canvas').count(), 2);
    assert.match((await frame.locator('#status').textContent()) ?? '', /^2 metrics from 1 run/);
    await saveScreenshot(page, 'e2e-explorer-metric-chart');
  });

  it('shows a run named as markup as text in the chart page', async () => {
    await contextMenu(page, markupRunName, 'Show Metric Charts');
    const frame = activeWebview(page);
    await frame.locator('#status', { hasText: /^1 metric from 1 run$/ }).waitFor({ timeout: 60_000 });
    assert.equal(await frame.locator('#runs').textContent(), markupRunName);
    assert.equal(await frame.locator('img').count(), 0);
    assert.equal(await frame.locator('.u-legend').first().getByText(markupRunName, { exact: true }).count(), 1);
    await saveScreenshot(page, 'e2e-explorer-metric-chart-markup-name');
  });

  it('shows names with markup and a right-to-left override as text, the override visible: tree rows and chart page', async () => {
    // The newest experiment, at the top of the tree.
    const experiment = row(page, hostileNameShown);
    await experiment.waitFor({ timeout: 30_000 });
    // Its tooltip is checked in-host (explorerNames.test.ts): the plain string VS Code is given.
    await expand(page, hostileNameShown);
    const sidebar = (await page.locator('.part.sidebar').textContent()) ?? '';
    assert.ok(!/[\u202A-\u202E\u2066-\u2069]/.test(sidebar), 'a bidirectional control reached the sidebar');
    assert.equal(await page.locator('.part.sidebar img[src="x"], .part.sidebar a[href^="command:"]').count(), 0);
    // The run (the experiment's only one, under it), then its charts.
    const runRow = page
      .locator('.part.sidebar .monaco-list-row[aria-level="2"]')
      .filter({ has: page.locator('.label-name', { hasText: hostileNameShown }) })
      .first();
    await runRow.waitFor({ timeout: 30_000 });
    await clearHovers(page);
    await runRow.click({ button: 'right' });
    await chooseMenuItem(page, 'Show Metric Charts');
    const frame = activeWebview(page);
    // The chart page it replaces said "1 metric from 1 run" too, and can still be the one found while
    // this one loads: first this run's page.
    await frame.locator('#runs', { hasText: hostileNameShown }).waitFor({ timeout: 60_000 });
    await frame.locator('#status', { hasText: /^1 metric from 1 run$/ }).waitFor({ timeout: 60_000 });
    assert.equal(await frame.locator('#runs').textContent(), hostileNameShown);
    assert.equal(await frame.locator('.u-legend').first().getByText(hostileNameShown, { exact: true }).count(), 1);
    assert.equal(await frame.locator('img, a').count(), 0);
    await page
      .locator('.tab')
      .filter({ hasText: `Metrics: ${hostileNameShown}` })
      .first()
      .waitFor();
    await saveScreenshot(page, 'e2e-explorer-hostile-name-chart');
    await page.keyboard.press('Control+W').catch(() => undefined);
    // Collapsed again: the other tests find their rows where they were.
    await clickRow(page, hostileNameShown);
  });

  it('changes how the connection signs in (Edit Connection Sign-in…): the kind in settings, the token never', async () => {
    // Settings as the workbench writes them: the user's, and the remote machine's (where code-server
    // may put settings that a remote extension host writes).
    const settingsFiles = ['User', 'Machine'].map((folder) => join(scratch, 'code-server', 'user-data', folder, 'settings.json'));
    const settingsText = () => settingsFiles.map((file) => (existsSync(file) ? readFileSync(file, 'utf8') : '{}'));
    // The workbench rewrites settings.json in place (truncate, then write): read in between, a file is
    // empty or cut. That read is "being written", and the waits below go on until it parses.
    const parsed = (text: string): { 'phi3Mlflow.connections'?: unknown } => {
      try {
        return JSON.parse(text) as { 'phi3Mlflow.connections'?: unknown };
      } catch {
        return { 'phi3Mlflow.connections': 'being written' };
      }
    };
    const connections = () =>
      settingsText()
        .map((text) => parsed(text)['phi3Mlflow.connections'])
        .find((value) => value !== undefined);
    assert.deepEqual(connections(), [{ uri: mlflow.url, auth: 'none' }]);
    const token = 'e2e-token-kept-secret';
    const input = page.locator('.quick-input-widget input');
    const choice = (label: string) => page.locator('.quick-input-list .monaco-list-row').filter({ hasText: label }).first();

    // One saved connection: no pick of which, straight to how it signs in (the saved kind marked).
    await runCommand(page, 'MLflow: Edit Connection Sign-in…');
    await page
      .locator('.quick-input-widget')
      .filter({ hasText: `Sign-in for ${mlflow.url}` })
      .waitFor({ timeout: 15_000 });
    await choice('No authentication').filter({ hasText: 'as saved' }).waitFor();
    await input.fill('Token');
    await choice('Token').waitFor();
    await input.press('Enter');
    await page
      .locator('.quick-input-widget')
      .filter({ hasText: `Token for ${mlflow.url}` })
      .waitFor({ timeout: 15_000 });
    await input.fill(token);
    await input.press('Enter');
    // This server takes any token (it has no auth app): the new kind is saved once it has answered.
    for (let i = 0; i < 100 && !JSON.stringify(connections()).includes('"token"'); i++) await page.waitForTimeout(200);
    assert.deepEqual(connections(), [{ uri: mlflow.url, auth: 'token' }]);
    assert.ok(!settingsText().some((text) => text.includes(token)), 'the token is in a settings.json');
    await page
      .locator('.statusbar-item')
      .filter({ hasText: `MLflow ${version}` })
      .waitFor({ timeout: 30_000 });
    await row(page, 'Phi-3 Mini wrappers').waitFor({ timeout: 30_000 }); // the trees reload on the new sign-in
    await saveScreenshot(page, 'e2e-explorer-edit-connection');

    // And back to no authentication.
    await runCommand(page, 'MLflow: Edit Connection Sign-in…');
    await choice('Token').filter({ hasText: 'as saved' }).waitFor({ timeout: 15_000 });
    await input.fill('No authentication');
    await choice('No authentication').waitFor();
    await input.press('Enter');
    for (let i = 0; i < 100 && !JSON.stringify(connections()).includes('"none"'); i++) await page.waitForTimeout(200);
    assert.deepEqual(connections(), [{ uri: mlflow.url, auth: 'none' }]);
  });
});
