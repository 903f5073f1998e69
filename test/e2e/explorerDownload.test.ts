/**
 * Downloading artifacts as a user does it in Chromium, on the installed VSIX: Download Artifacts… on
 * a large artifact, the folder typed into VS Code's file dialog, the progress notification, and its
 * Cancel button. The artifact comes from a real MLflow server through a proxy that slows artifact
 * downloads down, so there is time to press Cancel while bytes are being written.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type TransformCallback, pipeline } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openWorkbench, saveScreenshot } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { writeLargeFile } from '../harness/largeFile';
import { type MlflowServer, startMlflowServer } from '../harness/mlflowServer';
import { builtVsix, clearHovers, contextMenu, expand, openMlflowContainer, row } from './explorerPage';
import { chooseInFileDialog, endSuite } from './workbenchPage';
import { until } from '../harness/until';

const artifactMib = 48;
/** Per response: the download takes ranges four at a time, so about 1 MiB/s in all, ~50 s for the file. */
const bytesPerSecond = 256 * 1024;

/** Passes bytes on no faster than `bytesPerSecond`. */
class Throttle extends Transform {
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.push(chunk);
    setTimeout(done, (chunk.length / bytesPerSecond) * 1000);
  }
}

interface SlowArtifactProxy {
  readonly url: string;
  /** Artifact downloads whose connection is still open. */
  readonly openDownloads: () => number;
  readonly stop: () => Promise<void>;
}

/** Forwards everything to the MLflow server; artifact downloads come back slowly. */
async function startSlowArtifactProxy(target: string): Promise<SlowArtifactProxy> {
  const { hostname, port } = new URL(target);
  let open = 0;
  const server: Server = createServer((incoming, outgoing) => {
    const download = incoming.method === 'GET' && (incoming.url ?? '').startsWith('/api/2.0/mlflow-artifacts/artifacts/');
    const upstream = httpRequest({ hostname, port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!download) {
        pipeline(answer, outgoing, () => undefined);
        return;
      }
      open++;
      outgoing.on('close', () => open--);
      pipeline(answer, new Throttle(), outgoing, () => undefined);
    });
    upstream.on('error', () => outgoing.destroy());
    // A client that hangs up (a cancelled download) stops the request to the server too.
    outgoing.on('close', () => upstream.destroy());
    pipeline(incoming, upstream, () => undefined);
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    openDownloads: () => open,
    stop: () =>
      new Promise((resolveStop) => {
        server.closeAllConnections();
        server.close(() => resolveStop());
      }),
  };
}

async function mlflowPost<T>(base: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${base}/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return (await response.json()) as T;
}

describe('downloading artifacts in the browser', () => {
  let scratch: string;
  let downloads: string;
  let mlflow: MlflowServer;
  let proxy: SlowArtifactProxy;
  let codeServer: CodeServer;
  let browser: Browser;
  let page: Page;
  let workspace: string;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-e2e-download-'));
    downloads = join(scratch, 'downloads');
    mkdirSync(downloads);
    mlflow = await startMlflowServer();
    const { experiment_id: experimentId } = await mlflowPost<{ experiment_id: string }>(mlflow.url, 'experiments/create', {
      name: 'Downloads',
    });
    const { run } = await mlflowPost<{ run: { info: { run_id: string; artifact_uri: string } } }>(mlflow.url, 'runs/create', {
      experiment_id: experimentId,
      run_name: 'big-artifact',
      start_time: Date.now(),
    });
    // The run's artifacts live behind the server's artifact proxy (mlflow-artifacts:/<experiment>/<run>/artifacts).
    const artifactRoot = run.info.artifact_uri.replace(/^mlflow-artifacts:\/*/, '');
    const file = await writeLargeFile(join(scratch, 'big.bin'), artifactMib);
    const upload = await fetch(`${mlflow.url}/api/2.0/mlflow-artifacts/artifacts/${artifactRoot}/big.bin`, {
      method: 'PUT',
      body: readFileSync(file),
    });
    assert.equal(upload.status, 200, await upload.text());
    rmSync(file);
    proxy = await startSlowArtifactProxy(mlflow.url);
    // The extension connects to MLFLOW_TRACKING_URI by itself, as MLflow's own clients do.
    workspace = mkdtempSync(join(scratch, 'ws-'));
    codeServer = await startCodeServer({ workspace, installVsix: [builtVsix()], env: { MLFLOW_TRACKING_URI: proxy.url } });
    browser = await launchChromium();
    page = await openWorkbench(browser, codeServer);
    await openMlflowContainer(page);
  });

  after(() => endSuite({ page, screenshot: 'e2e-download-last', browser, servers: [codeServer, proxy, mlflow], scratch }));

  it('cancels a download from its notification: the notification goes, a message says so, no partial file is left', async () => {
    await expand(page, 'Downloads');
    await expand(page, 'big-artifact');
    await expand(page, 'Artifacts');
    await row(page, 'big.bin').waitFor({ timeout: 30_000 });
    await contextMenu(page, 'big.bin', 'Download Artifacts…');

    // VS Code's own folder dialog (the simple one a remote workbench shows): type the folder, then its OK button.
    await chooseInFileDialog(page, { title: 'Download big.bin', startFolder: workspace, path: `${downloads}/`, okLabel: 'Download Here' });

    const progress = page.locator('.notification-toast').filter({ hasText: 'Downloading big.bin' });
    await progress.waitFor({ timeout: 30_000 });
    // Bytes arrive and are written under a temporary name, never as big.bin itself.
    await progress.filter({ hasText: new RegExp(`(?:[1-9]\\d*\\.\\d|0\\.[1-9]) of ${artifactMib}\\.0 MiB`) }).waitFor({ timeout: 60_000 });
    const during = readdirSync(downloads);
    assert.equal(during.length, 1, `one partial file while downloading, found: ${during.join(', ')}`);
    assert.match(during[0]!, /^big\.bin\.partial-[0-9a-f]{8}$/);
    assert.ok(proxy.openDownloads() > 0);
    await saveScreenshot(page, 'e2e-download-in-progress');

    await clearHovers(page);
    await progress.getByRole('button', { name: 'Cancel' }).click();
    await progress.waitFor({ state: 'hidden', timeout: 30_000 });
    await page
      .locator('.notification-toast')
      .filter({ hasText: 'Download of big.bin cancelled; no partial files were kept.' })
      .waitFor({ timeout: 30_000 });
    assert.deepEqual(readdirSync(downloads), []);
    // The cancel reached the wire: no download is still streaming through the proxy.
    await until('the cancelled downloads to close', () => proxy.openDownloads() === 0, 30_000);
    await saveScreenshot(page, 'e2e-download-cancelled');
  });
});
