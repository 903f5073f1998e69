/**
 * One engine measurement in a process of its own (so peak RSS is this engine's alone): loads a model
 * folder with our engine and runs one bench case from a JSON file, greedy with eos suppressed, and
 * prints one JSON line of figures (RunFigures in benchFigures.ts). Driven by inference.bench.ts.
 *   node out/bench/localEngineRun.js FOLDER CASE_JSON_FILE [THREADS (0: onnxruntime's choice)] [DTYPE]
 * The case file is { turns: number[][], newTokens }: each turn's ids are appended to the conversation
 * so far (the previous prompts and answers), and newTokens are generated for each. The conversation
 * is sent whole every turn; LocalModel finds the cached prefix and computes only what is new.
 * The backend comes from PHI3_ENGINE_BACKEND (capi | node).
 */
import { readFileSync } from 'node:fs';
import { LocalModel } from '../src/inference/localModel';
import type { BenchCase, RunFigures, TurnFigures } from './benchFigures';

async function main(): Promise<void> {
  const [folder, caseFile, threadsArg, dtype] = process.argv.slice(2);
  const benchCase = JSON.parse(readFileSync(caseFile!, 'utf8')) as BenchCase;
  const loadStarted = performance.now();
  const model = await LocalModel.load(folder!, {
    ...(Number(threadsArg) > 0 ? { threads: Number(threadsArg) } : {}),
    ...(dtype ? { dtype: dtype as 'fp32' | 'q4' } : {}),
  });
  const loadMs = performance.now() - loadStarted;
  // A warm-up step, as the other runtimes get one: the first run of a session allocates its arenas.
  await model.generate({ input: { inputIds: benchCase.turns[0]!.slice(0, 8) }, options: { maxNewTokens: 2, minLength: 10 } });
  model.resetCache();
  const turns: TurnFigures[] = [];
  const conversation: number[] = [];
  let modelMs = 0;
  let samplingMs = 0;
  let detokenizerMs = 0;
  let totalMs = 0;
  const cpuBefore = process.cpuUsage();
  for (const turnIds of benchCase.turns) {
    conversation.push(...turnIds);
    const total = conversation.length + benchCase.newTokens;
    const tokenTimesMs: number[] = [];
    let ttftCpuSeconds = 0;
    const cpuAtStart = process.cpuUsage();
    const started = performance.now();
    const result = await model.generate({
      input: { inputIds: conversation },
      options: { doSample: false, maxLength: total, minLength: total },
      onToken: () => {
        tokenTimesMs.push(performance.now() - started);
        if (tokenTimesMs.length === 1) {
          const cpu = process.cpuUsage(cpuAtStart);
          ttftCpuSeconds = (cpu.user + cpu.system) / 1e6;
        }
      },
    });
    const { stats } = result;
    turns.push({
      fedTokens: stats.promptTokens - stats.reusedTokens,
      contextTokens: stats.promptTokens,
      ttftMs: tokenTimesMs[0]!,
      ttftCpuSeconds,
      tokenTimesMs,
      tokenIds: [...result.tokenIds],
    });
    conversation.push(...result.tokenIds);
    modelMs += stats.timeInModelMs;
    samplingMs += stats.timeInSamplingMs;
    detokenizerMs += stats.timeInDetokenizerMs;
    totalMs += stats.totalMs;
  }
  const cpu = process.cpuUsage(cpuBefore);
  const figures: RunFigures = {
    engine: `ours (${model.backend})`,
    loadMs,
    turns,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    timeInModelMs: modelMs,
    timeInSamplingMs: samplingMs,
    timeInDetokenizerMs: detokenizerMs,
    totalMs,
  };
  console.log(JSON.stringify(figures));
  await model.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
