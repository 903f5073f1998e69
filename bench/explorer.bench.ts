/**
 * The sidebar explorer on a large server, against MLflow's own web UI and the REST floor (MLflow's
 * Python client making the same query, bench/explorer_rest_floor.py), in one run, in the same Chromium:
 *   - the first page of experiments (clearing a name filter / the UI's `#/experiments` list);
 *   - Filter experiments by name (the command's input box / the UI's search box);
 *   - expanding an experiment to its first page of runs (a click in the tree until the first run's row
 *     shows / the UI's in-app navigation to `#/experiments/<id>/runs` until the same run shows);
 *   - Filter runs with MLflow's search syntax (Filter Runs… / the runs page's search box);
 *   - Load more (39 pages of 50 in the tree / the UI's "Load more" button);
 *   - the extension host's resident memory by the number of runs shown (250 to 2,000), and after
 *     browsing (20 experiments expanded, 5 runs' details opened) against the JS heap of the UI's tab.
 * Then each of the explorer's steps split at its REST call, seen by a proxy between the extension and the
 * server (the time to the call, the call, the time after the answer), beside the explorer's own client
 * making the same query without VS Code: which part is ours, which the server's, which VS Code's.
 * On a server seeded through REST (create + log-batch per run) with 2,000 experiments and 20,000 runs
 * (5,000 of them in one experiment) unless told otherwise; the issue's scale is
 *   npm run bench:explorer -- --experiments 10000 --runs 100000 --big-runs 10000 --rest-runs 5000 --data-dir .bench-explorer
 *
 *   npm run package && node scripts/build.mjs --tests && node out/bench/explorer.bench.js \
 *     [--experiments 2000] [--runs 20000] [--big-runs 5000] [--rest-runs N] [--repeat 5] [--data-dir DIR] [--seed-only]
 * With --data-dir, the seeded server is kept there and reused by the next run (seeding 100,000 runs
 * takes most of an hour on 2 cores); --seed-only stops after seeding.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { MlflowClient } from '../src/mlflow/client';
import { parseTrackingUri } from '../src/mlflow/trackingUri';
import { launchChromium, saveScreenshot } from '../test/harness/browser';
import { startCodeServer } from '../test/harness/codeServer';
import { type ProxiedRequest, startForwardingProxy } from '../test/harness/forwardingProxy';
import { startMlflowServer } from '../test/harness/mlflowServer';
import { repoRoot, venvPython } from '../test/harness/paths';
import { runCommand } from '../test/e2e/workbenchPage';

const { values } = parseArgs({
  options: {
    experiments: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '20000' },
    'big-runs': { type: 'string', default: '5000' },
    repeat: { type: 'string', default: '5' },
    'data-dir': { type: 'string' },
    'seed-only': { type: 'boolean', default: false },
    'rest-runs': { type: 'string' },
  },
});
const experimentCount = Number(values.experiments);
const runCount = Number(values.runs);
const bigRuns = Number(values['big-runs']);
/** Runs seeded through REST; the rest are written into the store by bench/explorer_bulk_seed.py. */
const restRuns = Math.min(runCount, Number(values['rest-runs'] ?? runCount));
const repeat = Number(values.repeat);
const bigName = 'bench-big';
/** Matches one run in ten (the seed's lr cycles through ten values). */
const runFilter = "params.lr = '0.003'";
/** The explorer's page of runs (src/views/experimentNodes.ts, which needs vscode and so is not imported here). */
const runsPageSize = 50;

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;

/** When one of the explorer's steps started and ended, on this process's clock (the timing proxy's too). */
interface Timing {
  readonly started: number;
  readonly ended: number;
}

/**
 * A step of the explorer's split at the REST requests it made to `endpoint`, as the proxy between the
 * extension and the server saw them: before the first request arrived (the command, the tree asking for
 * its children), on the wire (the server's answer, first request in to last answer out), and after the
 * answer (the client parsing it, the nodes built, VS Code's renderer round trip and paint).
 */
interface Split {
  readonly total: number;
  readonly beforeRequest: number;
  readonly onTheWire: number;
  readonly afterAnswer: number;
}

