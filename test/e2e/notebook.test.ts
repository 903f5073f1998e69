/**
 * A wrapper notebook as a user makes it in Chromium, on the installed VSIX and a real MLflow server:
 * "New Wrapper Notebook…" from the command palette (Custom ONNX wrapper, a test model folder in the
 * workspace picked in the folder dialog, registered under a name), Run All in the repository's .venv
 * (MLflow 3 and onnxruntime-genai), the logged-model card in the output, then the model in the
 * explorer: its run's Logged models in the Experiments view, and its version in the Models view.
 * Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openWorkbench, saveScreenshot } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { type MlflowServer, startMlflowServer } from '../harness/mlflowServer';
import { repoRoot, venvPython } from '../harness/paths';
import { expand, row } from './explorerPage';
import { activeWebview, builtVsix, endSuite, runCommand, typeInFileDialog } from './workbenchPage';

const fixtureModel = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4');
const registeredName = 'e2e-notebook-wrapper';
const experimentName = 'phi3-wrappers';

/** The quick input's current title or prompt, once it shows `text`. */
async function quickInputShows(page: Page, text: string | RegExp): Promise<void> {
  await page.locator('.quick-input-widget').filter({ hasText: text }).first().waitFor({ timeout: 30_000 });
}

interface MlflowRun {
  info: { run_id: string; run_name: string; status: string };
}

