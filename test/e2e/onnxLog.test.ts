/**
 * "Log ONNX Folder as MLflow Model…" as a user does it in Chromium, on the installed VSIX and a real
 * MLflow server: right-click a model folder in the file explorer, fill the form (a field's problem
 * shows as it is typed), Log, and the logged model's card in the form; then the version the alias
 * names, read back through MLflow's REST API. Screenshots go to test-results/.
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
import { repoRoot } from '../harness/paths';
import { activeWebview, builtVsix, chooseMenuItem, endSuite, runCommand } from './workbenchPage';

const modelName = 'phi3-tiny-genai-int4';
const fixtureModel = join(repoRoot, 'test', 'fixtures', 'models', modelName);
const registeredName = 'e2e-onnx-form';
const experimentName = 'e2e ONNX form';

describe('the ONNX folder log form in the browser', () => {
  let scratch: string;
  let browser: Browser;
  let mlflow: MlflowServer;
  let codeServer: CodeServer;
  let page: Page;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-e2e-onnx-log-'));
    const workspace = join(scratch, 'ws');
    mkdirSync(join(workspace, 'models'), { recursive: true });
    cpSync(fixtureModel, join(workspace, 'models', modelName), {
      recursive: true,
      filter: (source) => !/reference/.test(source.slice(fixtureModel.length)),
    });
    mlflow = await startMlflowServer();
    codeServer = await startCodeServer({
      workspace,
      installVsix: [builtVsix()],
      env: { MLFLOW_TRACKING_URI: '' },
      // One row per folder: a compact "models / phi3-…" row would be the models folder's when right-clicked.
      settings: { 'phi3Mlflow.trackingUri': mlflow.url, 'explorer.compactFolders': false },
    });
    browser = await launchChromium();
    page = await openWorkbench(browser, codeServer);
    await page.locator('.activitybar [aria-label^="MLflow"]').first().waitFor({ timeout: 60_000 });
  });

  after(() => endSuite({ page, screenshot: 'e2e-onnx-log-last', browser, servers: [codeServer, mlflow], scratch }));

  it('logs a model folder from its context menu through the form, registered with an alias, and shows the card', async () => {
    await runCommand(page, 'View: Show Explorer');
    const tree = page.locator('.explorer-folders-view');
    const row = (name: string) =>
      tree
        .locator('.monaco-list-row')
        .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${name}$`) }) })
        .first();
    const models = row('models');
    await models.waitFor({ timeout: 30_000 });
    if ((await models.getAttribute('aria-expanded')) !== 'true') await models.click();
    const entryIn = (menu: string) => page.locator('.monaco-menu .action-item', { hasText: menu }).first();
    // The menu's when clause reads a context key the extension sets once it has searched the workspace:
    // until then the entry is not in the menu, so the menu is opened again until it is.
    const entry = entryIn('Log ONNX Folder as MLflow Model…');
    for (let attempt = 0; ; attempt++) {
      await row(modelName).click({ button: 'right', timeout: 30_000 });
      await page.locator('.monaco-menu .action-item').first().waitFor({ timeout: 15_000 });
      if (
        await entry.waitFor({ timeout: 5_000 }).then(
          () => true,
          () => false,
        )
      )
        break;
      assert.ok(attempt < 12, 'the context menu of the model folder never offered Log ONNX Folder as MLflow Model…');
      await page.keyboard.press('Escape');
    }
    await chooseMenuItem(page, 'Log ONNX Folder as MLflow Model…');

    const form = activeWebview(page);
    await form.locator('h1', { hasText: 'Log ONNX Folder as MLflow Model' }).waitFor({ timeout: 60_000 });
    await form.locator('#folder', { hasText: join(scratch, 'ws', 'models', modelName) }).waitFor({ timeout: 30_000 });
    await form.locator('#server', { hasText: `Logs to ${mlflow.url}` }).waitFor({ timeout: 30_000 });
    assert.equal(await form.locator('#field-modelName').inputValue(), 'phi3-mlflow-model');
    assert.equal(await form.locator('#field-artifactName').inputValue(), 'phi3-mini-onnx');

    await form.locator('#field-experiment').fill(experimentName);
    await form.locator('#field-registeredModelName').fill(registeredName);
    await form.locator('#field-alias').fill('latest');
    // Checked as typed, with the message the extension would give on Log.
    await form
      .locator('#field-alias-problem', { hasText: 'An alias cannot be "latest": MLflow reserves "latest" and v<number> for versions' })
      .waitFor({ timeout: 15_000 });
    await form.locator('#field-searchOptions-max_length').fill('48');
    await saveScreenshot(page, 'e2e-onnx-log-form');
    await form.locator('#field-alias').fill('champion');
    assert.equal(await form.locator('#field-alias-problem').textContent(), '');
    await form.locator('#log').click();

    await form.locator('#card h2', { hasText: 'Logged the wrapper model' }).waitFor({ timeout: 300_000 });
    const registered = form.locator('#card tr', { hasText: 'Registered' });
    assert.equal(((await registered.locator('td').textContent()) ?? '').trim(), `${registeredName} version 1 (alias champion)`);
    for (const button of ['Register…', 'Test in Chat', 'Open in MLflow UI', 'Copy Model URI'])
      assert.equal(await form.locator('#card button', { hasText: button }).count(), 1, button);
    await saveScreenshot(page, 'e2e-onnx-log-card');

    // Not on a folder without genai_config.json.
    await models.click({ button: 'right' });
    await page.locator('.monaco-menu .action-item').first().waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('.monaco-menu .action-item', { hasText: 'Log ONNX Folder as MLflow Model' }).count(), 0);
    await page.keyboard.press('Escape');

    const alias = (await (
      await fetch(`${mlflow.url}/api/2.0/mlflow/registered-models/alias?name=${registeredName}&alias=champion`)
    ).json()) as { model_version: { version: string; source: string; run_id: string } };
    assert.equal(alias.model_version.version, '1');
    const modelUri = ((await form.locator('#card tr', { hasText: 'Model URI' }).locator('td').textContent()) ?? '').trim();
    assert.equal(alias.model_version.source, modelUri);
    const run = ((await form.locator('#card tr', { hasText: /^Run/ }).locator('td').textContent()) ?? '').trim();
    assert.equal(alias.model_version.run_id, run);
  });
});