function split(timing: Timing, requests: readonly ProxiedRequest[], endpoint: string): Split {
  const made = requests.filter(
    (r) => r.path.endsWith(endpoint) && r.arrivedAt >= timing.started && r.finishedAt !== undefined && r.finishedAt <= timing.ended,
  );
  if (made.length === 0)
    throw new Error(`the proxy saw no ${endpoint} request in a step of ${(timing.ended - timing.started).toFixed(0)} ms`);
  const first = Math.min(...made.map((r) => r.arrivedAt));
  const last = Math.max(...made.map((r) => r.finishedAt!));
  return {
    total: timing.ended - timing.started,
    beforeRequest: first - timing.started,
    onTheWire: last - first,
    afterAnswer: timing.ended - last,
  };
}

/** The split of the step whose total is the median: its parts add up to the figure in the first table. */
const total = (timing: Timing) => timing.ended - timing.started;

const medianSplit = (splits: readonly Split[]) => [...splits].sort((a, b) => a.total - b.total)[Math.floor(splits.length / 2)]!;

/** The median of `repeat` calls after one warm-up call, in ms. */
async function medianCall(repeat: number, call: () => Promise<unknown>): Promise<number> {
  await call();
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const started = performance.now();
    await call();
    times.push(performance.now() - started);
  }
  return median(times);
}

/** Experiments first, then runs; the 5,000-run experiment is created last so it is the most recently updated. */
async function seed(client: MlflowClient, dataDir: string): Promise<void> {
  console.log(`seeding ${experimentCount} experiments and ${runCount} runs…`);
  const started = performance.now();
  const ids: string[] = [];
  await pool(
    Array.from({ length: experimentCount - 1 }, (_, i) => i),
    8,
    async (i) => {
      ids[i] = await client.experiments.create(`bench-${String(i).padStart(5, '0')}`);
    },
  );
  const big = await client.experiments.create(bigName);
  const targets = Array.from({ length: restRuns }, (_, i) => (i < bigRuns ? big : ids[(i - bigRuns) % ids.length]!));
  await pool(
    targets.map((experimentId, i) => ({ experimentId, i })),
    8,
    async ({ experimentId, i }) => {
      const run = await client.runs.create(experimentId, {
        runName: `run-${String(i).padStart(5, '0')}`,
        startTime: 1_700_000_000_000 + i * 1000,
      });
      await client.runs.logBatch(run.info.runId, {
        params: { lr: String(0.001 * (i % 10)), quant: i % 2 ? 'int4' : 'fp32' },
        metrics: [0, 1, 2].map((step) => ({ key: 'loss', value: 1 / (step + 1 + i), timestamp: 1_700_000_000_000 + step, step })),
      });
      if ((i + 1) % 10_000 === 0) console.log(`  ${i + 1} runs, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    },
  );
  if (restRuns < runCount) {
    const bulk = spawnSync(
      venvPython,
      [
        join(repoRoot, 'bench', 'explorer_bulk_seed.py'),
        join(dataDir, 'mlflow.db'),
        String(experimentCount),
        String(runCount),
        String(bigRuns),
        bigName,
      ],
      { stdio: 'inherit' },
    );
    if (bulk.status !== 0) throw new Error('explorer_bulk_seed.py failed');
  }
  console.log(`seeded in ${((performance.now() - started) / 1000).toFixed(0)} s (${restRuns} runs through REST)`);
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
  for (let grew = true; grew;) {
    grew = false;
    for (const p of processes) if (descendants.has(p.ppid) && !descendants.has(p.pid)) grew = descendants.add(p.pid) !== undefined;
  }
  const host = processes.find((p) => descendants.has(p.pid) && p.cmdline.includes('extensionHost'));
  if (!host) throw new Error('no extension host process found');
  return host.pid;
}

/**
 * The tree's row of this label. Not a sticky-scroll row: while the list is scrolled inside an expanded
 * experiment, VS Code pins a copy of its row at the top, and a click there scrolls instead of toggling.
 */
const listRow = '.part.sidebar .monaco-list-row:not(.monaco-tree-sticky-row)';
function treeRow(page: Page, label: string) {
  return page
    .locator(listRow)
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) })
    .first();
}

/**
 * The Experiments view's Collapse All (in its title bar): what a user does with 2,000 runs open. The
 * wheel cannot bring the experiment's row back: Monaco's list scrolls a few rows a notch, however big
 * the delta, so 100 notches got 300 of the 2,000 rows back up.
 */
async function collapseAll(page: Page, label: string): Promise<void> {
  const header = page.locator('.pane-header[aria-label^="Experiments"]');
  await header.hover();
  await header.locator('.action-label[aria-label="Collapse All"]').click();
  await page
    .locator(`${listRow}[aria-expanded="false"]`)
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) })
    .first()
    .waitFor({ timeout: 60_000 });
}

async function expand(page: Page, label: string): Promise<void> {
  const row = treeRow(page, label);
  await row.waitFor({ timeout: 60_000 });
  if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
}

/** The Experiments view's Refresh button (shown on hover): drops what the tree has loaded. */
async function refreshTree(page: Page): Promise<void> {
  const header = page.locator('.pane-header[aria-label^="Experiments"]');
  await header.hover();
  await header.locator('.action-label[aria-label="Refresh"]').click();
}

async function timeExpansion(page: Page, experiment: string, firstRun: string): Promise<Timing> {
  // Each expansion asks the server again.
  await refreshTree(page);
  const row = treeRow(page, experiment);
  await row.waitFor({ timeout: 60_000 });
  if ((await row.getAttribute('aria-expanded')) === 'true') await row.click();
  const started = performance.now();
  await row.click();
  await treeRow(page, firstRun).waitFor({ timeout: 60_000 });
  const timing = { started, ended: performance.now() };
  await row.click(); // collapsed again, so the next experiment stays in view
  return timing;
}

async function timeMlflowUi(page: Page, experimentId: string, otherId: string, firstRun: string): Promise<number> {
  // Start from the other experiment's runs page, settled: its runs answered and shown.
  const settled = page.waitForResponse((response) => response.url().includes('/runs/search'), { timeout: 60_000 });
  await page.evaluate((id) => (window.location.hash = `#/experiments/${id}/runs`), otherId);
  await settled;
  await page.locator('[data-testid="search-box"]').waitFor({ timeout: 60_000 });
  const started = performance.now();
  await page.evaluate((id) => (window.location.hash = `#/experiments/${id}/runs`), experimentId);
  await page.getByText(firstRun, { exact: true }).first().waitFor({ timeout: 60_000 });
  return performance.now() - started;
}

/** Types into the input box a command opened and presses Enter; returns when Enter was pressed. */
async function answerInputBox(page: Page, value: string): Promise<number> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 30_000 });
  await input.fill(value);
  const started = performance.now();
  await input.press('Enter');
  return started;
}

