/**
 * Opening a model that lives in MLflow, as a user does it in Chromium on the installed VSIX: a real
 * `mlflow server` holds a wrapper model carrying the random-weight Phi-3 test folder, registered with
 * the alias `champion`; "Phi-3: Open Chat…" → "Model URI…" → `models:/<name>@champion` downloads the
 * ONNX folder into the model cache, the panel is titled with the version the alias points to, and
 * the model answers, and (phi3Mlflow.traces.log "always") its answer is a trace on the server that
 * MLflow's own `mlflow.search_traces` finds. "Phi-3: Clear Model Cache" says what it freed.
 * Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { MlflowClient } from '../../src/mlflow/client';
import { parseTrackingUri } from '../../src/mlflow/trackingUri';
import { launchChromium, openWorkbench, saveScreenshot } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { runMlflowPython } from '../harness/mlflowPython';
import { type MlflowServer, startMlflowServer } from '../harness/mlflowServer';
import { logTestWrapper } from '../harness/testWrapperModel';
import { lastFigures, send } from './chatPage';
import { activeWebview, builtVsix, endSuite, runCommand } from './workbenchPage';

const registered = 'phi3-e2e-chat';
const traceExperiment = 'e2e chat traces';

/** The traces `mlflow.search_traces` finds in the experiment: their model tag, kind, spans and state. */
const searchTraces = `
import json, sys, mlflow
args = json.loads(sys.argv[1])
experiment = mlflow.get_experiment_by_name(args["experiment"])
traces = mlflow.search_traces(locations=[experiment.experiment_id], return_type="list")
print(json.dumps([{"model": t.info.tags.get("phi3.model"), "kind": t.info.tags.get("phi3.chat.kind"), "state": t.info.state.value,
                   "spans": [s.name for s in t.data.spans], "output": t.data.spans[0].outputs} for t in traces]))
`;

