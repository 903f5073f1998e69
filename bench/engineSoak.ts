/**
 * RSS soak of the local engine on onnxruntime's C API backend: many short requests in one process,
 * to show whether native memory (KV buffers, OrtValues, sessions) leaks from request to request.
 * Requests: a 16-token prompt and 8 new tokens (greedy); every 5th continues the previous
 * conversation (the cache-reuse path), every 7th is cancelled after its 3rd token (shouldStop), and
 * every 100th (from the 50th on) unloads the model and loads it again. RSS is printed at the start (after the
 * first request), every 100 requests and at the end, then a verdict on the growth over the last 900
 * (the first 100 are the warm-up: arenas and caches settling).
 *   npm run bench:soak [-- --requests 1000 --model test/fixtures/models/phi3-tiny-gqa-genai-int4 --limit-mib 16]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalModel } from '../src/inference/localModel';
import { repoRoot } from '../test/harness/paths';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' },
    model: { type: 'string', default: join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-gqa-genai-int4') },
    'limit-mib': { type: 'string', default: '16' },
  },
});
const requests = Number(values.requests);
const limitMiB = Number(values['limit-mib']);
const gc = (globalThis as { gc?: () => void }).gc;
const rssMiB = () => {
  gc?.();
  return process.memoryUsage.rss() / 2 ** 20;
};

async function main(): Promise<void> {
  process.env.PHI3_ENGINE_BACKEND = 'capi';
  let model = await LocalModel.load(values.model);
  if (model.backend !== 'capi') throw new Error(`the engine fell back to ${model.backend}: this soak is for the C API backend`);
  const started = performance.now();
  const samples: [number, number][] = [];
  let cancelled = 0;
  let reloads = 0;
  let continued = 0;
  let tokens = 0;
  let previous: number[] = [];
  for (let i = 1; i <= requests; i++) {
    if (i % 100 === 50) {
      await model.dispose();
      model = await LocalModel.load(values.model);
      previous = [];
      reloads++;
    }
    const fresh = Array.from({ length: 16 }, (_, k) => 100 + ((i * 131 + k * 17) % 30000));
    const continuing = i % 5 === 0 && previous.length > 0;
    const inputIds = continuing ? [...previous, ...fresh.slice(0, 8)] : fresh;
    const cancel = i % 7 === 0;
    let picked = 0;
    const result = await model.generate({
      input: { inputIds },
      options: { doSample: false, maxNewTokens: 8 },
      onToken: () => picked++,
      ...(cancel ? { shouldStop: () => picked >= 3 } : {}),
    });
    if (result.stopReason === 'cancelled') cancelled++;
    if (continuing) continued++;
    tokens += result.tokenIds.length;
    previous = [...inputIds, ...result.tokenIds];
    if (previous.length > 200) previous = [];
    if (i === 1 || i % 100 === 0 || i === requests) {
      const rss = rssMiB();
      samples.push([i, rss]);
      console.log(
        `after ${String(i).padStart(5)} requests: RSS ${rss.toFixed(1)} MiB  (${((performance.now() - started) / 1000).toFixed(0)} s)`,
      );
    }
  }
  await model.dispose();
  const at = (n: number) => samples.find(([i]) => i === n)?.[1] ?? samples[0]![1];
  const first = samples[0]![1];
  const base = at(Math.min(100, requests));
  const end = samples.at(-1)![1];
  const growth = end - base;
  console.log(
    `${requests} requests (${tokens} tokens; ${continued} continued a conversation, ${cancelled} cancelled mid-generation, ${reloads} unload/reload cycles) in ${((performance.now() - started) / 1000).toFixed(0)} s${gc ? '' : ' (without --expose-gc: RSS includes uncollected JS garbage)'}`,
  );
  const half = at(Math.max(100, Math.round(requests / 200) * 100));
  console.log(
    `RSS: start ${first.toFixed(1)} MiB, after 100 ${base.toFixed(1)} MiB, halfway ${half.toFixed(1)} MiB, end ${end.toFixed(1)} MiB (second half: ${(end - half >= 0 ? '+' : '') + (end - half).toFixed(1)} MiB)`,
  );
  console.log(
    `verdict: ${growth <= limitMiB ? 'OK' : 'GROWING'}: RSS grew ${growth.toFixed(1)} MiB over the last ${requests - Math.min(100, requests)} requests (limit ${limitMiB} MiB)`,
  );
  if (growth > limitMiB) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
