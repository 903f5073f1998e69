/**
 * The Transformers recipe of a wrapper notebook as a user runs it in Chromium, on the installed VSIX and
 * a real MLflow server: "New Wrapper Notebook…" from the command palette, recipe "Transformers
 * pipeline", a local Hugging Face Phi-3 folder as the model (a tiny random-weight Phi-3 made offline,
 * test/harness/tinyHfPhi3.ts), registered under a name; Run All in .venv-transformers (MLflow 3, torch,
 * transformers). Then the card with the llm/v1/chat signature, the run and the version on the server, and
 * the last cell's predict answering as a chat completion. Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openWorkbench, saveScreenshot } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { type MlflowServer, startMlflowServer } from '../harness/mlflowServer';
import { transformersVenvPython } from '../harness/paths';
import { makeTinyHfPhi3 } from '../harness/tinyHfPhi3';
import { expand, openMlflowContainer, row } from './explorerPage';
import { activeWebview, builtVsix, endSuite, runCommand } from './workbenchPage';

const registeredName = 'e2e-notebook-transformers';
const experimentName = 'phi3-wrappers';

interface MlflowRun {
  info: { run_id: string; run_name: string; status: string };
  inputs?: unknown;
  outputs?: { model_outputs?: { model_id: string }[] };
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  assert.equal(response.status, 200, `${url}: ${await response.clone().text()}`);
  return (await response.json()) as T;
}

describe('a Transformers-pipeline wrapper notebook in the browser', () => {
  let scratch: string;
  let modelFolder: string;
  let browser: Browser;
  let mlflow: MlflowServer;
  let codeServer: CodeServer;
  let page: Page;
  // Each step needs the one before: a failed step fails the next ones at once instead of at their timeouts.
  let stepsDone = 0;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-e2e-notebook-hf-'));
    const workspace = join(scratch, 'ws');
    modelFolder = join(workspace, 'models', 'phi3-tiny-hf');
    mkdirSync(workspace, { recursive: true });
    await makeTinyHfPhi3(modelFolder);
    mlflow = await startMlflowServer();
    codeServer = await startCodeServer({
      workspace,
      // No hub here: the model is a local folder, and nothing may reach out to huggingface.co.
      env: { MLFLOW_TRACKING_URI: '', HF_HUB_OFFLINE: '1' },
      installVsix: [builtVsix()],
      settings: {
        'phi3Mlflow.trackingUri': mlflow.url,
        'phi3Mlflow.pythonPath': transformersVenvPython,
        'notebook.confirmDeleteRunningCell': false,
      },
    });
    browser = await launchChromium();
    page = await openWorkbench(browser, codeServer);
    await page.locator('.activitybar [aria-label^="MLflow"]').first().waitFor({ timeout: 60_000 });
    await page.locator('.monaco-workbench').waitFor();
  });

  after(() => endSuite({ page, screenshot: 'e2e-notebook-transformers-last', browser, servers: [codeServer, mlflow], scratch }));

  it('makes a Transformers-pipeline notebook through the palette, on a local Hugging Face folder', async () => {
    await runCommand(page, 'Phi-3 MLflow: New Wrapper Notebook…');
    const input = page.locator('.quick-input-widget input');
    await page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ hasText: 'Transformers pipeline' })
      .first()
      .waitFor({ timeout: 30_000 });
    await input.fill('Transformers pipeline');
    await input.press('Enter');
    await page
      .locator('.quick-input-widget')
      .filter({ hasText: 'A Hugging Face model id, or a local model folder' })
      .first()
      .waitFor({ timeout: 30_000 });
    assert.equal(await input.inputValue(), 'microsoft/Phi-3-mini-4k-instruct');
    await input.fill(modelFolder);
    await input.press('Enter');
    await page
      .locator('.quick-input-widget')
      .filter({ hasText: 'The artifact path the model is logged under' })
      .first()
      .waitFor({ timeout: 30_000 });
    assert.equal(await input.inputValue(), 'phi3-mlflow-model');
    await input.press('Enter');
    await page.locator('.quick-input-widget').filter({ hasText: 'Register it as' }).first().waitFor({ timeout: 30_000 });
    await input.fill(registeredName);
    await input.press('Enter');
    const settings = page.locator('.notebook-editor .view-lines').filter({ hasText: 'MODEL_ID' }).first();
    await settings.waitFor({ timeout: 30_000 });
    assert.match(
      ((await settings.textContent()) ?? '').replace(/\u00a0/g, ' '),
      new RegExp(`MODEL_ID = "${modelFolder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`),
    );
    await saveScreenshot(page, 'e2e-notebook-transformers-template');
    stepsDone = 1;
  });

  it('runs every cell in .venv-transformers: the card shows the llm/v1/chat signature, predict answers a chat completion', async () => {
    assert.equal(stepsDone, 1, 'the notebook was not made');
    await runCommand(page, 'Notebook: Run All');
    const kernelPick = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Phi-3 MLflow (Python)' }).first();
    if (
      await kernelPick.waitFor({ timeout: 10_000 }).then(
        () => true,
        () => false,
      )
    )
      await kernelPick.click();
    // The card's actions sit in the logging cell's status bar; only cells in view are in the page: go down
    // the notebook with the keyboard, as a user would, until the card shows.
    const showInExplorer = page.locator('.cell-statusbar-container').filter({ hasText: 'Show in MLflow Explorer' }).first();
    await page
      .locator('.notebook-editor .code-cell-row .cell-statusbar-container')
      .first()
      .click({ position: { x: 200, y: 8 } });
    const deadline = Date.now() + 600_000;
    while (!(await showInExplorer.isVisible())) {
      assert.equal(
        await page.locator('.notebook-editor .codicon-notebook-state-error').count(),
        0,
        'a cell failed before the model was logged',
      );
      assert.ok(Date.now() < deadline, 'no logged-model card in 10 minutes');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+End');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('ArrowUp');
      // Then the card, for as long as a cell takes to show its output (most of the time, it is there at once).
      await showInExplorer.waitFor({ timeout: 2_000 }).catch(() => undefined);
    }
    await showInExplorer.scrollIntoViewIfNeeded();
    const status = (await showInExplorer.textContent()) ?? '';
    assert.match(status, /Register…/);
    // A pipeline has no ONNX folder: nothing the local chat could run, so no Test in Chat.
    assert.doesNotMatch(status, /Test in Chat/);
    const outputs = activeWebview(page);
    await outputs.getByText('Logged the model', { exact: false }).first().waitFor({ timeout: 60_000 });
    await outputs.getByText(`${registeredName} version 1`).first().waitFor({ timeout: 30_000 });
    // llm/v1/chat's signature: OpenAI-style messages in (and optional generation params), a chat completion out.
    await outputs
      .getByText(
        /^messages: array<object>, \+ 11 optional \(temperature, max_tokens, .*\) → id: string, object: string, created: long, model: string, choices: array<object>, /,
      )
      .first()
      .waitFor({ timeout: 30_000 });
    await outputs
      .getByText(/transformers, python_function/)
      .first()
      .waitFor();
    await page
      .locator('.notebook-toolbar-container .action-label[aria-label^="Interrupt"]')
      .first()
      .waitFor({ state: 'hidden', timeout: 600_000 });
    assert.equal(await page.locator('.notebook-editor .codicon-notebook-state-error').count(), 0);
    // The last cell (load_model, then predict with messages) ran as the sixth code cell, and answered a chat completion.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+End');
    const lastCell = page.locator('.notebook-editor .code-cell-row').filter({ hasText: 'load_model(model_info' });
    await lastCell.filter({ hasText: '[6]' }).first().waitFor({ timeout: 60_000 });
    assert.equal(await lastCell.locator('.codicon-notebook-state-success').count(), 1);
    const answer = outputs.getByText(/'object': 'chat\.completion'/).first();
    await answer.waitFor({ timeout: 30_000 });
    assert.match(
      (await answer.textContent()) ?? '',
      /'choices': \[\{'index': 0, 'finish_reason': '(length|stop)', 'message': \{'role': 'assistant', 'content': ['"]/,
    );
    await answer.scrollIntoViewIfNeeded().catch(() => undefined);
    await saveScreenshot(page, 'e2e-notebook-transformers-card');

    // What the server has: one finished run in the template's experiment, with the logged model as its
    // output, and the registered version from that run.
    const experiment = await getJson<{ experiment: { experiment_id: string } }>(
      `${mlflow.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${experimentName}`,
    );
    const runs = await getJson<{ runs: MlflowRun[] }>(`${mlflow.url}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ experiment_ids: [experiment.experiment.experiment_id] }),
    });
    assert.equal(runs.runs.length, 1);
    assert.equal(runs.runs[0]!.info.status, 'FINISHED');
    const versions = await getJson<{ model_versions: { version: string; run_id: string; source: string }[] }>(
      `${mlflow.url}/api/2.0/mlflow/model-versions/search?filter=${encodeURIComponent(`name='${registeredName}'`)}`,
    );
    assert.deepEqual(
      versions.model_versions.map((v) => [v.version, v.run_id]),
      [['1', runs.runs[0]!.info.run_id]],
    );
    stepsDone = 2;
  });

  it("finds the model in the explorer: the run's logged models and the registered version", async () => {
    assert.equal(stepsDone, 2, 'the notebook did not log the model');
    const experiment = await getJson<{ experiment: { experiment_id: string } }>(
      `${mlflow.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${experimentName}`,
    );
    const runs = await getJson<{ runs: MlflowRun[] }>(`${mlflow.url}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ experiment_ids: [experiment.experiment.experiment_id] }),
    });
    await openMlflowContainer(page);
    await expand(page, experimentName);
    await expand(page, runs.runs[0]!.info.run_name);
    await expand(page, 'Logged models');
    await row(page, 'phi3-mlflow-model').waitFor({ timeout: 60_000 });
    await expand(page, registeredName, 'Models');
    await row(page, 'Version 1', 'Models').waitFor({ timeout: 60_000 });
    await saveScreenshot(page, 'e2e-notebook-transformers-explorer');
  });
});
