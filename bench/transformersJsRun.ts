/**
 * The reference for our engine on a transformers.js-layout folder: transformers.js' own
 * text-generation pipeline, loaded from disk, running one bench case (see benchFigures.ts) greedily
 * with eos suppressed, in a process of its own. Prints one JSON line of figures (RunFigures).
 * Later turns hand generate() the previous turn's past_key_values (return_dict_in_generate), so only
 * the new part of the conversation is computed, as in our engine. Driven by inference.bench.ts.
 *   node out/bench/transformersJsRun.js FOLDER CASE_JSON_FILE DTYPE
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { BenchCase, RunFigures, TurnFigures } from './benchFigures';

type Transformers = typeof import('@huggingface/transformers');

async function main(): Promise<void> {
  const [folder, caseFile, dtype] = process.argv.slice(2);
  const benchCase = JSON.parse(readFileSync(caseFile!, 'utf8')) as BenchCase;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS build, as the engine loads it
  const { pipeline, env, Tensor } = require('@huggingface/transformers') as Transformers;
  env.allowRemoteModels = false;
  env.localModelPath = `${dirname(folder!)}/`;
  const loadStarted = performance.now();
  const generator = await pipeline('text-generation', basename(folder!), { dtype: dtype as 'fp32', device: 'cpu' });
  const loadMs = performance.now() - loadStarted;
  /** Generates `count` tokens after `ids`, continuing `past` (the cache of all of ids but the last few) when given. */
  const run = async (ids: readonly number[], count: number, past: unknown) => {
    const inputIds = new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
    const attentionMask = new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
    let puts = 0;
    const tokenTimesMs: number[] = [];
    let ttftCpuSeconds = 0;
    const cpuAtStart = process.cpuUsage();
    // The pipeline's model.generate() is the loop the pipeline runs; its streamer sees the prompt first, then each token.
    const streamer = {
      put: () => {
        if (puts++ > 0) tokenTimesMs.push(performance.now() - started);
        if (puts === 2) {
          const cpu = process.cpuUsage(cpuAtStart);
          ttftCpuSeconds = (cpu.user + cpu.system) / 1e6;
        }
      },
      end: () => undefined,
    };
    const started = performance.now();
    const output = (await generator.model.generate({
      input_ids: inputIds,
      attention_mask: attentionMask,
      max_new_tokens: count,
      min_new_tokens: count,
      do_sample: false,
      streamer,
      return_dict_in_generate: true,
      ...(past ? { past_key_values: past } : {}),
    } as never)) as { sequences: { tolist(): bigint[][] }; past_key_values: { dispose?: () => Promise<void> } };
    return {
      tokenTimesMs,
      ttftCpuSeconds,
      tokenIds: output.sequences.tolist()[0]!.slice(ids.length).map(Number),
      past: output.past_key_values,
    };
  };
  await run(benchCase.turns[0]!.slice(0, 8), 2, undefined);
  const cpuBefore = process.cpuUsage();
  const conversation: number[] = [];
  const turns: TurnFigures[] = [];
  let past: unknown;
  let cached = 0;
  for (const turnIds of benchCase.turns) {
    conversation.push(...turnIds);
    const { tokenTimesMs, ttftCpuSeconds, tokenIds, past: next } = await run(conversation, benchCase.newTokens, past);
    turns.push({
      fedTokens: conversation.length - cached,
      contextTokens: conversation.length,
      ttftMs: tokenTimesMs[0]!,
      ttftCpuSeconds,
      tokenTimesMs,
      tokenIds,
    });
    conversation.push(...tokenIds);
    past = next;
    // The returned cache holds everything but the last token picked.
    cached = conversation.length - 1;
  }
  const cpu = process.cpuUsage(cpuBefore);
  const figures: RunFigures = {
    engine: 'transformers.js',
    loadMs,
    turns,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
  console.log(JSON.stringify(figures));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