/** Filter Experiments by Name…: from Enter until the tree shows only the matching experiment. */
async function timeExperimentFilter(page: Page, value: string): Promise<Timing> {
  await runCommand(page, 'MLflow: Filter Experiments by Name…');
  const started = await answerInputBox(page, value);
  await treeRow(page, value).waitFor({ timeout: 60_000 });
  await page
    .locator('.part.sidebar .monaco-list-row .label-name', { hasText: /^bench-\d{5}$/ })
    .first()
    .waitFor({ state: 'detached', timeout: 60_000 });
  return { started, ended: performance.now() };
}

/** The first page of experiments: from clearing the name filter until the newest experiment's row shows again. */
async function timeExperimentsFirstPage(page: Page, newest: string, next: string): Promise<Timing> {
  await runCommand(page, 'MLflow: Filter Experiments by Name…');
  const started = await answerInputBox(page, '');
  await treeRow(page, newest).waitFor({ timeout: 60_000 });
  await treeRow(page, next).waitFor({ timeout: 60_000 });
  return { started, ended: performance.now() };
}

/** Filter Runs… on the selected experiment: from Enter until its first matching run shows and the unfiltered first run is gone. */
async function timeRunFilter(page: Page, filter: string, firstMatch: string, firstUnfiltered: string): Promise<Timing> {
  await runCommand(page, 'MLflow: Filter Runs…');
  const started = await answerInputBox(page, filter);
  await treeRow(page, firstMatch).waitFor({ timeout: 60_000 });
  await treeRow(page, firstUnfiltered).waitFor({ state: 'detached', timeout: 60_000 });
  return { started, ended: performance.now() };
}

async function clearRunFilter(page: Page, firstUnfiltered: string): Promise<void> {
  await runCommand(page, 'MLflow: Filter Runs…');
  await answerInputBox(page, '');
  await treeRow(page, firstUnfiltered).waitFor({ timeout: 60_000 });
}

