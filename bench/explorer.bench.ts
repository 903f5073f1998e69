/**
 * The sidebar explorer on a large server, against MLflow's own web UI (and its Python client as the
 * floor of what the REST API allows), in one run, in the same Chromium:
 *   - expanding an experiment to its first page of runs: a click on the experiment in the tree until
 *     the first run's row shows, against the MLflow UI's in-app navigation to the experiment until
 *     the same run shows in its runs table (`#/experiments/<id>/runs`), and `MlflowClient.search_runs(max_results=50)`;
 *   - memory after browsing (20 experiments expanded, 5 more pages of a 5,000-run experiment loaded,
 *     5 runs' details opened): the extension host's resident memory, against the JS heap of the
 *     MLflow UI's tab after the same browsing there.
 * On a server seeded with 2,000 experiments and 20,000 runs (5,000 of them in one experiment).
 *
 *   npm run package && node scripts/build.mjs --tests && node out/bench/explorer.bench.js \
 *     [--experiments 2000] [--runs 20000] [--big-runs 5000] [--repeat 5] [--data-dir DIR]
 * With --data-dir, the seeded server is kept there and reused by the next run (seeding takes minutes).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { MlflowClient } from '../src/mlflow/client';
import { parseTrackingUri } from '../src/mlflow/trackingUri';
import { launchChromium } from '../test/harness/browser';
import { startCodeServer } from '../test/harness/codeServer';
import { startMlflowServer } from '../test/harness/mlflowServer';
import { repoRoot, venvPython } from '../test/harness/paths';

const { values } = parseArgs({
  options: {
    experiments: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '20000' },
    'big-runs': { type: 'string', default: '5000' },
    repeat: { type: 'string', default: '5' },
    'data-dir': { type: 'string' },
  },
});
const experimentCount = Number(values.experiments);
const runCount = Number(values.runs);
const bigRuns = Number(values['big-runs']);
const repeat = Number(values.repeat);
const bigName = 'bench-big';

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;

/** Experiments first, then runs; the 5,000-run experiment is created last so it is the most recently updated. */
async function seed(client: MlflowClient): Promise<void> {
  console.log(`seeding ${experimentCount} experiments and ${runCount} runs…`);
  const started = performance.now();
  const ids: string[] = [];
  await pool(Array.from({ length: experimentCount - 1 }, (_, i) => i), 8, async (i) => {
    ids[i] = await client.experiments.create(`bench-${String(i).padStart(5, '0')}`);
  });
  const big = await client.experiments.create(bigName);
  const targets = Array.from({ length: runCount }, (_, i) => (i < bigRuns ? big : ids[(i - bigRuns) % ids.length]!));
  await pool(targets.map((experimentId, i) => ({ experimentId, i })), 8, async ({ experimentId, i }) => {
    const run = await client.runs.create(experimentId, { runName: `run-${String(i).padStart(5, '0')}`, startTime: 1_700_000_000_000 + i * 1000 });
    await client.runs.logBatch(run.info.runId, {
      params: { lr: String(0.001 * (i % 10)), quant: i % 2 ? 'int4' : 'fp32' },
      metrics: [0, 1, 2].map((step) => ({ key: 'loss', value: 1 / (step + 1 + i), timestamp: 1_700_000_000_000 + step, step })),
    });
    await client.runs.update(run.info.runId, { status: 'FINISHED', endTime: 1_700_000_000_000 + i * 1000 + 60_000 });
  });
  console.log(`seeded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/** The resident memory of a process and its name, from /proc. */
function rssMib(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** The extension host of the code-server listening on this port: a descendant whose command line says extensionHost. */
function extensionHostPid(port: number): number {
  const processes = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        const ppid = Number(/^\d+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1]);
        return { pid: Number(pid), ppid, cmdline };
      } catch {
        return undefined;
      }
    })
    .filter((p): p is { pid: number; ppid: number; cmdline: string } => p !== undefined);
  const root = processes.find((p) => p.cmdline.includes(`--bind-addr 127.0.0.1:${port}`));
  if (!root) throw new Error(`no code-server on port ${port}`);
  const descendants = new Set([root.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of processes) if (descendants.has(p.ppid) && !descendants.has(p.pid)) grew = descendants.add(p.pid) !== undefined;
  }
  const host = processes.find((p) => descendants.has(p.pid) && p.cmdline.includes('extensionHost'));
  if (!host) throw new Error('no extension host process found');
  return host.pid;
}

function treeRow(page: Page, label: string) {
  return page.locator('.part.sidebar .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();
}

/** The Experiments view's Refresh button (shown on hover): drops what the tree has loaded. */
async function refreshTree(page: Page): Promise<void> {
  const header = page.locator('.pane-header[aria-label^="Experiments"]');
  await header.hover();
  await header.locator('.action-label[aria-label="Refresh"]').click();
}

async function timeExpansion(page: Page, experiment: string, firstRun: string): Promise<number> {
  // Each expansion asks the server again.
  await refreshTree(page);
  const row = treeRow(page, experiment);
  await row.waitFor({ timeout: 60_000 });
  if ((await row.getAttribute('aria-expanded')) === 'true') await row.click();
  const started = performance.now();
  await row.click();
  await treeRow(page, firstRun).waitFor({ timeout: 60_000 });
  const elapsed = performance.now() - started;
  await row.click(); // collapsed again, so the next experiment stays in view
  return elapsed;
}

async function timeMlflowUi(page: Page, experimentId: string, otherId: string, firstRun: string): Promise<number> {
  await page.evaluate((id) => (window.location.hash = `#/experiments/${id}/runs`), otherId);
  await page.waitForTimeout(1500);
  const started = performance.now();
  await page.evaluate((id) => (window.location.hash = `#/experiments/${id}/runs`), experimentId);
  await page.getByText(firstRun, { exact: true }).first().waitFor({ timeout: 60_000 });
  return performance.now() - started;
}

async function main(): Promise<void> {
  const vsix = readdirSync(repoRoot).find((f) => /^phi3-mlflow-.*\.vsix$/.test(f));
  if (!vsix) throw new Error('No VSIX: run `npm run package` first.');
  const dataDir = values['data-dir'] ?? mkdtempSync(join(tmpdir(), 'phi3-mlflow-explorer-bench-'));
  mkdirSync(dataDir, { recursive: true });
  const reuse = existsSync(join(dataDir, 'mlflow.db'));
  const server = await startMlflowServer({ dataDir });
  const scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-explorer-bench-ws-'));
  try {
    const client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    console.log(`MLflow ${await client.serverVersion()} at ${server.url}`);
    let big = await client.experiments.getByName(bigName);
    if (!big) {
      if (reuse) console.log('the store in --data-dir has no bench data: seeding it');
      await seed(client);
      big = (await client.experiments.getByName(bigName))!;
    }
    const small = (await client.experiments.searchPage({ maxResults: 2, orderBy: ['last_update_time DESC'] })).items.find((e) => e.experimentId !== big!.experimentId)!;
    const newestRun = async (experimentId: string) =>
      (await client.runs.searchPage({ experimentIds: [experimentId], maxResults: 1, orderBy: ['attributes.start_time DESC'] })).items[0]!.info.runName;
    const [bigFirst, smallFirst] = [await newestRun(big.experimentId), await newestRun(small.experimentId)];

    const codeServer = await startCodeServer({ workspace: scratch, installVsix: [join(repoRoot, vsix)], settings: { 'phi3Mlflow.trackingUri': server.url } });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(`${codeServer.url}/?folder=${encodeURIComponent(scratch)}`);
      const container = page.locator('.activitybar [aria-label^="MLflow"]').first();
      await container.waitFor({ timeout: 60_000 });
      await container.click();
      await treeRow(page, bigName).waitFor({ timeout: 60_000 });
      const hostPid = extensionHostPid(codeServer.port);
      const hostBefore = rssMib(hostPid);

      const ours = { big: [] as number[], small: [] as number[] };
      for (let i = 0; i < repeat; i++) {
        ours.big.push(await timeExpansion(page, bigName, bigFirst));
        ours.small.push(await timeExpansion(page, small.name, smallFirst));
      }

      const ui = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await ui.goto(`${server.url}/#/experiments/${small.experimentId}/runs`);
      await ui.getByText(smallFirst, { exact: true }).first().waitFor({ timeout: 120_000 });
      const cdp = await ui.context().newCDPSession(ui);
      await cdp.send('Performance.enable');
      const heapMib = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 1024 / 1024;
      const uiHeapBefore = await heapMib();
      const theirs = { big: [] as number[], small: [] as number[] };
      for (let i = 0; i < repeat; i++) {
        theirs.big.push(await timeMlflowUi(ui, big.experimentId, small.experimentId, bigFirst));
        theirs.small.push(await timeMlflowUi(ui, small.experimentId, big.experimentId, smallFirst));
      }

      const python = spawnSync(
        venvPython,
        [
          '-c',
          'import sys, time, json\nfrom mlflow.tracking import MlflowClient\nc = MlflowClient()\nts = []\nfor _ in range(int(sys.argv[2])):\n    s = time.perf_counter(); c.search_runs([sys.argv[1]], max_results=50, order_by=["attributes.start_time DESC"]); ts.append((time.perf_counter() - s) * 1000)\nprint(json.dumps(sorted(ts)[len(ts) // 2]))',
          big.experimentId,
          String(repeat),
        ],
        { encoding: 'utf8', env: { ...process.env, MLFLOW_TRACKING_URI: server.url } },
      );
      if (python.status !== 0) throw new Error(`python failed: ${python.stderr.slice(-2000)}`);
      const pythonMs = Number(python.stdout.trim().split('\n').at(-1));

      // Browsing: 20 experiments expanded, 5 more pages of the big one, 5 runs' details.
      await refreshTree(page);
      await treeRow(page, bigName).waitFor({ timeout: 60_000 });
      const names = (await client.experiments.searchPage({ maxResults: 20, orderBy: ['last_update_time DESC'] })).items.map((e) => e.name);
      for (const name of names.slice(1).reverse()) {
        await treeRow(page, name).click();
        await page.waitForTimeout(300);
        await treeRow(page, name).click();
      }
      await treeRow(page, bigName).click();
      await treeRow(page, bigFirst).waitFor({ timeout: 60_000 });
      for (let pageIndex = 1; pageIndex <= 5; pageIndex++) {
        await page.keyboard.press('End');
        await page.keyboard.press('Enter');
        await treeRow(page, `run-${String(bigRuns - 1 - 50 * (pageIndex + 1) + 1).padStart(5, '0')}`).waitFor({ timeout: 60_000 }).catch(() => page.waitForTimeout(2000));
      }
      await page.keyboard.press('Home');
      const runs = (await client.runs.searchPage({ experimentIds: [big.experimentId], maxResults: 5, orderBy: ['attributes.start_time DESC'] })).items;
      for (const run of runs) {
        await treeRow(page, run.info.runName).click();
        await treeRow(page, 'Parameters').first().waitFor({ timeout: 60_000 });
        await treeRow(page, run.info.runName).click();
      }
      await page.waitForTimeout(2000);
      const hostAfter = rssMib(hostPid);

      for (const experiment of (await client.experiments.searchPage({ maxResults: 20, orderBy: ['last_update_time DESC'] })).items) {
        await ui.evaluate((id) => (window.location.hash = `#/experiments/${id}/runs`), experiment.experimentId);
        await ui.waitForTimeout(600);
      }
      await ui.evaluate((id) => (window.location.hash = `#/experiments/${id}/runs`), big.experimentId);
      await ui.getByText(bigFirst, { exact: true }).first().waitFor({ timeout: 60_000 });
      for (const run of runs) {
        await ui.evaluate(([e, r]) => (window.location.hash = `#/experiments/${e}/runs/${r}`), [big.experimentId, run.info.runId] as const);
        await ui.waitForTimeout(1000);
      }
      await cdp.send('HeapProfiler.enable').catch(() => undefined);
      await cdp.send('HeapProfiler.collectGarbage').catch(() => undefined);
      const uiHeapAfter = await heapMib();

      const line = (what: string, oursValue: number, theirsValue: number, unit: string) => {
        // A ratio means nothing when either side shrank (a garbage collection while browsing).
        const ratio = oursValue > 0 && theirsValue > 0 ? `${(theirsValue / oursValue).toFixed(2)}x ${theirsValue >= oursValue ? 'ours better' : 'MLflow UI better'}` : 'n/a';
        console.log(`${what.padEnd(52)} ${oursValue.toFixed(0).padStart(8)} ${theirsValue.toFixed(0).padStart(10)}  ${unit.padEnd(4)} ${ratio}`);
      };
      console.log(`\n${`median of ${repeat}`.padEnd(52)} ${'explorer'.padStart(8)} ${'MLflow UI'.padStart(10)}  unit ratio`);
      line(`expand "${bigName}" (${bigRuns} runs) to its first run`, median(ours.big), median(theirs.big), 'ms');
      line(`expand "${small.name}" to its first run`, median(ours.small), median(theirs.small), 'ms');
      console.log(`${'REST floor: Python search_runs(max_results=50)'.padEnd(52)} ${pythonMs.toFixed(0).padStart(8)} ms`);
      console.log(`\n${'memory after browsing'.padEnd(52)} ${'ext host'.padStart(8)} ${'UI tab'.padStart(10)}`);
      line('resident (host RSS) / used JS heap (UI tab)', hostAfter, uiHeapAfter, 'MiB');
      line('growth while browsing', hostAfter - hostBefore, uiHeapAfter - uiHeapBefore, 'MiB');
      console.log(`(extension host: ${hostBefore.toFixed(0)} MiB before browsing, the whole VS Code extension host process, not only this extension)`);
    } finally {
      await browser.close();
      await codeServer.stop();
    }
  } finally {
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
    if (!values['data-dir']) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
