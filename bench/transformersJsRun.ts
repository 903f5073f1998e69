/**
 * The reference for our engine on a transformers.js-layout folder: transformers.js' own
 * text-generation pipeline, loaded from disk, generating greedily from the given ids with eos
 * suppressed, in a process of its own. Prints one JSON line of figures. Driven by inference.bench.ts.
 *   node out/bench/transformersJsRun.js FOLDER IDS_JSON_FILE NEW_TOKENS DTYPE
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';

type Transformers = typeof import('@huggingface/transformers');

async function main(): Promise<void> {
  const [folder, idsFile, newTokensArg, dtype] = process.argv.slice(2);
  const ids = JSON.parse(readFileSync(idsFile!, 'utf8')) as number[];
  const newTokens = Number(newTokensArg);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the CommonJS build, as the engine loads it
  const { pipeline, env, Tensor } = require('@huggingface/transformers') as Transformers;
  env.allowRemoteModels = false;
  env.localModelPath = `${dirname(folder!)}/`;
  const loadStarted = performance.now();
  const generator = await pipeline('text-generation', basename(folder!), { dtype: dtype as 'fp32', device: 'cpu' });
  const loadMs = performance.now() - loadStarted;
  const run = async (promptIds: number[], count: number) => {
    const inputIds = new Tensor('int64', BigInt64Array.from(promptIds, BigInt), [1, promptIds.length]);
    const attentionMask = new Tensor('int64', new BigInt64Array(promptIds.length).fill(1n), [1, promptIds.length]);
    let puts = 0;
    let firstTokenAt = 0;
    // The pipeline's model.generate() is the loop the pipeline runs; its streamer sees the prompt first, then each token.
    const streamer = {
      put: () => {
        puts++;
        if (puts === 2) firstTokenAt = performance.now();
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
    } as never)) as { tolist(): bigint[][] };
    const finished = performance.now();
    return { started, firstTokenAt, finished, tokenIds: output.tolist()[0]!.slice(promptIds.length).map(Number) };
  };
  await run(ids.slice(0, 8), 2);
  const cpuBefore = process.cpuUsage();
  const { started, firstTokenAt, finished, tokenIds } = await run(ids, newTokens);
  const cpu = process.cpuUsage(cpuBefore);
  console.log(
    JSON.stringify({
      engine: 'transformers.js',
      loadMs,
      promptTokens: ids.length,
      newTokens: tokenIds.length,
      timeToFirstTokenMs: firstTokenAt - started,
      prefillTokensPerSecond: (ids.length * 1000) / (firstTokenAt - started),
      decodeTokensPerSecond: ((tokenIds.length - 1) * 1000) / (finished - firstTokenAt),
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      tokenIds,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