/** Wheels the tree (down for a positive delta) until `row` is in view: a virtualised list has only the rows shown in its DOM. */
async function scrollTreeTo(page: Page, row: ReturnType<typeof treeRow>, delta: number): Promise<void> {
  await page.locator('.part.sidebar .monaco-list').first().hover();
  for (let attempt = 1; !(await row.isVisible()); attempt++) {
    if (attempt > 100) throw new Error(`${String(row)} never came into view`);
    await page.mouse.wheel(0, delta);
    await row.waitFor({ timeout: 1_000 }).catch(() => undefined);
  }
}

/**
 * Load more… on the last row of the tree: scrolled to with the mouse wheel, then clicked; from the
 * click until the new page's first run shows. (End, Enter on the keyboard lost the list's focus
 * when the focused Load more… row was replaced by the page it loaded.)
 */
async function timeLoadMore(page: Page, firstOfNewPage: string): Promise<Timing> {
  const loadMore = treeRow(page, 'Load more…');
  await scrollTreeTo(page, loadMore, 100_000);
  const started = performance.now();
  await loadMore.click();
  await treeRow(page, firstOfNewPage).waitFor({ timeout: 60_000 });
  return { started, ended: performance.now() };
}

/**
 * The MLflow UI's experiments list (`#/experiments`, 25 a page, newest first) from a runs page. Names
 * are looked for in its table: the sidebar keeps showing the experiment the runs page was on.
 */
async function timeMlflowUiExperiments(ui: Page, fromExperimentId: string, newest: string): Promise<number> {
  await ui.evaluate((id) => (window.location.hash = `#/experiments/${id}/runs`), fromExperimentId);
  await ui.locator('[data-testid="search-box"]').waitFor({ timeout: 60_000 });
  const started = performance.now();
  await ui.evaluate(() => (window.location.hash = '#/experiments'));
  await ui.getByRole('table').getByText(newest, { exact: true }).first().waitFor({ timeout: 60_000 });
  return performance.now() - started;
}

/** The MLflow UI's experiment search box: from Enter until only the matching experiment is listed. */
async function timeMlflowUiExperimentFilter(ui: Page, value: string): Promise<number> {
  const box = ui.getByPlaceholder('Search experiments');
  await box.waitFor({ timeout: 60_000 });
  await box.fill(value);
  const started = performance.now();
  await box.press('Enter');
  await ui.getByRole('table').getByText(value, { exact: true }).first().waitFor({ timeout: 60_000 });
  await ui
    .getByRole('table')
    .getByText(/^bench-\d{5}$/)
    .first()
    .waitFor({ state: 'detached', timeout: 60_000 });
  const elapsed = performance.now() - started;
  await box.fill('');
  await box.press('Enter');
  return elapsed;
}

/** The MLflow UI's runs search box on an experiment's runs page: from Enter until the first match shows and the unfiltered first run is gone. */
async function timeMlflowUiRunFilter(
  ui: Page,
  experimentId: string,
  filter: string,
  firstMatch: string,
  firstUnfiltered: string,
): Promise<number> {
  await ui.evaluate((id) => (window.location.hash = `#/experiments/${id}/runs`), experimentId);
  await ui.getByText(firstUnfiltered, { exact: true }).first().waitFor({ timeout: 60_000 });
  const box = ui.locator('[data-testid="search-box"]');
  await box.fill(filter);
  const started = performance.now();
  await box.press('Enter');
  await ui.getByText(firstMatch, { exact: true }).first().waitFor({ timeout: 60_000 });
  await ui.getByText(firstUnfiltered, { exact: true }).first().waitFor({ state: 'detached', timeout: 60_000 });
  const elapsed = performance.now() - started;
  await box.fill('');
  await box.press('Enter');
  await ui.getByText(firstUnfiltered, { exact: true }).first().waitFor({ timeout: 60_000 });
  return elapsed;
}

/**
 * The MLflow UI's "Load more" under the runs table: from the click until the table's count says 100
 * more runs match ("200 matching runs"). The button is the grid's last row and the grid (ag-grid)
 * renders only the rows in view, so its viewport is scrolled to the end first, as a user does.
 */
