/**
 * "Phi-3: Chat with a Served Model…" on an Azure ML online endpoint and a Databricks serving
 * endpoint, as a user meets it in Chromium on the installed VSIX: the kind, the URL, the Azure
 * deployment, the key or token, the signature, then a chat answer; next time the endpoint is listed
 * and opens without asking for its key; "Forget Served Endpoint…" removes it. The clouds cannot be
 * reached from here: each is a STAND-IN proxy (test/harness/cloudEndpointProxy.ts) enforcing the
 * cloud's URL shape and Bearer header in front of a real `mlflow models serve`. Afterwards no file
 * of the workbench (settings, logs, the chats' saved state) holds the key or the token.
 * Screenshots in test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { launchChromium, openWorkbench, saveScreenshot } from '../harness/browser';
import { type CloudEndpointProxy, startCloudEndpointProxy } from '../harness/cloudEndpointProxy';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { waitForLogLine } from '../harness/extensionLog';
import { type ModelServer, startModelServer } from '../harness/modelServer';
import { saveScoringModels } from '../harness/scoringModels';
import { lastFigures, send } from './chatPage';
import { activeWebview, builtVsix, endSuite, runCommand } from './workbenchPage';

const azureKey = 'e2e-azure-key-5f1c9a2b7d';
const databricksToken = 'dapi-e2e-token-8b3e6c1d4a';

/** Every file under `dir` (recursively), for the search for a leaked secret. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    return stat?.isDirectory() ? filesUnder(path) : stat?.isFile() ? [path] : [];
  });
}

describe('Chat with a Served Model… on Azure ML and Databricks endpoints (stand-in proxies)', () => {
  let scratch: string;
  let browser: Browser;
  let codeServer: CodeServer;
  let page: Page;
  let chat: FrameLocator;
  let chatServer: ModelServer;
  let promptServer: ModelServer;
  let azure: CloudEndpointProxy;
  let databricks: CloudEndpointProxy;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-e2e-cloud-'));
    const workspace = join(scratch, 'workspace');
    mkdirSync(workspace, { recursive: true });
    const models = saveScoringModels(join(scratch, 'served-models'));
    [chatServer, promptServer] = await Promise.all([startModelServer('', models.chatEcho), startModelServer('', models.promptEcho)]);
    [azure, databricks] = await Promise.all([
      startCloudEndpointProxy(chatServer.url, { kind: 'azureml', key: azureKey, deployments: ['blue'] }),
      startCloudEndpointProxy(promptServer.url, { kind: 'databricks', token: databricksToken, endpoints: ['phi3-prompt'] }),
    ]);
    codeServer = await startCodeServer({
      workspace,
      installVsix: [builtVsix()],
      env: { MLFLOW_TRACKING_URI: '' },
      dataDir: join(scratch, 'code-server'),
    });
    browser = await launchChromium();
    page = await openWorkbench(browser, codeServer);
    await page.locator('.activitybar').waitFor({ timeout: 60_000 });
    chat = activeWebview(page);
  });

  after(() =>
    endSuite({ page, screenshot: 'e2e-cloud-last', browser, servers: [codeServer, azure, databricks, chatServer, promptServer], scratch }),
  );

  const row = (text: string) => page.locator('.quick-input-list .monaco-list-row').filter({ hasText: text }).first();

  /** Types `value` into the input box whose prompt says `prompt` (once it has replaced the step before), and accepts it. */
  async function answerInput(prompt: string, value: string): Promise<void> {
    const widget = page.locator('.quick-input-widget').filter({ has: page.locator('.quick-input-message', { hasText: prompt }) });
    await widget.waitFor({ timeout: 15_000 });
    await widget.locator('.quick-input-box input').fill(value);
    await page.keyboard.press('Enter');
  }

  async function openServedPicker(): Promise<void> {
    await page.keyboard.press('Escape');
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'Phi-3: Chat with a Served Model…');
  }

  it('Azure ML: scoring URI, deployment, endpoint key and llm/v1/chat, then a chat answer', async () => {
    await openServedPicker();
    await row('Azure Machine Learning Online Endpoint…').click({ timeout: 15_000 });
    await answerInput("The endpoint's scoring URI", `${azure.origin}/score`);
    await answerInput('A deployment to send to', 'blue');
    await row('Endpoint Key').click({ timeout: 15_000 });
    await answerInput('The endpoint key', azureKey);
    await row('llm/v1/chat').click({ timeout: 15_000 });
    const where = `${azure.origin.replace('http://', '')}/score (blue)`;
    await chat.locator('h1', { hasText: where }).waitFor({ timeout: 60_000 });
    await chat
      .locator('.detail', { hasText: `Served by Azure Machine Learning: ${azure.origin}/score, deployment blue (llm/v1/chat)` })
      .waitFor({ timeout: 30_000 });
    await send(chat, 'Hi');
    assert.match(await lastFigures(chat), /^8 tokens · \d+ ms to first token/);
    assert.equal(
      ((await chat.locator('.turn.assistant .body').last().textContent()) ?? '').trim(),
      '1 messages; last from user: Hi; settings max_tokens=256',
    );
    const sent = azure.requests.at(-1)!;
    assert.deepEqual([sent.path, sent.authorized, sent.deployment, sent.status], ['/score', true, 'blue', 200]);
    await saveScreenshot(page, 'e2e-cloud-azure-chat');
  });

  it("a wrong key gets Azure's 401 in the answer, said as such; Enter a New Key or Token… puts it right", async () => {
    const azureRow = `${azure.origin.replace('http://', '')}/score (deployment blue)`;
    const newKey = async (key: string) => {
      await openServedPicker();
      await row('Enter a New Key or Token…').click({ timeout: 15_000 });
      await page.locator('.quick-input-title', { hasText: 'a new key or token for which endpoint?' }).waitFor({ timeout: 15_000 });
      await row(azureRow).click({ timeout: 15_000 });
      await row('Endpoint Key').click({ timeout: 15_000 });
      await answerInput('The endpoint key', key);
      await chat.locator('h1', { hasText: `${azure.origin.replace('http://', '')}/score (blue)` }).waitFor({ timeout: 60_000 });
    };
    await newKey('not-the-key');
    await send(chat, 'Hi');
    await chat
      .locator('.turn.assistant .error', {
        hasText:
          'Azure Machine Learning refused the key or token (401: Unauthorized: Key or token is missing, invalid or expired.): check the endpoint key, or get a new Microsoft Entra token (they expire), and enter it again.',
      })
      .waitFor({ timeout: 30_000 });
    assert.equal(azure.requests.at(-1)!.status, 401);
    await saveScreenshot(page, 'e2e-cloud-azure-401');
    await newKey(azureKey);
    await send(chat, 'Hi');
    await lastFigures(chat);
    assert.equal(azure.requests.at(-1)!.status, 200);
  });

  it('Databricks: workspace URL with the endpoint, token and {prompt}, then a chat answer', async () => {
    await openServedPicker();
    await row('Databricks Model Serving Endpoint…').click({ timeout: 15_000 });
    await answerInput('The workspace host, or the whole invocations URL', `${databricks.origin}/serving-endpoints/phi3-prompt/invocations`);
    await answerInput('The Databricks personal access or OAuth token', databricksToken);
    await row('{prompt} → string').click({ timeout: 15_000 });
    await chat.locator('h1', { hasText: `${databricks.origin.replace('http://', '')}/serving-endpoints/phi3-prompt/invocations` }).waitFor({
      timeout: 60_000,
    });
    await send(chat, 'Hi');
    await lastFigures(chat);
    assert.match(
      ((await chat.locator('.turn.assistant .body').last().textContent()) ?? '').trim(),
      /^echo: <\|user\|>\s*Hi<\|end\|>\s*<\|assistant\|>$/,
    );
    assert.deepEqual(
      [databricks.requests.at(-1)!.path, databricks.requests.at(-1)!.authorized],
      ['/serving-endpoints/phi3-prompt/invocations', true],
    );
    await saveScreenshot(page, 'e2e-cloud-databricks-chat');
  });

  it('next time both are listed and open without asking for the key; Forget removes one', async () => {
    await openServedPicker();
    const azureRow = row(`${azure.origin.replace('http://', '')}/score (deployment blue)`);
    await azureRow.waitFor({ timeout: 15_000 });
    assert.equal(await row('/serving-endpoints/phi3-prompt/invocations').isVisible(), true);
    await saveScreenshot(page, 'e2e-cloud-remembered');
    const before = azure.requests.length;
    await azureRow.click();
    // Straight to the chat: no key asked, it came from the secret storage.
    await chat.locator('h1', { hasText: `${azure.origin.replace('http://', '')}/score (blue)` }).waitFor({ timeout: 60_000 });
    await send(chat, 'Again');
    await lastFigures(chat);
    assert.equal(azure.requests.length, before + 1);
    assert.equal(azure.requests.at(-1)!.authorized, true);

    await page.keyboard.press('Escape');
    await runCommand(page, 'Phi-3: Forget Served Endpoint…');
    await row(`${azure.origin.replace('http://', '')}/score (deployment blue)`).click({ timeout: 15_000 });
    await page
      .locator('.notification-toast', { hasText: `Forgot ${azure.origin.replace('http://', '')}/score (deployment blue)` })
      .waitFor({
        timeout: 15_000,
      });
    await openServedPicker();
    await row('/serving-endpoints/phi3-prompt/invocations').waitFor({ timeout: 15_000 });
    assert.equal(await row('/score (deployment blue)').count(), 0);
    await page.keyboard.press('Escape');
  });

  it('no file of the workbench holds the key or the token: not settings, logs, nor the saved chats', async () => {
    const dataDir = join(scratch, 'code-server');
    await waitForLogLine(
      join(dataDir, 'user-data', 'logs'),
      `Served model: Azure Machine Learning ${azure.origin}/score (deployment blue), llm/v1/chat`,
    );
    // The chats' state is written when the window saves it: close them so it is on disk.
    await runCommand(page, 'View: Close All Editors');
    const files = [...filesUnder(dataDir), ...filesUnder(join(scratch, 'workspace'))];
    assert.ok(files.some((file) => file.endsWith('settings.json')));
    assert.ok(files.some((file) => file.endsWith('.log')));
    // The search sees what the extension wrote: the endpoint's URL is there (its log line, the saved chat).
    assert.ok(files.some((file) => readFileSync(file).toString('latin1').includes(`${azure.origin}/score`)));
    const leaks = files.filter((file) => {
      const text = readFileSync(file).toString('latin1');
      return text.includes(azureKey) || text.includes(databricksToken);
    });
    assert.deepEqual(leaks, []);
  });
});
