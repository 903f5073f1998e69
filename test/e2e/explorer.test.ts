/**
 * The explorer as a user drives it in Chromium, on the installed VSIX and a real seeded server:
 * connect through the quick pick, expand an experiment and see its runs, open an artifact, register
 * a logged model and find it in the Models view, open a metric chart. Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { probeServer } from '../../src/mlflow/serverProbe';
import { parseTrackingUri } from '../../src/mlflow/trackingUri';
import { launchChromium, saveScreenshot } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { explorerSeed, markupRunName } from '../harness/explorerSeed';
import { type MlflowServer, startMlflowServer } from '../harness/mlflowServer';
import { repoRoot } from '../harness/paths';
import { seedExplorer } from '../harness/seedExplorer';

function builtVsix(): string {
  const found = readdirSync(repoRoot).filter((f) => /^phi3-mlflow-.*\.vsix$/.test(f));
  assert.equal(found.length, 1, `expected one VSIX in ${repoRoot} (npm run package), found: ${found.join(', ') || 'none'}`);
  return join(repoRoot, found[0]!);
}

type View = 'Experiments' | 'Models';

/** A row of one of the explorer's trees, by its exact label. */
function row(page: Page, label: string, view: View = 'Experiments'): Locator {
  const pane = page.locator('.part.sidebar .pane').filter({ has: page.locator(`.pane-header[aria-label^="${view}"]`) });
  return pane.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first();
}

/**
 * Moves the mouse off the sidebar and waits for any tooltip to close: a tooltip left open by the last
 * row clicked lies over the rows below it and would take the next click.
 */
async function clearHovers(page: Page): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 1400, height: 1000 };
  await page.mouse.move(viewport.width - 20, viewport.height / 2);
  await page.locator('.context-view .hover-contents, .workbench-hover').first().waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
}

async function clickRow(page: Page, label: string, view: View = 'Experiments', options: { button?: 'right' } = {}): Promise<void> {
  const target = row(page, label, view);
  await target.waitFor({ timeout: 30_000 });
  await clearHovers(page);
  await target.click(options);
}

async function expand(page: Page, label: string, view: View = 'Experiments'): Promise<void> {
  const target = row(page, label, view);
  await target.waitFor({ timeout: 30_000 });
  if ((await target.getAttribute('aria-expanded')) !== 'true') await clickRow(page, label, view);
}

async function contextMenu(page: Page, label: string, item: string): Promise<void> {
  await clickRow(page, label, 'Experiments', { button: 'right' });
  const entry = page.locator('.monaco-menu .action-item').filter({ hasText: item }).first();
  await entry.waitFor({ timeout: 15_000 });
  // VS Code's menus ignore a click that comes right after they open (the right-click's own mouse-up):
  // give it a moment, and if the menu is still open after the click, choose the item with the keyboard.
  await page.waitForTimeout(500);
  await entry.hover();
  await entry.click();
  const menu = page.locator('.monaco-menu').first();
  if (await menu.isVisible().catch(() => false)) {
    await page.waitForTimeout(500);
    if (await menu.isVisible().catch(() => false)) await page.keyboard.press('Enter');
  }
}

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
    codeServer = await startCodeServer({ workspace: mkdtempSync(join(scratch, 'ws-')), installVsix: [builtVsix()], env: { MLFLOW_TRACKING_URI: '' } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${codeServer.url}/?folder=${encodeURIComponent(codeServer.workspace)}`);
    const container = page.locator('.activitybar [aria-label^="MLflow"]').first();
    await container.waitFor({ timeout: 60_000 });
    await container.click();
    await page.locator('.pane-header[aria-label^="Experiments"]').waitFor({ timeout: 30_000 });
  });

  after(async () => {
    if (page) await saveScreenshot(page, 'e2e-explorer-last').catch(() => undefined);
    await browser?.close();
    await codeServer?.stop();
    await mlflow?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('connects through the quick pick: a typed URI, then no authentication', async () => {
    await page.getByRole('button', { name: 'Connect to an MLflow tracking server' }).first().click();
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 15_000 });
    await input.fill(mlflow.url);
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'typed' }).first().waitFor();
    await input.press('Enter');
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'No authentication' }).first().waitFor({ timeout: 15_000 });
    await input.press('Enter');
    await page.locator('.statusbar-item').filter({ hasText: `MLflow ${version}` }).waitFor({ timeout: 30_000 });
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
    await row(page, 'phi3-echo').waitFor({ timeout: 30_000 });
    await contextMenu(page, 'phi3-echo', 'Register Model…');
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'New registered model' }).first().waitFor({ timeout: 15_000 });
    await input.press('Enter');
    await page.locator('.quick-input-widget').filter({ hasText: 'New Registered Model' }).waitFor({ timeout: 15_000 });
    await input.fill('e2e-registered');
    await input.press('Enter');
    await page.locator('.notification-toast').filter({ hasText: 'Registered phi3-echo as "e2e-registered" version 1' }).waitFor({ timeout: 30_000 });
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
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await frame.locator('section.chart h2', { hasText: /^loss$/ }).waitFor({ timeout: 60_000 });
    await frame.locator('section.chart h2', { hasText: /^tokens_per_second$/ }).waitFor();
    assert.equal(await frame.locator('section.chart canvas').count(), 2);
    assert.match((await frame.locator('#status').textContent()) ?? '', /^2 metrics from 1 run/);
    await saveScreenshot(page, 'e2e-explorer-metric-chart');
  });

  it('shows a run named as markup as text in the chart page', async () => {
    await contextMenu(page, markupRunName, 'Show Metric Charts');
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await frame.locator('#status', { hasText: /^1 metric from 1 run$/ }).waitFor({ timeout: 60_000 });
    assert.equal(await frame.locator('#runs').textContent(), markupRunName);
    assert.equal(await frame.locator('img').count(), 0);
    assert.equal(await frame.locator('.u-legend').first().getByText(markupRunName, { exact: true }).count(), 1);
    await saveScreenshot(page, 'e2e-explorer-metric-chart-markup-name');
  });
});
