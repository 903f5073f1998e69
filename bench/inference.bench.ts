/**
 * The local engine against the runtimes it must match or beat, on random-weight models with
 * Phi-3-mini's real width (hidden 3072, 32 heads of 96, intermediate 8192, vocabulary 32064) and
 * fewer layers, built at bench time into .bench-models/ by scripts/test-models/build.sh --bench:
 *   (a) ours on the onnxruntime-genai int4 folder, on onnxruntime's C API (the default) and on
 *       onnxruntime-node's InferenceSession (the fallback)  vs  (b) onnxruntime-genai in Python on the same folder,
 *       as PyPI ships it (onnxruntime 1.32), and (b') the same genai on onnxruntime 1.30, the version
 *       onnxruntime-node ships (its newest), to tell our loop's cost from the runtime version's;
 *   (c) ours on the transformers.js-layout folder   vs  (d) transformers.js' text-generation pipeline on it.
 * Each runs in a process of its own (peak RSS is its own), greedy, the same prompt ids, eos suppressed
 * so every runtime makes the same number of tokens. The engines take turns, round after round, so
 * the machine's other load falls on each alike; the median of --repeat rounds is printed.
 *   npm run bench:inference [-- --prompt-tokens 256 --new-tokens 64 --repeat 3 --threads N]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ModelTokenizer } from '../src/inference/modelTokenizer';
import { repoRoot } from '../test/harness/paths';

const { values } = parseArgs({
  options: {
    'prompt-tokens': { type: 'string', default: '256' },
    'new-tokens': { type: 'string', default: '64' },
    repeat: { type: 'string', default: '3' },
    threads: { type: 'string' },
    models: { type: 'string', default: join(repoRoot, '.bench-models') },
  },
});
const promptTokens = Number(values['prompt-tokens']);
const newTokens = Number(values['new-tokens']);
const repeat = Number(values.repeat);
const modelsPython = join(repoRoot, '.venv-models', 'bin', 'python');
/** onnxruntime-genai 0.18 over onnxruntime 1.30 (genai declares no minimum; it runs on 1.30). */
const ort130Venv = join(repoRoot, '.venv-bench-ort130');

function ensureOrt130Venv(): string {
  const python = join(ort130Venv, 'bin', 'python');
  if (!existsSync(python)) {
    console.log('making .venv-bench-ort130 (onnxruntime 1.30.0 + onnxruntime-genai 0.18.0)…');
    const steps: [string, string[]][] = [
      ['python3', ['-m', 'venv', ort130Venv]],
      [join(ort130Venv, 'bin', 'pip'), ['install', '--quiet', 'onnxruntime==1.30.0', 'numpy==2.4.6']],
      [join(ort130Venv, 'bin', 'pip'), ['install', '--quiet', '--no-deps', 'onnxruntime-genai==0.18.0']],
    ];
    for (const [command, args] of steps) {
      if (spawnSync(command, args, { stdio: 'inherit' }).status !== 0) throw new Error(`${command} ${args.join(' ')} failed`);
    }
  }
  return python;
}

interface Figures {
  engine: string;
  loadMs: number;
  promptTokens: number;
  newTokens: number;
  timeToFirstTokenMs: number;
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
  peakRssMiB: number;
  /** CPU time of the generation (prefill and decode): its cost, however busy the machine was. */
  cpuSeconds: number;
  tokenIds: number[];
  /** Ours only: where the generation's time went. */
  timeInModelMs?: number;
  timeInSamplingMs?: number;
  timeInDetokenizerMs?: number;
  totalMs?: number;
}

/** `backend`: for our engine, which onnxruntime binding runs it (PHI3_ENGINE_BACKEND in its process). */
function run(command: string, args: string[], backend?: 'capi' | 'node'): Figures {
  const env = backend ? { ...process.env, PHI3_ENGINE_BACKEND: backend } : process.env;
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26, env });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr.slice(-3000)}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Figures;
}

function median(runs: Figures[]): Figures {
  const mid = (key: keyof Figures) => (runs.map((r) => r[key] as number).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!);
  return {
    ...runs[0]!,
    loadMs: mid('loadMs'),
    timeToFirstTokenMs: mid('timeToFirstTokenMs'),
    prefillTokensPerSecond: mid('prefillTokensPerSecond'),
    decodeTokensPerSecond: mid('decodeTokensPerSecond'),
    peakRssMiB: mid('peakRssMiB'),
    cpuSeconds: mid('cpuSeconds'),
  };
}

/** Runs every engine once per round, `repeat` rounds, and gives each engine's medians. */
function measureInTurns(engines: readonly [string, () => Figures][]): Figures[] {
  const runs = engines.map(() => [] as Figures[]);
  for (let round = 0; round < repeat; round++) {
    engines.forEach(([label, once], i) => {
      process.stderr.write(`  round ${round + 1}/${repeat}: ${label}\n`);
      runs[i]!.push({ ...once(), engine: label });
    });
  }
  return runs.map(median);
}

