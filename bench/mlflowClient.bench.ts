/**
 * The MLflow client against MLflow's own Python client, on one real server in one run:
 *   - time to the first page of experiments and of runs, and to list all runs of a 5,000-run
 *     experiment (page size 1,000 for both), on a server seeded with 2,000 experiments and 20,000 runs;
 *   - upload and download of a 1 GiB artifact: throughput and peak RSS growth.
 *   - each transfer is done `--rounds` times, ours and Python's alternating (who goes first swaps
 *     every round), since other work on the machine moves absolute figures from one minute to the
 *     next: compare the per-round ratios, their median and its 95% interval (bench/medianInterval.ts), and
 *     the CPU seconds each client spent.
 *     Before each transfer `sync` writes out the dirty pages the previous one left, so that neither
 *     side pays for the other's disk writes. A warm-up round first (not counted) does each transfer
 *     once: the first large transfer a fresh server handles was the slowest of a run, whoever did it.
 * `npm run bench:mlflow [-- --experiments 2000 --runs 20000 --big-runs 5000 --artifact-mib 1024 --rounds 4 --warmup 1 --only listing|transfers|uploads|downloads]`
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MlflowClient } from '../src/mlflow/client';
import { collect } from '../src/mlflow/paging';
import { parseTrackingUri } from '../src/mlflow/trackingUri';
import { writeLargeFile } from '../test/harness/largeFile';
import { startMlflowServer } from '../test/harness/mlflowServer';
import { repoRoot, venvPython } from '../test/harness/paths';
import { medianInterval } from './medianInterval';

const { values } = parseArgs({
  options: {
    experiments: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '20000' },
    'big-runs': { type: 'string', default: '5000' },
    'artifact-mib': { type: 'string', default: '1024' },
    repeat: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1' },
    only: { type: 'string' },
  },
});
const experimentCount = Number(values.experiments);
const runCount = Number(values.runs);
const bigRuns = Number(values['big-runs']);
const artifactMib = Number(values['artifact-mib']);
const repeat = Number(values.repeat);
const rounds = Number(values.rounds);
const warmupRounds = Number(values.warmup);

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function median(fn: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

/** Flushes the page cache's dirty pages (the last transfer's file) before the next transfer starts. */
function settle(): void {
  spawnSync('sync');
}

/**
 * Runs one side's transfer in its own process and takes the JSON line it prints last. Asynchronously:
 * this process drains the MLflow server's output pipe, and a blocked event loop (spawnSync) let that
 * pipe fill with access-log lines until the server stopped in a write to it and the transfer hung.
 */
function runSide(what: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Record<string, number>> {
  return new Promise((resolveRun, rejectRun) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('error', rejectRun);
    child.on('close', (code) => {
      if (code !== 0) rejectRun(new Error(`${what} failed (exit ${code}): ${stderr.slice(-2000)}`));
      else resolveRun(JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>);
    });
  });
}

function python(args: string[], url: string): Promise<Record<string, number>> {
  if (args[0] !== 'listing') settle();
  return runSide('python bench', venvPython, [join(repoRoot, 'bench', 'mlflow_client_bench.py'), ...args], {
    ...process.env,
    MLFLOW_TRACKING_URI: url,
  });
}

function ours(args: string[]): Promise<Record<string, number>> {
  settle();
  return runSide('transfer worker', process.execPath, [join(repoRoot, 'out', 'bench', 'transferWorker.js'), ...args]);
}

