/**
 * The local engine against the runtimes it must match or beat, on random-weight models with
 * Phi-3-mini's real width (hidden 3072, 32 heads of 96, intermediate 8192, vocabulary 32064) and
 * fewer layers, built at bench time into .bench-models/ by scripts/test-models/build.sh --bench.
 * Engines, on the onnxruntime-genai int4 folder:
 *   capi      ours on onnxruntime's C API (the default backend)
 *   node      ours on onnxruntime-node's InferenceSession (the fallback)
 *   genai     onnxruntime-genai 0.18 in Python as PyPI ships it (onnxruntime 1.32, .venv-models)
 *   genai130  the same genai on onnxruntime 1.30, the version onnxruntime-node ships (.venv-bench-ort130),
 *             to tell our loop's cost from the runtime version's
 * and on the transformers.js-layout folder:
 *   ours-tjs  ours (C API) on it            tjs  transformers.js' text-generation pipeline on it
 * Cases: N (a prompt of N tokens, then --new-tokens) and turnsK (K turns: each appends a user message
 * of --turn-tokens tokens to the conversation, answer included, and generates --new-tokens; the KV
 * cache is kept from turn to turn by every engine). Each engine runs in a process of its own (peak RSS
 * is its own), greedy, the same ids, eos suppressed so every runtime makes the same number of tokens.
 * The engines take turns, round after round, so the machine's other load falls on each alike; the
 * median of --repeat rounds is printed. The machine's memcpy bandwidth is measured first, and each
 * decode rate is also given as a share of the bound it implies (bandwidth / bytes of weights per token).
 *   npm run bench:inference [-- --cases 256,1024,3072,turns5 --engines capi,node,genai,genai130,ours-tjs,tjs
 *                               --new-tokens 64 --turn-tokens 100 --repeat 1 --threads N --skip node@3072,tjs@3072]
 * Everything runs by default (about 10 minutes on an idle 2-core machine, 3 to 4 times that under load; 3,072 tokens on
 * the node fallback and transformers.js are the slowest, about a minute each idle): --skip node@3072,tjs@3072 leaves them out, saying so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ModelTokenizer } from '../src/inference/modelTokenizer';
import { repoRoot } from '../test/harness/paths';
import { medianSummary, summarize, type BenchCase, type RunFigures, type Summary } from './benchFigures';

const allEngines = ['capi', 'node', 'genai', 'genai130', 'ours-tjs', 'tjs'] as const;
type EngineKey = (typeof allEngines)[number];

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '256,1024,3072,turns5' },
    engines: { type: 'string', default: allEngines.join(',') },
    'new-tokens': { type: 'string', default: '64' },
    'turn-tokens': { type: 'string', default: '100' },
    repeat: { type: 'string', default: '1' },
    threads: { type: 'string' },
    /** engine@case pairs (or engines) not to run, e.g. node@3072,tjs@3072: each is said in the output. */
    skip: { type: 'string', default: '' },
    models: { type: 'string', default: join(repoRoot, '.bench-models') },
  },
});
const newTokens = Number(values['new-tokens']);
const turnTokens = Number(values['turn-tokens']);
const repeat = Number(values.repeat);
const engines = values.engines.split(',').map((e) => e.trim()) as EngineKey[];
for (const engine of engines)
  if (!allEngines.includes(engine)) throw new Error(`unknown engine ${engine} (known: ${allEngines.join(', ')})`);
const caseNames = values.cases.split(',').map((c) => c.trim());
const skips = new Set(
  values.skip
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
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

/** `backend`: for our engine, which onnxruntime binding runs it (PHI3_ENGINE_BACKEND in its process). */
function run(command: string, args: string[], backend?: 'capi' | 'node'): RunFigures {
  const env = backend ? { ...process.env, PHI3_ENGINE_BACKEND: backend } : process.env;
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26, env });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr.slice(-3000)}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as RunFigures;
}

/**
 * memcpy bandwidth as memory traffic: Buffer.copy of 256 MiB blocks, 1 GiB a trial, best of `trials`;
 * each byte copied is read once and written once, so the traffic is twice the bytes copied. (A decode
 * step only reads its weights: this is the figure comparable to that read stream.)
 */
function memcpyBandwidth(trials = 5): number {
  const block = 256 * 1024 * 1024;
  const source = Buffer.alloc(block, 1);
  const target = Buffer.alloc(block, 2);
  let best = 0;
  for (let trial = 0; trial < trials; trial++) {
    const started = performance.now();
    for (let i = 0; i < 4; i++) source.copy(target, 0, 0, block);
    const seconds = (performance.now() - started) / 1000;
    best = Math.max(best, (2 * 4 * block) / seconds);
  }
  return best;
}

