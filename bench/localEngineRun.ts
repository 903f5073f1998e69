/**
 * One engine measurement in a process of its own (so peak RSS is this engine's alone): loads a model
 * folder with our engine, feeds it the given prompt ids, generates greedily with eos suppressed, and
 * prints one JSON line of figures. Driven by inference.bench.ts.
 *   node out/bench/localEngineRun.js FOLDER IDS_JSON_FILE NEW_TOKENS [THREADS (0: onnxruntime's choice)] [DTYPE]
 */
import { readFileSync } from 'node:fs';
import { LocalModel } from '../src/inference/localModel';

async function main(): Promise<void> {
  const [folder, idsFile, newTokensArg, threadsArg, dtype] = process.argv.slice(2);
  const ids = JSON.parse(readFileSync(idsFile!, 'utf8')) as number[];
  const newTokens = Number(newTokensArg);
  const loadStarted = performance.now();
  const model = await LocalModel.load(folder!, {
    ...(Number(threadsArg) > 0 ? { threads: Number(threadsArg) } : {}),
    ...(dtype ? { dtype: dtype as 'fp32' | 'q4' } : {}),
  });
  const loadMs = performance.now() - loadStarted;
  const total = ids.length + newTokens;
  // A warm-up step, as the other runtimes get one: the first run of a session allocates its arenas.
  await model.generate({ input: { inputIds: ids.slice(0, 8) }, options: { maxNewTokens: 2, minLength: 10 } });
  model.resetCache();
  const cpuBefore = process.cpuUsage();
  const result = await model.generate({ input: { inputIds: ids }, options: { doSample: false, maxLength: total, minLength: total } });
  const cpu = process.cpuUsage(cpuBefore);
  const stats = result.stats;
  console.log(
    JSON.stringify({
      engine: 'ours',
      loadMs,
      promptTokens: stats.promptTokens,
      newTokens: stats.newTokens,
      timeToFirstTokenMs: stats.timeToFirstTokenMs,
      prefillTokensPerSecond: stats.prefillTokensPerSecond,
      decodeTokensPerSecond: stats.decodeTokensPerSecond,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      timeInModelMs: stats.timeInModelMs,
      timeInSamplingMs: stats.timeInSamplingMs,
      timeInDetokenizerMs: stats.timeInDetokenizerMs,
      totalMs: stats.totalMs,
      tokenIds: result.tokenIds,
    }),
  );
  await model.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