async function timeMlflowUiLoadMore(ui: Page): Promise<number> {
  const count = ui.getByText(/^\d+ matching runs$/);
  const before = Number(/^(\d+)/.exec(await count.innerText({ timeout: 60_000 }))![1]);
  await ui
    .locator('.ag-body-viewport')
    .first()
    .evaluate((viewport) => viewport.scrollTo(0, viewport.scrollHeight));
  const button = ui.getByRole('button', { name: 'Load more' });
  await button.waitFor({ timeout: 60_000 });
  const started = performance.now();
  await button.click();
  await ui.getByText(`${before + 100} matching runs`, { exact: true }).waitFor({ timeout: 60_000 });
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
      await seed(client, dataDir);
      big = (await client.experiments.getByName(bigName))!;
    }
    if (values['seed-only']) return;
    const small = (await client.experiments.searchPage({ maxResults: 2, orderBy: ['last_update_time DESC'] })).items.find(
      (e) => e.experimentId !== big!.experimentId,
    )!;
    const newestRun = async (experimentId: string) =>
      (await client.runs.searchPage({ experimentIds: [experimentId], maxResults: 1, orderBy: ['attributes.start_time DESC'] })).items[0]!
        .info.runName;
    const [bigFirst, smallFirst] = [await newestRun(big.experimentId), await newestRun(small.experimentId)];
    // The big experiment's runs are run-00000… by start time: the n-th newest is bigFirst's number less n.
    const bigRunName = (n: number) => `run-${String(Number(bigFirst.slice('run-'.length)) - n).padStart(5, '0')}`;
    const bigFilteredFirst = (
      await client.runs.searchPage({
        experimentIds: [big.experimentId],
        filter: runFilter,
        maxResults: 1,
        orderBy: ['attributes.start_time DESC'],
      })
    ).items[0]!.info.runName;

    // The extension talks to the server through a proxy that notes when each request came and its answer
    // went, so that each step can be split into its REST call and the rest (the second table).
    const proxy = await startForwardingProxy(server.url);
    const codeServer = await startCodeServer({
      workspace: scratch,
      installVsix: [join(repoRoot, vsix)],
      settings: { 'phi3Mlflow.trackingUri': proxy.url, 'workbench.tree.enableStickyScroll': false },
    });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(`${codeServer.url}/?folder=${encodeURIComponent(scratch)}`);
      const container = page.locator('.activitybar [aria-label^="MLflow"]').first();
      await container.waitFor({ timeout: 60_000 });
      await container.click();
      await treeRow(page, bigName).waitFor({ timeout: 60_000 });

      // The explorer's queries made straight from this process; each is also made right after the
      // explorer's step that made it, so that its REST call is set against the server's answer at
      // that moment (a loaded machine's figures swing from minute to minute).
      const newestFirst = ['attributes.start_time DESC'];
      const bigRunsPage = { experimentIds: [big.experimentId], maxResults: runsPageSize, orderBy: newestFirst };
      const firstRunsPage = await client.runs.searchPage(bigRunsPage);
      const experimentsPage = { maxResults: 100, orderBy: ['last_update_time DESC'] };
      const direct = {
        experiments: () => client.experiments.searchPage(experimentsPage),
        experimentFilter: () => client.experiments.searchPage({ ...experimentsPage, filter: `name ILIKE '%${bigName}%'` }),
        runs: () => client.runs.searchPage(bigRunsPage),
        runFilter: () => client.runs.searchPage({ ...bigRunsPage, filter: runFilter }),
        nextRuns: () => client.runs.searchPage(bigRunsPage, firstRunsPage.nextPageToken),
      };
      const alongside = {
        experiments: [] as number[],
        experimentFilter: [] as number[],
        runs: [] as number[],
        runFilter: [] as number[],
        nextRuns: [] as number[],
      };
      const after = async (query: keyof typeof direct) => {
        const started = performance.now();
        await direct[query]();
        alongside[query].push(performance.now() - started);
      };
      const ours = {
        big: [] as Timing[],
        small: [] as Timing[],
        experiments: [] as Timing[],
        experimentFilter: [] as Timing[],
        runFilter: [] as Timing[],
        loadMore: [] as Timing[],
      };
      for (let i = 0; i < repeat; i++) {
        ours.big.push(await timeExpansion(page, bigName, bigFirst));
        await after('runs');
        ours.small.push(await timeExpansion(page, small.name, smallFirst));
      }
      for (let i = 0; i < repeat; i++) {
        ours.experimentFilter.push(await timeExperimentFilter(page, bigName));
        await after('experimentFilter');
        ours.experiments.push(await timeExperimentsFirstPage(page, bigName, small.name));
        await after('experiments');
      }
      // The big experiment selected and expanded: Filter Runs… applies to it.
      await treeRow(page, bigName).click();
      await treeRow(page, bigFirst).waitFor({ timeout: 60_000 });
      for (let i = 0; i < repeat; i++) {
        ours.runFilter.push(await timeRunFilter(page, runFilter, bigFilteredFirst, bigFirst));
        await after('runFilter');
        await clearRunFilter(page, bigFirst);
      }

      // Load more, 40 pages of the big experiment (2,050 runs shown), the tree narrowed to that experiment
      // so its Load more… is the last row; the host's memory at 1, 5, 10, 20 and 40 pages.
      await timeExperimentFilter(page, bigName);
      // The tree remembers the experiment's expansion across the refresh: expand it only if it is not.
      if ((await treeRow(page, bigName).getAttribute('aria-expanded')) !== 'true') await treeRow(page, bigName).click();
      await treeRow(page, bigFirst).waitFor({ timeout: 60_000 });
      await treeRow(page, bigFirst).click(); // the tree has the keyboard focus, for End and Enter
      await treeRow(page, bigFirst).click(); // (the run's row expands on a click: collapse it again)
      const hostPid = extensionHostPid(codeServer.port);
      const hostBefore = rssMib(hostPid);
      const rssAtPages = new Map<number, number>([[1, hostBefore]]);
      const pages = 40;
      for (let pageIndex = 1; pageIndex < pages; pageIndex++) {
        ours.loadMore.push(await timeLoadMore(page, bigRunName(runsPageSize * pageIndex)));
        await after('nextRuns');
        if ([5, 10, 20, 40].includes(pageIndex + 1)) rssAtPages.set(pageIndex + 1, rssMib(hostPid));
      }
      // Then as a user goes on: all experiments again, 20 of them expanded, 5 runs' details opened.
      // The big experiment collapsed first: its 2,000 runs above would push the others out of the
      // (virtualised) list, and their rows would never be in the DOM.
      await collapseAll(page, bigName);
      await timeExperimentsFirstPage(page, bigName, small.name);
      const names = (await client.experiments.searchPage({ maxResults: 20, orderBy: ['last_update_time DESC'] })).items.map((e) => e.name);
      for (const name of names.slice(1)) {
        await treeRow(page, name).click();
        // Its runs listed (expanded, and its twistie no longer the loading spinner), then collapsed.
        // (Not by its child rows: for the lower experiments they are below the fold, never in the DOM.)
        const expanded = page
          .locator(`${listRow}[aria-expanded="true"]`)
          .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${name}$`) }) });
        await expanded.filter({ hasNot: page.locator('.codicon-tree-item-loading') }).waitFor({ timeout: 60_000 });
        await treeRow(page, name).click();
        await expanded.waitFor({ state: 'detached', timeout: 60_000 });
      }
      await expand(page, bigName);
      const runs = (
        await client.runs.searchPage({ experimentIds: [big.experimentId], maxResults: 5, orderBy: ['attributes.start_time DESC'] })
      ).items;
      for (const run of runs) {
        await treeRow(page, run.info.runName).click();
        await treeRow(page, 'Parameters').first().waitFor({ timeout: 60_000 });
        await treeRow(page, run.info.runName).click();
      }
      const hostAfter = rssMib(hostPid);

      const ui = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await ui.goto(`${server.url}/#/experiments/${small.experimentId}/runs`);
      await ui.getByText(smallFirst, { exact: true }).first().waitFor({ timeout: 120_000 });
      const cdp = await ui.context().newCDPSession(ui);
      await cdp.send('Performance.enable');
      const heapMib = async () =>
        ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 1024 / 1024;
      const uiHeapBefore = await heapMib();
      const theirs = {
        big: [] as number[],
        small: [] as number[],
        experiments: [] as number[],
        experimentFilter: [] as number[],
        runFilter: [] as number[],
        loadMore: [] as number[],
      };
      for (let i = 0; i < repeat; i++) {
        theirs.big.push(await timeMlflowUi(ui, big.experimentId, small.experimentId, bigFirst));
        theirs.small.push(await timeMlflowUi(ui, small.experimentId, big.experimentId, smallFirst));
      }
      for (let i = 0; i < repeat; i++) {
        theirs.experiments.push(await timeMlflowUiExperiments(ui, small.experimentId, bigName));
        theirs.experimentFilter.push(await timeMlflowUiExperimentFilter(ui, bigName));
      }
      for (let i = 0; i < repeat; i++)
        theirs.runFilter.push(await timeMlflowUiRunFilter(ui, big.experimentId, runFilter, bigFilteredFirst, bigFirst));
      await ui.evaluate((id) => (window.location.hash = `#/experiments/${id}/runs`), big.experimentId);
      await ui.getByText(bigFirst, { exact: true }).first().waitFor({ timeout: 60_000 });
      for (let i = 0; i < repeat; i++) theirs.loadMore.push(await timeMlflowUiLoadMore(ui));

      const python = spawnSync(
        venvPython,
        [join(repoRoot, 'bench', 'explorer_rest_floor.py'), big.experimentId, bigName, runFilter, String(repeat)],
        {
          encoding: 'utf8',
          env: { ...process.env, MLFLOW_TRACKING_URI: server.url },
        },
      );
      if (python.status !== 0) throw new Error(`python failed: ${python.stderr.slice(-2000)}`);
      const floor = JSON.parse(python.stdout.trim().split('\n').at(-1)!) as Record<
        'experiments' | 'experimentFilter' | 'runs' | 'runFilter' | 'nextRuns',
        number
      >;
      // The explorer's own client making the same queries, in this process, straight to the server:
      // what the extension's REST path costs over the floor, without VS Code.
      const clientAlone = {
        experiments: await medianCall(repeat, direct.experiments),
        experimentFilter: await medianCall(repeat, direct.experimentFilter),
        runs: await medianCall(repeat, direct.runs),
        runFilter: await medianCall(repeat, direct.runFilter),
        nextRuns: await medianCall(repeat, direct.nextRuns),
      };

      for (const experiment of (await client.experiments.searchPage({ maxResults: 20, orderBy: ['last_update_time DESC'] })).items) {
        // Each runs page browsed until its runs are in (as the explorer's expansions wait for theirs).
        const listed = ui.waitForResponse((response) => response.url().includes('/runs/search'), { timeout: 60_000 });
        await ui.evaluate((id) => (window.location.hash = `#/experiments/${id}/runs`), experiment.experimentId);
        await listed;
      }
      await ui.evaluate((id) => (window.location.hash = `#/experiments/${id}/runs`), big.experimentId);
      await ui.getByText(bigFirst, { exact: true }).first().waitFor({ timeout: 60_000 });
      for (const run of runs) {
        // The run page reads its run through MLflow's GraphQL endpoint (getRun), not /runs/get.
        const shown = ui.waitForResponse((response) => response.url().includes('/graphql'), { timeout: 60_000 });
        await ui.evaluate(([e, r]) => (window.location.hash = `#/experiments/${e}/runs/${r}`), [big.experimentId, run.info.runId] as const);
        await shown;
      }
      await cdp.send('HeapProfiler.enable').catch(() => undefined);
      await cdp.send('HeapProfiler.collectGarbage').catch(() => undefined);
      const uiHeapAfter = await heapMib();

      const line = (what: string, oursValue: number, theirsValue: number, unit: string, floorValue?: number) => {
        // A ratio means nothing when either side shrank (a garbage collection while browsing).
        const ratio =
          oursValue > 0 && theirsValue > 0
            ? `${(theirsValue / oursValue).toFixed(2)}x ${theirsValue >= oursValue ? 'ours better' : 'MLflow UI better'}`
            : 'n/a';
        const overFloor = floorValue
          ? `${floorValue.toFixed(0).padStart(6)} ${(oursValue / floorValue).toFixed(2).padStart(6)}x`
          : ''.padStart(14);
        console.log(
          `${what.padEnd(50)} ${oursValue.toFixed(0).padStart(8)} ${theirsValue.toFixed(0).padStart(10)} ${overFloor}  ${unit.padEnd(4)} ${ratio}`,
        );
      };
      console.log(
        `\n${experimentCount} experiments, ${runCount} runs (${bigRuns} in "${bigName}"); median of ${repeat} (Load more: of ${pages - 1} pages)`,
      );
      console.log(
        `${''.padEnd(50)} ${'explorer'.padStart(8)} ${'MLflow UI'.padStart(10)} ${'REST'.padStart(6)} ${'/REST'.padStart(7)}  unit MLflow UI / explorer`,
      );
      line(
        'first page of experiments (clearing a name filter)',
        median(ours.experiments.map(total)),
        median(theirs.experiments),
        'ms',
        floor.experiments,
      );
      line(
        `Filter experiments by name "${bigName}"`,
        median(ours.experimentFilter.map(total)),
        median(theirs.experimentFilter),
        'ms',
        floor.experimentFilter,
      );
      line(`expand "${bigName}" to its first page of runs`, median(ours.big.map(total)), median(theirs.big), 'ms', floor.runs);
      line(`expand "${small.name}" to its first run`, median(ours.small.map(total)), median(theirs.small), 'ms');
      line(`Filter runs of "${bigName}": ${runFilter}`, median(ours.runFilter.map(total)), median(theirs.runFilter), 'ms', floor.runFilter);
      line('Load more (50 runs / the UI: 100)', median(ours.loadMore.map(total)), median(theirs.loadMore), 'ms', floor.nextRuns);
      console.log(
        '(REST: the MLflow Python client, the same query and page size as the explorer, in its own process: the floor of what the API allows)',
      );

      // Where the explorer's time goes: each step's median split at its REST call (see `split`).
      const splitLine = (what: string, timings: readonly Timing[], endpoint: string, query: keyof typeof direct, floorMs: number) => {
        const step = medianSplit(timings.map((timing) => split(timing, proxy.requests, endpoint)));
        const same = median(alongside[query]);
        const cells = [step.total, step.beforeRequest, step.onTheWire, step.afterAnswer, same].map((ms) => ms.toFixed(0).padStart(8));
        const ratio = (ms: number, to: number) => `${(ms / to).toFixed(2)}x`.padStart(8);
        console.log(
          `${what.padEnd(30)} ${cells.join(' ')} ${ratio(step.onTheWire, same)} ${clientAlone[query].toFixed(0).padStart(8)} ${floorMs.toFixed(0).padStart(8)} ${ratio(clientAlone[query], floorMs)}`,
        );
      };
      console.log(
        `\n${"where the explorer's time goes, ms".padEnd(30)} ${['total', 'to call', 'REST', 'after', 'same q.', 'REST/q.', 'client', 'floor', 'cl/floor'].map((h) => h.padStart(8)).join(' ')}`,
      );
      splitLine('first page of experiments', ours.experiments, '/experiments/search', 'experiments', floor.experiments);
      splitLine('Filter experiments by name', ours.experimentFilter, '/experiments/search', 'experimentFilter', floor.experimentFilter);
      splitLine(`expand "${bigName}"`, ours.big, '/runs/search', 'runs', floor.runs);
      splitLine('Filter runs', ours.runFilter, '/runs/search', 'runFilter', floor.runFilter);
      splitLine('Load more', ours.loadMore, '/runs/search', 'nextRuns', floor.nextRuns);
      console.log(
        "(to call: from the user's action until the extension's request reached the proxy in front of the server; REST: until its answer's last byte left it;",
      );
      console.log(
        " after: the answer parsed, the nodes built, VS Code's renderer round trip and paint; same q.: the same query from this process right after each step;",
      );
      console.log(
        " client: the explorer's MlflowClient alone, the median of a run of the query; floor: MLflow's Python client, the same (the first table's REST))",
      );
      console.log(
        `\nextension host RSS by runs shown in the tree: ${[...rssAtPages].map(([p, mib]) => `${p * runsPageSize} runs ${mib.toFixed(0)} MiB`).join(', ')}`,
      );
      const [firstPages, lastPages] = [rssAtPages.get(5)!, rssAtPages.get(40)!];
      console.log(
        `growth from 250 to 2,000 runs shown: ${(lastPages - firstPages).toFixed(1)} MiB (${(((lastPages - firstPages) * 1024 * 1024) / 1750 / 1024).toFixed(1)} KiB a run)`,
      );
      console.log(`\n${'memory after browsing'.padEnd(50)} ${'ext host'.padStart(8)} ${'UI tab'.padStart(10)}`);
      line('resident (host RSS) / used JS heap (UI tab)', hostAfter, uiHeapAfter, 'MiB');
      line('growth while browsing', hostAfter - hostBefore, uiHeapAfter - uiHeapBefore, 'MiB');
      console.log(
        `(extension host: ${hostBefore.toFixed(0)} MiB before browsing, the whole VS Code extension host process, not only this extension)`,
      );
    } catch (error) {
      // What the workbench showed when a step failed, beside the test screenshots.
      const workbench = browser.contexts()[0]?.pages()[0];
      if (workbench) console.error(`screenshot: ${await saveScreenshot(workbench, 'bench-explorer-failure')}`);
      throw error;
    } finally {
      await browser.close();
      await codeServer.stop();
      await proxy.stop();
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