/** Bytes of the graph and its external weights in a folder: the .onnx files (and their data files) the engine loads. */
function weightBytes(folder: string, files: (name: string) => boolean): { bytes: number; files: string[] } {
  const names = readdirSync(folder).filter(files);
  return { bytes: names.reduce((n, name) => n + statSync(join(folder, name)).size, 0), files: names };
}

interface Row {
  readonly key: EngineKey;
  readonly summary: Summary;
  readonly boundTokensPerSecond: number;
  /** The same without the embedding table (fp32 in these graphs), of which a step gathers one row. */
  readonly boundWithoutEmbeddingTokensPerSecond: number;
}

function table(rows: readonly Row[], multiTurn: boolean): void {
  const header = [
    'engine',
    multiTurn ? 'TTFT ms (turns 2+)' : 'TTFT ms',
    'prefill tok/s',
    'prefill CPU ms/tok',
    'decode tok/s',
    'step ms start',
    'step ms end',
    'CPU s',
    'peak RSS MiB',
    'decode/bound',
    'decode/bound w/o embed',
  ];
  const lines = rows.map(({ summary: s, boundTokensPerSecond, boundWithoutEmbeddingTokensPerSecond }) => [
    s.engine,
    s.ttftMs.toFixed(0),
    s.prefillTokensPerSecond.toFixed(1),
    s.prefillCpuMsPerToken.toFixed(1),
    s.decodeTokensPerSecond.toFixed(2),
    s.stepStartMs.toFixed(1),
    s.stepEndMs.toFixed(1),
    s.cpuSeconds.toFixed(2),
    s.peakRssMiB.toFixed(0),
    `${((s.decodeTokensPerSecond / boundTokensPerSecond) * 100).toFixed(0)}%`,
    `${((s.decodeTokensPerSecond / boundWithoutEmbeddingTokensPerSecond) * 100).toFixed(0)}%`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  for (const line of [header, ...lines])
    console.log(line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  if (multiTurn)
    for (const { summary: s } of rows) console.log(`  ${s.engine}: TTFT per turn ${s.turnTtftsMs.map((t) => t.toFixed(0)).join(' / ')} ms`);
}

function timeSplit(ours: Summary): void {
  const raw = ours.raw;
  if (raw.totalMs === undefined) return;
  const share = (ms: number | undefined) => `${(((ms ?? 0) / raw.totalMs!) * 100).toFixed(1)}%`;
  const other = raw.totalMs - (raw.timeInModelMs ?? 0) - (raw.timeInSamplingMs ?? 0) - (raw.timeInDetokenizerMs ?? 0);
  console.log(
    `  where ${ours.engine} spent its ${(raw.totalMs / 1000).toFixed(2)} s: onnxruntime runs ${share(raw.timeInModelMs)}, sampling ${share(raw.timeInSamplingMs)}, ` +
      `detokenizing ${share(raw.timeInDetokenizerMs)}, the rest (feeds, tokenizing, bookkeeping) ${share(other)}`,
  );
}

function ratios(ours: Summary, theirs: Summary): void {
  const r = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const sameFirst = JSON.stringify(ours.tokenIds[0]) === JSON.stringify(theirs.tokenIds[0]);
  const sameAll = JSON.stringify(ours.tokenIds) === JSON.stringify(theirs.tokenIds);
  const same = ours.tokenIds.length === 1 ? (sameAll ? 'yes' : 'NO') : `${sameAll ? 'all turns' : sameFirst ? 'first turn only' : 'NO'}`;
  console.log(
    `  ${ours.engine} / ${theirs.engine}: decode ${r(ours.decodeTokensPerSecond, theirs.decodeTokensPerSecond)}, prefill ${r(ours.prefillTokensPerSecond, theirs.prefillTokensPerSecond)}, ` +
      `TTFT ${r(ours.ttftMs, theirs.ttftMs)}, step end ${r(ours.stepEndMs, theirs.stepEndMs)}, CPU ${r(ours.cpuSeconds, theirs.cpuSeconds)}, RSS ${r(ours.peakRssMiB, theirs.peakRssMiB)} ` +
      `(TTFT, step, CPU, RSS: lower is better); same tokens: ${same}`,
  );
}

async function main(): Promise<void> {
  const genaiFolder = join(values.models, 'phi3-mini-width-genai-int4');
  if (!existsSync(join(genaiFolder, 'genai_config.json'))) {
    console.log('building the benchmark models (scripts/test-models/build.sh --bench)…');
    const build = spawnSync('bash', [join(repoRoot, 'scripts', 'test-models', 'build.sh'), '--bench'], { stdio: 'inherit' });
    if (build.status !== 0) throw new Error('building the benchmark models failed');
  }
  const transformersJsFolder = readdirSync(values.models)
    .map((name) => join(values.models, name))
    .find((folder) => existsSync(join(folder, 'onnx')));
  const dtype = transformersJsFolder && existsSync(join(transformersJsFolder, 'onnx', 'model_q4.onnx')) ? 'q4' : 'fp32';
  const ort130Python = engines.includes('genai130') ? ensureOrt130Venv() : '';

  // The same ids for every runtime: text long enough, cut to the asked lengths.
  const tokenizer = await ModelTokenizer.load(genaiFolder);
  const text =
    'The history of machine learning on small devices begins with simple models and grows into language models that answer questions. ';
  const textIds = (count: number, salt: string) => {
    const ids = tokenizer.encode(`${salt} ${text.repeat(Math.ceil(count / 8))}`);
    if (ids.length < count) throw new Error('bench text too short');
    return ids.slice(0, count);
  };
  const dir = mkdtempSync(join(tmpdir(), 'phi3-bench-'));
  const caseFile = (name: string): { file: string; benchCase: BenchCase } => {
    let turns: number[][];
    const multi = /^turns(\d+)$/.exec(name);
    if (multi) {
      // <|user|> text <|end|> <|assistant|>, and from the second turn on an <|end|> closing the previous answer first.
      turns = Array.from({ length: Number(multi[1]) }, (_, i) =>
        i === 0
          ? [32010, ...textIds(turnTokens - 3, `Question ${i + 1}:`), 32007, 32001]
          : [32007, 32010, ...textIds(turnTokens - 4, `Question ${i + 1}:`), 32007, 32001],
      );
    } else if (/^\d+$/.test(name)) {
      turns = [[32010, ...textIds(Number(name) - 1, 'Question:')]];
    } else {
      throw new Error(`unknown case ${name} (a prompt length like 1024, or turnsN)`);
    }
    const benchCase = { turns, newTokens };
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(benchCase));
    return { file, benchCase };
  };

  const threads = values.threads ? [values.threads] : [];
  const genaiWeights = weightBytes(genaiFolder, (n) => n.endsWith('.onnx') || n.endsWith('.onnx.data'));
  const tjsWeights = transformersJsFolder
    ? weightBytes(join(transformersJsFolder, 'onnx'), (n) => n.startsWith(dtype === 'q4' ? 'model_q4.onnx' : 'model.onnx'))
    : undefined;
  const decoderConfig = (
    JSON.parse(readFileSync(join(genaiFolder, 'genai_config.json'), 'utf8')) as {
      model: { vocab_size: number; decoder: { hidden_size: number } };
    }
  ).model;
  const embeddingBytes = decoderConfig.vocab_size * decoderConfig.decoder.hidden_size * 4;
  const bandwidth = memcpyBandwidth();
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); memcpy bandwidth ${(bandwidth / 1e9).toFixed(1)} GB/s read+write (${(bandwidth / 2e9).toFixed(1)} GB/s copied; Buffer.copy of 256 MiB, 1 GiB a trial, best of 5)`,
  );
  console.log(
    `bound tokens/s = bandwidth / weight bytes read per token, taken as the size of the model's graph and weight files: ` +
      `genai folder ${genaiWeights.files.join(' + ')} = ${mib(genaiWeights.bytes)} → ${(bandwidth / genaiWeights.bytes).toFixed(1)} tok/s` +
      (tjsWeights && transformersJsFolder
        ? `; transformers.js folder onnx/${tjsWeights.files.join(' + ')} = ${mib(tjsWeights.bytes)} → ${(bandwidth / tjsWeights.bytes).toFixed(1)} tok/s`
        : '') +
      ` (this counts the whole embedding table, of which a step reads one row, and no KV cache). ` +
      `Without the fp32 embedding table (${decoderConfig.vocab_size}×${decoderConfig.decoder.hidden_size}×4 B = ${mib(embeddingBytes)}): ` +
      `genai ${(bandwidth / (genaiWeights.bytes - embeddingBytes)).toFixed(1)} tok/s` +
      (tjsWeights ? `, transformers.js ${(bandwidth / (tjsWeights.bytes - embeddingBytes)).toFixed(1)} tok/s` : ''),
  );
  console.log(
    `models: ${genaiFolder}${transformersJsFolder ? ` and ${transformersJsFolder} (${dtype})` : ''}; greedy, eos suppressed, ${newTokens} new tokens a turn, median of ${repeat} round(s); cases ${caseNames.join(', ')}`,
  );

  const genaiArgs = (file: string) => [
    join(repoRoot, 'bench', 'inference_genai_bench.py'),
    '--model',
    genaiFolder,
    '--case-file',
    file,
    '--json',
    ...(values.threads ? ['--threads', values.threads] : []),
  ];
  const launchers: Record<EngineKey, { label: string; once: (file: string) => RunFigures; bound: number } | undefined> = {
    capi: {
      label: 'ours, C API (onnxruntime 1.30)',
      once: (file) => run(process.execPath, [join(__dirname, 'localEngineRun.js'), genaiFolder, file, ...threads], 'capi'),
      bound: bandwidth / genaiWeights.bytes,
    },
    node: {
      label: 'ours, onnxruntime-node 1.30',
      once: (file) => run(process.execPath, [join(__dirname, 'localEngineRun.js'), genaiFolder, file, ...threads], 'node'),
      bound: bandwidth / genaiWeights.bytes,
    },
    genai: {
      label: 'onnxruntime-genai 0.18 (ort 1.32)',
      once: (file) => run(modelsPython, genaiArgs(file)),
      bound: bandwidth / genaiWeights.bytes,
    },
    genai130: {
      label: 'onnxruntime-genai 0.18 (ort 1.30)',
      once: (file) => run(ort130Python, genaiArgs(file)),
      bound: bandwidth / genaiWeights.bytes,
    },
    'ours-tjs': transformersJsFolder
      ? {
          label: `ours, C API, transformers.js layout (${dtype})`,
          once: (file) =>
            run(process.execPath, [join(__dirname, 'localEngineRun.js'), transformersJsFolder, file, threads[0] ?? '0', dtype], 'capi'),
          bound: bandwidth / tjsWeights!.bytes,
        }
      : undefined,
    tjs: transformersJsFolder
      ? {
          label: `transformers.js 4.3.1 pipeline (${dtype})`,
          once: (file) => run(process.execPath, [join(__dirname, 'transformersJsRun.js'), transformersJsFolder, file, dtype]),
          bound: bandwidth / tjsWeights!.bytes,
        }
      : undefined,
  };

  for (const name of caseNames) {
    const { file, benchCase } = caseFile(name);
    const multiTurn = benchCase.turns.length > 1;
    const fed = benchCase.turns.map((t) => t.length);
    console.log(
      `\ncase ${name}: ${multiTurn ? `${fed.length} turns of ${fed.join('/')} new ids, ${newTokens} new tokens each` : `prompt ${fed[0]} tokens, ${newTokens} new tokens`}`,
    );
    const chosen: EngineKey[] = [];
    for (const key of engines) {
      if (!launchers[key]) console.log(`  ${key} skipped: no transformers.js-layout benchmark model in ${values.models}`);
      else if (skips.has(`${key}@${name}`) || skips.has(key)) {
        console.log(`  ${launchers[key].label} skipped (--skip ${key}@${name}, asked for)`);
      } else chosen.push(key);
    }
    const rounds = chosen.map(() => [] as Summary[]);
    for (let round = 0; round < repeat; round++) {
      chosen.forEach((key, i) => {
        const launcher = launchers[key]!;
        const started = performance.now();
        rounds[i]!.push(summarize({ ...launcher.once(file), engine: launcher.label }));
        process.stderr.write(
          `  ${name} round ${round + 1}/${repeat}: ${launcher.label} ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
        );
      });
    }
    const rows: Row[] = chosen.map((key, i) => {
      const bound = launchers[key]!.bound;
      return {
        key,
        summary: medianSummary(rounds[i]!),
        boundTokensPerSecond: bound,
        boundWithoutEmbeddingTokensPerSecond: bandwidth / (bandwidth / bound - embeddingBytes),
      };
    });
    table(rows, multiTurn);
    const row = (key: EngineKey) => rows.find((r) => r.key === key)?.summary;
    for (const key of ['capi', 'node', 'ours-tjs'] as const) if (row(key)) timeSplit(row(key)!);
    for (const [a, b] of [
      ['capi', 'genai'],
      ['capi', 'genai130'],
      ['node', 'genai130'],
      ['capi', 'node'],
      ['ours-tjs', 'tjs'],
    ] as const) {
      const ours = row(a);
      const theirs = row(b);
      if (ours && theirs) ratios(ours, theirs);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