const row = (what: string, oursValue: number, theirs: number, unit: string, higherIsBetter = false) => {
  const ratio = higherIsBetter ? oursValue / theirs : theirs / oursValue;
  console.log(
    `${what.padEnd(44)} ${oursValue.toFixed(1).padStart(10)} ${theirs.toFixed(1).padStart(10)}  ${unit.padEnd(6)} ${ratio.toFixed(2)}x ${ratio >= 1 ? 'ours better' : 'python better'}`,
  );
};

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-bench-'));
  const server = await startMlflowServer({ dataDir: scratch });
  try {
    const client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    console.log(`MLflow ${await client.serverVersion()} at ${server.url}`);
    if (values.only === undefined || values.only === 'listing') await listing(client, server.url);
    if (values.only !== 'listing') await transfers(client, server.url, scratch);
  } finally {
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function listing(client: MlflowClient, url: string): Promise<void> {
  console.log(`seeding ${experimentCount} experiments and ${runCount} runs…`);
  const seedStarted = performance.now();
  const experimentIds: string[] = [];
  await pool(
    Array.from({ length: experimentCount }, (_, i) => i),
    8,
    async (i) => {
      experimentIds[i] = await client.experiments.create(`bench-${String(i).padStart(5, '0')}`, { tags: { bench: 'yes' } });
    },
  );
  const big = experimentIds[0]!;
  const runTargets = Array.from({ length: runCount }, (_, i) =>
    i < bigRuns ? big : experimentIds[1 + ((i - bigRuns) % (experimentCount - 1))]!,
  );
  await pool(
    runTargets.map((experimentId, i) => ({ experimentId, i })),
    8,
    async ({ experimentId, i }) => {
      const run = await client.runs.create(experimentId, { runName: `run-${i}`, startTime: 1_700_000_000_000 + i });
      await client.runs.logBatch(run.info.runId, {
        params: { lr: String(0.001 * (i % 10)), max_length: '2048', quant: i % 2 ? 'int4' : 'fp32' },
        metrics: [0, 1, 2].map((step) => ({ key: 'loss', value: 1 / (step + 1 + i), timestamp: 1_700_000_000_000 + step, step })),
      });
    },
  );
  console.log(`seeded in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s\n`);

  const mine = {
    first_experiments_ms: await median(async () => void (await client.experiments.searchPage({ maxResults: 1000 }))),
    first_runs_ms: await median(async () => void (await client.runs.searchPage({ experimentIds: [big], maxResults: 1000 }))),
    all_runs_ms: await median(async () => {
      const all = await collect(client.runs.search({ experimentIds: [big], maxResults: 1000 }));
      if (all.length !== bigRuns) throw new Error(`listed ${all.length} runs, expected ${bigRuns}`);
    }),
  };
  const theirs = await python(['listing', '--experiment-id', big, '--page-size', '1000', '--repeat', String(repeat)], url);
  console.log(`${'listing (median of ' + repeat + ')'.padEnd(30)}`.padEnd(44), '      ours     python  unit   ratio');
  row('first page of experiments (1,000)', mine.first_experiments_ms, theirs.first_experiments_ms!, 'ms');
  row('first page of runs (1,000)', mine.first_runs_ms, theirs.first_runs_ms!, 'ms');
  row(`all ${bigRuns} runs of one experiment`, mine.all_runs_ms, theirs.all_runs_ms!, 'ms');
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
/** The median (the mean of the two middle values for an even count). */
const middle = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
};

async function transfers(client: MlflowClient, url: string, scratch: string): Promise<void> {
  const file = join(scratch, 'artifact.bin');
  await writeLargeFile(file, artifactMib);
  const bytes = statSync(file).size;
  const run = await client.runs.create('0', { runName: 'transfer' });
  type Result = Record<string, number>;
  const results = { up: { ours: [] as Result[], python: [] as Result[] }, down: { ours: [] as Result[], python: [] as Result[] } };
  const names = { up: 'upload', down: 'download' } as const;
  const mine = {
    up: () => ours(['upload', url, run.info.runId, run.info.artifactUri, file]),
    down: async () => {
      const result = await ours(['download', url, run.info.runId, 'ours/artifact.bin', join(scratch, 'down-ours')]);
      rmSync(join(scratch, 'down-ours'), { recursive: true, force: true });
      return result;
    },
  };
  const theirs = {
    up: () => python(['upload', '--run-id', run.info.runId, '--file', file, '--artifact-path', 'python'], url),
    down: async () => {
      const result = await python(
        ['download', '--run-id', run.info.runId, '--path', 'python/artifact.bin', '--dst', join(scratch, 'down-python')],
        url,
      );
      rmSync(join(scratch, 'down-python'), { recursive: true, force: true });
      return result;
    },
  };
  console.log(`\ntransfers of ${artifactMib} MiB, ${rounds} rounds; load average at the start ${load()}`);
  for (let round = 0; round < warmupRounds; round++) {
    const started = performance.now();
    for (const kind of ['up', 'down'] as const) {
      await mine[kind]();
      await theirs[kind]();
    }
    console.log(`warm-up round ${round + 1} (not counted): ${((performance.now() - started) / 1000).toFixed(0)} s, load ${load()}`);
  }
  const mibps = (r: Result) => bytes / 1024 / 1024 / r.seconds!;
  // --only uploads|downloads: more rounds of one direction in the same time (the warm-up does both, so there is something to download).
  const kinds =
    values.only === 'uploads' ? (['up'] as const) : values.only === 'downloads' ? (['down'] as const) : (['up', 'down'] as const);
  for (let round = 0; round < rounds; round++) {
    const oursFirst = round % 2 === 0;
    for (const kind of kinds) {
      const runs = results[kind];
      if (oursFirst) {
        runs.ours.push(await mine[kind]());
        runs.python.push(await theirs[kind]());
      } else {
        runs.python.push(await theirs[kind]());
        runs.ours.push(await mine[kind]());
      }
    }
    const line = kinds.map((kind) => {
      const [oursRun, pythonRun] = [results[kind].ours[round]!, results[kind].python[round]!];
      return `${names[kind]} ${mibps(oursRun).toFixed(0)} vs ${mibps(pythonRun).toFixed(0)} MiB/s (${(mibps(oursRun) / mibps(pythonRun)).toFixed(2)}x)`;
    });
    console.log(`round ${round + 1} (${oursFirst ? 'ours' : 'python'} first, load ${load()}): ${line.join(', ')}`);
  }
  const growth = (r: Result) => r.peak_rss_mib! - r.baseline_rss_mib!;
  const ratios = (a: Result[], b: Result[]) => a.map((r, i) => mibps(r) / mibps(b[i]!));
  console.log(`\n${`artifact of ${artifactMib} MiB (median of ${rounds})`.padEnd(44)}       ours     python  unit   ratio`);
  const fmt = (values: number[]) => values.map((v) => v.toFixed(2)).join(', ');
  const perRound: string[] = [];
  for (const kind of kinds) {
    const [name, { ours: oursRuns, python: pythonRuns }] = [names[kind], results[kind]];
    row(`${name} throughput`, middle(oursRuns.map(mibps)), middle(pythonRuns.map(mibps)), 'MiB/s', true);
    row(
      `${name} CPU time (user + system)`,
      middle(oursRuns.map((r) => r.cpu_seconds!)),
      middle(pythonRuns.map((r) => r.cpu_seconds!)),
      's',
    );
    row(`${name} peak RSS growth (largest)`, Math.max(...oursRuns.map(growth)), Math.max(...pythonRuns.map(growth)), 'MiB');
    const each = ratios(oursRuns, pythonRuns);
    const interval = medianInterval(each);
    const bounds =
      interval.k === undefined
        ? 'too few rounds for a 95% interval'
        : `95% interval ${interval.low.toFixed(2)}–${interval.high.toFixed(2)}`;
    perRound.push(
      `${name} ${fmt(each)} (median ${middle(each).toFixed(2)}, ${bounds}; ours faster in ${each.filter((r) => r >= 1).length} of ${each.length})`,
    );
  }
  console.log(`\nper-round throughput ratios, ours / python: ${perRound.join('; ')}`);
  console.log(
    `load average at the end ${load()}; RSS baselines: ours ${results[kinds[0]].ours[0]!.baseline_rss_mib!.toFixed(0)} MiB, python ${results[kinds[0]].python[0]!.baseline_rss_mib!.toFixed(0)} MiB`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