function table(rows: Figures[]): void {
  const header = ['engine', 'load s', 'TTFT ms', 'prefill tok/s', 'decode tok/s', 'CPU s', 'peak RSS MiB'];
  const lines = rows.map((r) => [r.engine, (r.loadMs / 1000).toFixed(2), r.timeToFirstTokenMs.toFixed(0), r.prefillTokensPerSecond.toFixed(1), r.decodeTokensPerSecond.toFixed(2), r.cpuSeconds.toFixed(2), r.peakRssMiB.toFixed(0)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  for (const line of [header, ...lines]) console.log(line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
}

function timeSplit(ours: Figures): void {
  if (ours.totalMs === undefined) return;
  const share = (ms: number | undefined) => `${(((ms ?? 0) / ours.totalMs!) * 100).toFixed(1)}%`;
  const other = ours.totalMs - (ours.timeInModelMs ?? 0) - (ours.timeInSamplingMs ?? 0) - (ours.timeInDetokenizerMs ?? 0);
  console.log(
    `where ${ours.engine} spent its ${(ours.totalMs / 1000).toFixed(2)} s: onnxruntime runs ${share(ours.timeInModelMs)}, sampling ${share(ours.timeInSamplingMs)}, ` +
      `detokenizing ${share(ours.timeInDetokenizerMs)}, the rest (feeds, tokenizing, bookkeeping) ${share(other)}`,
  );
}

function ratios(ours: Figures, theirs: Figures): void {
  const r = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  console.log(
    `${ours.engine} / ${theirs.engine}: decode ${r(ours.decodeTokensPerSecond, theirs.decodeTokensPerSecond)}, prefill ${r(ours.prefillTokensPerSecond, theirs.prefillTokensPerSecond)}, ` +
      `TTFT ${r(ours.timeToFirstTokenMs, theirs.timeToFirstTokenMs)}, CPU time ${r(ours.cpuSeconds, theirs.cpuSeconds)}, peak RSS ${r(ours.peakRssMiB, theirs.peakRssMiB)} (these three: lower is better); ` +
      `same tokens: ${JSON.stringify(ours.tokenIds) === JSON.stringify(theirs.tokenIds) ? 'yes' : 'NO'}`,
  );
}

async function main(): Promise<void> {
  const genaiFolder = join(values.models, 'phi3-mini-width-genai-int4');
  if (!existsSync(join(genaiFolder, 'genai_config.json'))) {
    console.log('building the benchmark models (scripts/test-models/build.sh --bench)…');
    const build = spawnSync('bash', [join(repoRoot, 'scripts', 'test-models', 'build.sh'), '--bench'], { stdio: 'inherit' });
    if (build.status !== 0) throw new Error('building the benchmark models failed');
  }
  const transformersJsFolder = readdirSync(values.models).map((name) => join(values.models, name)).find((folder) => existsSync(join(folder, 'onnx')));
  // The same prompt ids for every runtime: a text long enough, cut to the asked length.
  const tokenizer = await ModelTokenizer.load(genaiFolder);
  const text = 'The history of machine learning on small devices begins with simple models and grows into language models that answer questions. '.repeat(Math.ceil(promptTokens / 8));
  const ids = [32010, ...tokenizer.encode(text).slice(0, promptTokens - 1)];
  const idsFile = join(mkdtempSync(join(tmpdir(), 'phi3-bench-')), 'ids.json');
  writeFileSync(idsFile, JSON.stringify(ids));
  const threads = values.threads ? [values.threads] : [];
  console.log(`prompt ${ids.length} tokens, ${newTokens} new tokens, greedy, median of ${repeat}; machine: ${(await import('node:os')).cpus().length} cores`);

  console.log(`\n(a)/(b)/(b') ${genaiFolder}`);
  const genaiArgs = [join(repoRoot, 'bench', 'inference_genai_bench.py'), '--model', genaiFolder, '--ids-file', idsFile, '--new-tokens', String(newTokens), '--json', ...(values.threads ? ['--threads', values.threads] : [])];
  const ort130Python = ensureOrt130Venv();
  const oursArgs = [join(__dirname, 'localEngineRun.js'), genaiFolder, idsFile, String(newTokens), ...threads];
  const [ours, oursNode, genai, genai130] = measureInTurns([
    ['ours, C API (onnxruntime 1.30)', () => run(process.execPath, oursArgs, 'capi')],
    ['ours, onnxruntime-node 1.30', () => run(process.execPath, oursArgs, 'node')],
    ['onnxruntime-genai 0.18 (onnxruntime 1.32)', () => run(modelsPython, genaiArgs)],
    ['onnxruntime-genai 0.18 (onnxruntime 1.30)', () => run(ort130Python, genaiArgs)],
  ]) as [Figures, Figures, Figures, Figures];
  table([ours, oursNode, genai, genai130]);
  timeSplit(ours);
  timeSplit(oursNode);
  ratios(ours, genai);
  ratios(ours, genai130);
  ratios(oursNode, genai130);

  if (transformersJsFolder) {
    console.log(`\n(c)/(d) ${transformersJsFolder}`);
    const dtype = existsSync(join(transformersJsFolder, 'onnx', 'model_q4.onnx')) ? 'q4' : 'fp32';
    const [oursTjs, tjs] = measureInTurns([
      [`ours, C API (${dtype})`, () => run(process.execPath, [join(__dirname, 'localEngineRun.js'), transformersJsFolder, idsFile, String(newTokens), threads[0] ?? '0', dtype], 'capi')],
      [`transformers.js 4.3.1 pipeline (${dtype})`, () => run(process.execPath, [join(__dirname, 'transformersJsRun.js'), transformersJsFolder, idsFile, String(newTokens), dtype])],
    ]) as [Figures, Figures];
    table([oursTjs, tjs]);
    timeSplit(oursTjs);
    ratios(oursTjs, tjs);
  } else {
    console.log('\n(c)/(d) skipped: no transformers.js-layout benchmark model in', values.models);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
