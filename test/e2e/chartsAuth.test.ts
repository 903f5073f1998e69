/**
 * The metric charts page when the server refuses the user, on the installed VSIX and a real MLflow
 * server with its basic-auth app: the user signed in, browsed to a run, and then the password was
 * changed. The 401 comes back at once, before the chart page has loaded, and the page shows it; hidden
 * behind another editor and shown again (the page is built anew and asks again), it must show it
 * again rather than "Loading metric histories…" for ever.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openWorkbench, saveScreenshot } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { basicAuthAdmin, type MlflowServer, startMlflowServer } from '../harness/mlflowServer';
import { builtVsix, contextMenu, expand, openMlflowContainer, row, runCommand } from './explorerPage';
import { activeWebview, endSuite } from './workbenchPage';

const user = { username: 'chart-reader', password: 'chart-reader-password-2026' };
const experimentName = 'Charts behind sign-in';
const runName = 'signed-in-run';

describe('the metric charts page on a server that answers 401', () => {
  let scratch: string;
  let browser: Browser;
  let mlflow: MlflowServer;
  let codeServer: CodeServer;
  let page: Page;

  /** A REST call as MLflow's admin. */
  async function asAdmin(method: string, path: string, body: unknown): Promise<unknown> {
    const response = await fetch(`${mlflow.url}/api/2.0/mlflow/${path}`, {
      method,
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Basic ${Buffer.from(`${basicAuthAdmin.username}:${basicAuthAdmin.password}`).toString('base64')}`,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    assert.equal(response.status, 200, `${method} ${path}: ${text}`);
    return text ? JSON.parse(text) : {};
  }

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-e2e-charts-auth-'));
    mlflow = await startMlflowServer({ appName: 'basic-auth' });
    await asAdmin('POST', 'users/create', user);
    const { experiment_id: experimentId } = (await asAdmin('POST', 'experiments/create', { name: experimentName })) as {
      experiment_id: string;
    };
    const { run } = (await asAdmin('POST', 'runs/create', {
      experiment_id: experimentId,
      run_name: runName,
      start_time: 1_700_000_000_000,
    })) as { run: { info: { run_id: string } } };
    await asAdmin('POST', 'runs/log-batch', {
      run_id: run.info.run_id,
      metrics: [0.9, 0.6, 0.4].map((value, step) => ({ key: 'loss', value, step, timestamp: 1_700_000_000_000 + step * 1000 })),
    });
    // The extension signs in as MLflow's own clients do: the URI and the user from the environment.
    codeServer = await startCodeServer({
      workspace: mkdtempSync(join(scratch, 'ws-')),
      dataDir: join(scratch, 'code-server'),
      installVsix: [builtVsix()],
      env: { MLFLOW_TRACKING_URI: mlflow.url, MLFLOW_TRACKING_USERNAME: user.username, MLFLOW_TRACKING_PASSWORD: user.password },
    });
    browser = await launchChromium();
    page = await openWorkbench(browser, codeServer);
    await openMlflowContainer(page);
  });

  after(() => endSuite({ page, screenshot: 'e2e-charts-auth-last', browser, servers: [codeServer, mlflow], scratch }));

  it('signed in, the run is in the tree; once the password changes, its charts page shows the 401, not "Loading…"', async () => {
    await row(page, experimentName).waitFor({ timeout: 60_000 });
    await expand(page, experimentName);
    await row(page, runName).waitFor({ timeout: 30_000 });
    await asAdmin('PATCH', 'users/update-password', { username: user.username, password: 'a-password-the-editor-does-not-know' });
    await contextMenu(page, runName, 'Show Metric Charts');
    const frame = activeWebview(page);
    const status = frame.locator('#status.error');
    await status.waitFor({ timeout: 30_000 });
    assert.equal(
      await status.textContent(),
      'Could not load the metric histories: Authentication required (401): check the username and password for this server',
    );
    assert.equal(await frame.locator('section.chart').count(), 0);
    await saveScreenshot(page, 'e2e-charts-auth-401');

    // Another editor in front tears the page down (no retainContextWhenHidden); back on its tab, the
    // page loads again and asks for what to show: the same error, not "Loading…" for ever.
    await runCommand(page, 'File: New Untitled Text File');
    await page.locator('.tab').filter({ hasText: 'Untitled-1' }).first().waitFor({ timeout: 15_000 });
    await page
      .locator('.tab')
      .filter({ hasText: `Metrics: ${runName}` })
      .first()
      .click();
    const again = activeWebview(page).locator('#status');
    await again.filter({ hasText: /^Could not load/ }).waitFor({ timeout: 30_000 });
    assert.equal(
      await again.textContent(),
      'Could not load the metric histories: Authentication required (401): check the username and password for this server',
    );
    await saveScreenshot(page, 'e2e-charts-auth-401-shown-again');
  });
});