describe('the chat on a model in MLflow, in the browser', () => {
  let scratch: string;
  let mlflow: MlflowServer;
  let browser: Browser;
  let codeServer: CodeServer;
  let page: Page;
  let chat: FrameLocator;
  const cacheDir = () => join(scratch, 'model-cache');

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-e2e-chat-mlflow-'));
    mlflow = await startMlflowServer();
    const client = new MlflowClient({ uri: parseTrackingUri(mlflow.url), auth: { kind: 'none' } });
    await logTestWrapper(client, { experiment: 'e2e chat', runName: 'e2e-wrapper', registeredModelName: registered });
    // A second version, so @champion (version 1) is not simply the latest.
    const first = await client.registry.getVersion(registered, '1');
    await client.registry.createVersion({ name: registered, source: first.source, runId: first.runId, modelId: first.modelId });

    const workspace = join(scratch, 'ws');
    mkdirSync(workspace, { recursive: true });
    codeServer = await startCodeServer({
      workspace,
      installVsix: [builtVsix()],
      // The extension connects to MLFLOW_TRACKING_URI when its setting is empty.
      env: { MLFLOW_TRACKING_URI: mlflow.url },
      dataDir: join(scratch, 'code-server'),
      settings: {
        'phi3Mlflow.chat.modelCacheDirectory': cacheDir(),
        'phi3Mlflow.traces.log': 'always',
        'phi3Mlflow.traces.experiment': traceExperiment,
      },
    });
    browser = await launchChromium();
    page = await openWorkbench(browser, codeServer);
    await page.locator('.activitybar').waitFor({ timeout: 60_000 });
    chat = activeWebview(page);
  });

  after(() => endSuite({ page, screenshot: 'e2e-chat-mlflow-last', browser, servers: [codeServer, mlflow], scratch }));

  it('opens models:/<name>@champion from "Phi-3: Open Chat…": downloaded, titled with its version, and it answers', async () => {
    // Any of its commands activates the extension, which connects to MLFLOW_TRACKING_URI; the status bar says when it has.
    await runCommand(page, 'Phi-3 MLflow: Show Log');
    await page
      .locator('.statusbar')
      .getByText(/MLflow 3\.\d+\.\d+/)
      .first()
      .waitFor({ timeout: 60_000 });
    await runCommand(page, 'Phi-3: Open Chat…');
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Model URI…' }).first().click({ timeout: 30_000 });
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget', { hasText: 'Open a Model in MLflow' }).waitFor({ timeout: 15_000 });
    await input.fill(`models:/${registered}@champion`);
    await input.press('Enter');
    await chat.locator('h1', { hasText: `${registered} v1 (@champion)` }).waitFor({ timeout: 120_000 });
    assert.equal(await page.locator('.tab', { hasText: `Chat: ${registered} v1 (@champion)` }).count(), 1);
    await chat.locator('.context .label', { hasText: /^Context: \d+ of 4096 tokens$/ }).waitFor({ timeout: 120_000 });
    assert.equal(readdirSync(cacheDir()).length, 1, 'one model in the cache');
    assert.match(
      (await chat.locator('header .detail, .detail').first().textContent()) ?? '',
      new RegExp(`^MLflow model models:/${registered}/1 from ${mlflow.url}, downloaded to ${cacheDir()}/`),
    );
    await send(chat, 'Hello');
    assert.match(await lastFigures(chat, 120_000), /^\d+ tokens · \d+ ms to first token/);
    const answer = (await chat.locator('.turn.assistant .body').last().textContent()) ?? '';
    assert.ok(answer.length > 0, 'the model answered');
    await chat.locator('#tracing', { hasText: `Traced to experiment "${traceExperiment}" on ${mlflow.url}` }).waitFor({ timeout: 30_000 });
    await saveScreenshot(page, 'e2e-chat-mlflow-alias');

    // The trace is sent in the background: wait until the server lists it, then read it as MLflow's Python client does.
    const client = new MlflowClient({ uri: parseTrackingUri(mlflow.url), auth: { kind: 'none' } });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const experiment = await client.experiments.getByName(traceExperiment);
      const found = experiment ? await client.traces.searchPage({ experimentIds: [experiment.experimentId] }) : undefined;
      if (found?.items.length) break;
      assert.ok(Date.now() < deadline, 'the answer was traced within a minute');
      await new Promise((resolveSoon) => setTimeout(resolveSoon, 250));
    }
    const traces = await runMlflowPython<Array<{ model: string; kind: string; state: string; spans: string[]; output: string }>>(
      searchTraces,
      { experiment: traceExperiment },
      { trackingUri: mlflow.url },
    );
    assert.equal(traces.length, 1);
    const { output, ...trace } = traces[0]!;
    assert.deepEqual(trace, {
      model: `models:/${registered}@champion`,
      kind: 'chat',
      state: 'OK',
      spans: ['chat', 'tokenize', 'prefill', 'decode'],
    });
    // The page shows the answer rendered from Markdown; the trace keeps the model's text (the unit tests compare it exactly).
    assert.ok(typeof output === 'string' && output.length > 0, `the trace's output: ${JSON.stringify(output)}`);
  });

  it('"Phi-3: Clear Model Cache" asks first with the size, then says how much it freed', async () => {
    await runCommand(page, 'Phi-3: Clear Model Cache');
    const dialog = page.locator('.monaco-dialog-box').filter({ hasText: /Delete 1 cached model \(\d+\.\d MiB\) from / });
    await dialog.waitFor({ timeout: 30_000 });
    await saveScreenshot(page, 'e2e-chat-mlflow-clear-confirm');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    const toast = page.locator('.notification-toast', { hasText: 'Cleared the model cache' });
    await toast.waitFor({ timeout: 30_000 });
    assert.match((await toast.textContent()) ?? '', /freed \d+\.\d MiB \(1 model\)/);
    assert.deepEqual(readdirSync(cacheDir()), []);
    await saveScreenshot(page, 'e2e-chat-mlflow-cleared');
  });
});