describe('a wrapper notebook in the browser', () => {
  let scratch: string;
  let workspace: string;
  let modelFolder: string;
  let browser: Browser;
  let mlflow: MlflowServer;
  let codeServer: CodeServer;
  let page: Page;
  // Each step needs the one before: a failed step fails the next ones at once instead of at their timeouts.
  let stepsDone = 0;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-e2e-notebook-'));
    workspace = join(scratch, 'ws');
    modelFolder = join(workspace, 'models', 'phi3-tiny-genai-int4');
    mkdirSync(modelFolder, { recursive: true });
    cpSync(fixtureModel, modelFolder, { recursive: true, filter: (source) => !/reference/.test(source.slice(fixtureModel.length)) });
    mlflow = await startMlflowServer();
    codeServer = await startCodeServer({
      workspace,
      installVsix: [builtVsix()],
      env: { MLFLOW_TRACKING_URI: '' },
      settings: { 'phi3Mlflow.trackingUri': mlflow.url, 'phi3Mlflow.pythonPath': venvPython, 'notebook.confirmDeleteRunningCell': false },
    });
    browser = await launchChromium();
    page = await openWorkbench(browser, codeServer);
    await page.locator('.activitybar [aria-label^="MLflow"]').first().waitFor({ timeout: 60_000 });
    await page.locator('.monaco-workbench').waitFor();
  });

  after(() => endSuite({ page, screenshot: 'e2e-notebook-last', browser, servers: [codeServer, mlflow], scratch }));

  it('makes a Custom ONNX wrapper notebook through the palette and the folder dialog', async () => {
    await runCommand(page, 'Phi-3 MLflow: New Wrapper Notebook…');
    const input = page.locator('.quick-input-widget input');
    await page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ hasText: 'Custom ONNX wrapper' })
      .first()
      .waitFor({ timeout: 30_000 });
    await input.fill('Custom ONNX');
    await input.press('Enter');
    // code-server's folder dialog is VS Code's simple file dialog: a path typed into a quick input.
    await quickInputShows(page, 'genai_config.json');
    // It lists folders only: typed with a trailing slash, the path opens the model folder itself.
    await typeInFileDialog(page, 'An onnxruntime-genai Phi-3 folder', workspace, `${modelFolder}/`);
    await saveScreenshot(page, 'e2e-notebook-folder-dialog');
    const useFolder = page.locator('.quick-input-widget .monaco-button').filter({ hasText: 'Use this folder' }).first();
    if (await useFolder.isVisible()) await useFolder.click();
    else await input.press('Enter');
    await quickInputShows(page, 'The artifact path the model is logged under');
    assert.equal(await input.inputValue(), 'phi3-mlflow-model');
    await input.press('Enter');
    await quickInputShows(page, 'Register it as');
    await input.fill(registeredName);
    await input.press('Enter');
    // The notebook: its settings cell names the folder picked.
    await page.locator('.notebook-editor .view-lines').filter({ hasText: 'ONNX_FOLDER' }).first().waitFor({ timeout: 30_000 });
    const settings = (await page.locator('.notebook-editor .view-lines').filter({ hasText: 'ONNX_FOLDER' }).first().textContent()) ?? '';
    assert.match(settings.replace(/\u00a0/g, ' '), new RegExp(`ONNX_FOLDER = "${modelFolder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`));
    await saveScreenshot(page, 'e2e-notebook-template');
    stepsDone = 1;
  });

  it('runs every cell in the .venv Python and shows the logged-model card', async () => {
    assert.equal(stepsDone, 1, 'the notebook was not made');
    await runCommand(page, 'Notebook: Run All');
    // With no kernel chosen yet, VS Code asks: ours is the one for this notebook type.
    const kernelPick = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Phi-3 MLflow (Python)' }).first();
    if (
      await kernelPick.waitFor({ timeout: 10_000 }).then(
        () => true,
        () => false,
      )
    )
      await kernelPick.click();
    // The card's actions sit in the logging cell's status bar; the card itself renders in the output webview.
    // Only cells in view are in the page: go down the notebook with the keyboard, as a user would (the
    // last cell, then up to the logging cell), until its card shows.
    const showInExplorer = page.locator('.cell-statusbar-container').filter({ hasText: 'Show in MLflow Explorer' }).first();
    // A click on the first code cell's status bar selects that cell without entering its editor.
    await page
      .locator('.notebook-editor .code-cell-row .cell-statusbar-container')
      .first()
      .click({ position: { x: 200, y: 8 } });
    const deadline = Date.now() + 300_000;
    while (!(await showInExplorer.isVisible())) {
      assert.ok(Date.now() < deadline, 'no logged-model card in 5 minutes');
      // Out of the cell's editor (the click may have entered it), then the notebook's last cell.
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+End');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('ArrowUp');
      // Then the card, for as long as a cell takes to show its output (most of the time, it is there at once).
      await showInExplorer.waitFor({ timeout: 2_000 }).catch(() => undefined);
    }
    await showInExplorer.scrollIntoViewIfNeeded();
    const status =
      (await page.locator('.cell-statusbar-container').filter({ hasText: 'Show in MLflow Explorer' }).first().textContent()) ?? '';
    assert.match(status, /Test in Chat/);
    assert.match(status, /Register…/);
    const outputs = activeWebview(page);
    await outputs.getByText('Logged the model', { exact: false }).first().waitFor({ timeout: 60_000 });
    await outputs.getByText(`${registeredName} version 1`).first().waitFor({ timeout: 30_000 });
    await outputs
      .getByText(/prompt: string → string/)
      .first()
      .waitFor();
    // Run All is done when the toolbar offers Run All again instead of Interrupt; no cell failed (the
    // last one loads the logged model back with mlflow.pyfunc.load_model and calls predict).
    await page
      .locator('.notebook-toolbar-container .action-label[aria-label^="Interrupt"]')
      .first()
      .waitFor({ state: 'hidden', timeout: 300_000 });
    assert.equal(await page.locator('.notebook-editor .codicon-notebook-state-error').count(), 0);
    // The last cell (load_model, then predict) ran too: the sixth code cell run in this notebook.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+End');
    const lastCell = page.locator('.notebook-editor .code-cell-row').filter({ hasText: 'load_model(model_info' });
    await lastCell.filter({ hasText: '[6]' }).first().waitFor({ timeout: 60_000 });
    assert.equal(await lastCell.locator('.codicon-notebook-state-success').count(), 1);
    // predict decodes the whole sequence: the prompt's text (special tokens dropped), then the random model's words.
    await outputs
      .getByText(/^'What is MLflow\?/)
      .first()
      .waitFor({ timeout: 30_000 });
    await saveScreenshot(page, 'e2e-notebook-card');

    // What the server has: one finished run in the template's experiment, and the registered version.
    const experiment = (await (
      await fetch(`${mlflow.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${experimentName}`)
    ).json()) as { experiment: { experiment_id: string } };
    const runs = (await (
      await fetch(`${mlflow.url}/api/2.0/mlflow/runs/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ experiment_ids: [experiment.experiment.experiment_id] }),
      })
    ).json()) as { runs: MlflowRun[] };
    assert.equal(runs.runs.length, 1);
    assert.equal(runs.runs[0]!.info.status, 'FINISHED');
    const versions = (await (
      await fetch(`${mlflow.url}/api/2.0/mlflow/model-versions/search?filter=${encodeURIComponent(`name='${registeredName}'`)}`)
    ).json()) as { model_versions: { version: string; run_id: string }[] };
    assert.deepEqual(
      versions.model_versions.map((v) => [v.version, v.run_id]),
      [['1', runs.runs[0]!.info.run_id]],
    );
    stepsDone = 2;
  });

  it("finds the model in the explorer: the run's logged models and the registered version", async () => {
    assert.equal(stepsDone, 2, 'the notebook did not log the model');
    const experiment = (await (
      await fetch(`${mlflow.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${experimentName}`)
    ).json()) as { experiment: { experiment_id: string } };
    const runs = (await (
      await fetch(`${mlflow.url}/api/2.0/mlflow/runs/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ experiment_ids: [experiment.experiment.experiment_id] }),
      })
    ).json()) as { runs: MlflowRun[] };
    const runName = runs.runs[0]!.info.run_name;
    const container = page.locator('.activitybar [aria-label^="MLflow"]').first();
    await container.click();
    await page.locator('.pane-header[aria-label^="Experiments"]').waitFor({ timeout: 30_000 });
    await expand(page, experimentName);
    await expand(page, runName);
    await expand(page, 'Logged models');
    await row(page, 'phi3-mlflow-model').waitFor({ timeout: 60_000 });
    await saveScreenshot(page, 'e2e-notebook-explorer-logged-model');
    await expand(page, registeredName, 'Models');
    await row(page, 'Version 1', 'Models').waitFor({ timeout: 60_000 });
    await saveScreenshot(page, 'e2e-notebook-explorer-registered');
  });
});
