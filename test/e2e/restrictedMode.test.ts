/**
 * The extension in Restricted Mode, in Chromium on the installed VSIX: workspace trust is on and the
 * user answers "No, I don't trust the authors". The extension still activates (it declares limited
 * support: its MLflow explorer is there), and Run All asks whether to trust the folder first (VS
 * Code's own question for notebook execution); cancelled, no cell runs and no Python starts. (The
 * controller's own refusal, for runs started through the API, is in notebookController.ts.) Serve
 * This Model is refused with a message, and starts no Python either; so is Log ONNX Folder as MLflow
 * Model…, before it asks for a folder or opens its form.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openWorkbench, saveScreenshot } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { venvPython } from '../harness/paths';
import { builtVsix, endSuite, runCommand } from './workbenchPage';

/** Runs a command from the palette and waits for its refusal: a notification with exactly this message. */
async function expectRefusal(page: Page, command: string, message: string): Promise<void> {
  await runCommand(page, command);
  const toast = page.locator('.notification-toast', { hasText: message.slice(0, 30) });
  await toast.waitFor({ timeout: 30_000 });
  assert.ok(((await toast.textContent()) ?? '').includes(message), `the refusal says: ${message}`);
}

describe('Restricted Mode in the browser', () => {
  let scratch: string;
  let browser: Browser;
  let codeServer: CodeServer;
  let page: Page;
  // The notebook's interpreter: a script that leaves a mark when started, then runs the real Python.
  let spyPython: string;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-e2e-restricted-'));
    const workspace = join(scratch, 'untrusted');
    mkdirSync(workspace);
    spyPython = join(scratch, 'python-spy');
    writeFileSync(spyPython, `#!/bin/sh\ntouch "$0.started"\nexec ${venvPython} "$@"\n`);
    chmodSync(spyPython, 0o755);
    codeServer = await startCodeServer({
      workspace,
      installVsix: [builtVsix()],
      workspaceTrust: true,
      env: { MLFLOW_TRACKING_URI: '' },
      settings: { 'phi3Mlflow.pythonPath': spyPython },
    });
    browser = await launchChromium();
    page = await openWorkbench(browser, codeServer);
    const distrust = page.getByRole('button', { name: /No, I don.t trust the authors/ });
    await distrust.waitFor({ timeout: 60_000 });
    await saveScreenshot(page, 'e2e-restricted-trust-question');
    await distrust.click();
    await page.locator('.statusbar-item').filter({ hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30_000 });
  });

  after(() => endSuite({ page, screenshot: 'e2e-restricted-last', browser, servers: [codeServer], scratch }));

  it('activates: the MLflow explorer is there, with its Connect button', async () => {
    const container = page.locator('.activitybar [aria-label^="MLflow"]').first();
    await container.waitFor({ timeout: 60_000 });
    await container.click();
    await page.getByRole('button', { name: 'Connect to an MLflow tracking server' }).first().waitFor({ timeout: 30_000 });
    await saveScreenshot(page, 'e2e-restricted-explorer');
  });

  it('runs no notebook cell: Run All asks to trust the folder, and cancelled, nothing starts', async () => {
    await runCommand(page, 'Phi-3 MLflow: New Wrapper Notebook…');
    const input = page.locator('.quick-input-widget input');
    await page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ hasText: 'Transformers pipeline' })
      .first()
      .waitFor({ timeout: 30_000 });
    await input.fill('Transformers');
    await input.press('Enter');
    for (const prompt of ['A Hugging Face model id', 'The artifact path the model is logged under', 'Register it as']) {
      await page.locator('.quick-input-widget').filter({ hasText: prompt }).first().waitFor({ timeout: 30_000 });
      await input.press('Enter');
    }
    await page.locator('.notebook-editor .view-lines').filter({ hasText: 'MODEL_ID' }).first().waitFor({ timeout: 30_000 });
    await runCommand(page, 'Notebook: Run All');
    const dialog = page.locator('.monaco-dialog-box').filter({ hasText: 'Executing a notebook cell will run code from this workspace' });
    await dialog.waitFor({ timeout: 30_000 });
    await saveScreenshot(page, 'e2e-restricted-run-all-asks');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 15_000 });
    // Still Restricted Mode, no cell has run or failed, and the interpreter was never started.
    await page.locator('.statusbar-item').filter({ hasText: 'Restricted Mode' }).first().waitFor();
    assert.equal(
      await page
        .locator(
          '.notebook-editor .codicon-notebook-state-success, .notebook-editor .codicon-notebook-state-error, .notebook-editor .codicon-notebook-state-executing',
        )
        .count(),
      0,
    );
    assert.equal(existsSync(`${spyPython}.started`), false);
    await saveScreenshot(page, 'e2e-restricted-notebook');
  });

  it('serves no model: Serve This Model says why, and no Python starts', async () => {
    await expectRefusal(
      page,
      'MLflow: Serve This Model',
      "Serve This Model runs the model's Python code (and, with virtualenv, installs its packages) on this machine: not in Restricted Mode. Trust this folder to serve models.",
    );
    assert.equal(existsSync(`${spyPython}.started`), false);
    assert.equal(await page.locator('.statusbar-item').filter({ hasText: 'Serving' }).count(), 0);
    await saveScreenshot(page, 'e2e-restricted-serve-refused');
  });

  it('logs no ONNX folder: Log ONNX Folder as MLflow Model… says why, before asking for a folder', async () => {
    await expectRefusal(
      page,
      'Phi-3 MLflow: Log ONNX Folder as MLflow Model…',
      'This workspace is not trusted, so Phi-3 MLflow uploads none of its files to an MLflow server (as its notebook cells do not run). Trust the workspace (Manage Workspace Trust) to log the folder.',
    );
    // No folder picker, no form: nothing was asked and nothing opened.
    assert.equal(await page.locator('.quick-input-widget:visible').count(), 0);
    assert.equal(await page.locator('.tab').filter({ hasText: 'Log ONNX Folder' }).count(), 0);
    assert.equal(existsSync(`${spyPython}.started`), false);
    await saveScreenshot(page, 'e2e-restricted-onnx-log-refused');
  });
});
