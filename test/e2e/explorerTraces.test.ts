/**
 * An experiment's traces as a user sees them in Chromium, on the installed VSIX and a real server
 * holding chat traces: the Traces node, a trace's span tree, a span's details in the read-only
 * editor, and the trace's page in MLflow's own web UI at the address Open in MLflow UI opens.
 * Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { MlflowClient } from '../../src/mlflow/client';
import { webUiPaths } from '../../src/mlflow/modelUris';
import { chatTrace, type ChatTraceInput } from '../../src/mlflow/traces/chatTrace';
import { parseTrackingUri } from '../../src/mlflow/trackingUri';
import { launchChromium, openWorkbench, saveScreenshot } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { type MlflowServer, startMlflowServer } from '../harness/mlflowServer';
import { builtVsix, clickRow, expand, openMlflowContainer, row } from './explorerPage';
import { endSuite } from './workbenchPage';

/** A chat answer with its tokenize, prefill and decode phases, `index` seconds after the first. */
function answer(index: number, overrides: Partial<ChatTraceInput> = {}): ChatTraceInput {
  const start = Date.UTC(2026, 11, 4, 12, 0, 0) + index * 1000;
  return {
    source: 'local',
    model: 'phi3-mini-4k-int4',
    messages: [{ role: 'user', content: `question ${index}` }],
    settings: { max_new_tokens: 64 },
    answer: `answer ${index}`,
    startMs: start,
    endMs: start + 120,
    tokenize: { startMs: start, endMs: start + 2, promptTokens: 9 },
    prefill: { startMs: start + 2, endMs: start + 40, promptTokens: 9 },
    decode: { startMs: start + 40, endMs: start + 120, generatedTokens: 4, tokensPerSecond: 50 },
    outcome: { kind: 'completed', finishReason: 'eos' },
    ...overrides,
  };
}

describe("an experiment's traces in the browser", () => {
  let scratch: string;
  let browser: Browser;
  let mlflow: MlflowServer;
  let codeServer: CodeServer;
  let page: Page;
  let experimentId: string;
  const traceIds: string[] = [];

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-e2e-traces-'));
    mlflow = await startMlflowServer();
    const client = new MlflowClient({ uri: parseTrackingUri(mlflow.url), auth: { kind: 'none' } });
    experimentId = await client.experiments.create('Chat traces');
    for (const [index, overrides] of [{}, { outcome: { kind: 'failed', message: 'out of memory' } } as const, {}].entries())
      traceIds.push((await client.traces.logTrace(experimentId, chatTrace(answer(index, overrides)))).traceId);
    // The extension connects to MLFLOW_TRACKING_URI by itself, as MLflow's own clients do.
    codeServer = await startCodeServer({
      workspace: mkdtempSync(join(scratch, 'ws-')),
      installVsix: [builtVsix()],
      env: { MLFLOW_TRACKING_URI: mlflow.url },
    });
    browser = await launchChromium();
    page = await openWorkbench(browser, codeServer);
    await openMlflowContainer(page);
  });

  after(() => endSuite({ page, screenshot: 'e2e-traces-last', browser, servers: [codeServer, mlflow], scratch }));

  it("lists the experiment's traces newest first under Traces, the failed one marked", async () => {
    await expand(page, 'Chat traces');
    await expand(page, 'Traces');
    await row(page, 'question 2').waitFor({ timeout: 30_000 });
    const labels = await page.locator('.part.sidebar .monaco-list-row .label-name').allTextContents();
    assert.deepEqual(
      labels.filter((l) => l.startsWith('question')),
      ['question 2', 'question 1', 'question 0'],
    );
    assert.match((await row(page, 'question 1').locator('.label-description').textContent()) ?? '', /^ERROR · .* · 120ms$/);
    assert.equal(await row(page, 'question 1').locator('.codicon-error').count(), 1);
    await saveScreenshot(page, 'e2e-explorer-traces');
  });

  it('expands a trace to its spans and shows a span in the read-only trace editor', async () => {
    await expand(page, 'question 2');
    await row(page, 'decode').waitFor({ timeout: 30_000 });
    assert.match((await row(page, 'chat').locator('.label-description').textContent()) ?? '', /^CHAT_MODEL · 120ms$/);
    await clickRow(page, 'decode');
    const editor = page.locator('.editor-instance .view-lines');
    await editor.filter({ hasText: 'decode · TASK · OK' }).waitFor({ timeout: 30_000 });
    await page
      .locator('.tab')
      .filter({ hasText: `${traceIds[2]}.txt` })
      .first()
      .waitFor();
    await saveScreenshot(page, 'e2e-explorer-trace-details');
    await page.keyboard.press('Control+W').catch(() => undefined);
  });

  it("opens at Open in MLflow UI's address in MLflow's own web UI, on the trace with its spans", async () => {
    const ui = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      await ui.goto(`${mlflow.url}/#${webUiPaths.trace(experimentId, traceIds[2]!)}`);
      // Child spans appear only in the trace's own view, not in the traces table.
      await ui.getByText('tokenize', { exact: true }).first().waitFor({ timeout: 90_000 });
      await ui.getByText('decode', { exact: true }).first().waitFor();
      await saveScreenshot(ui, 'e2e-mlflow-ui-trace');
    } finally {
      await ui.close();
    }
  });
});
