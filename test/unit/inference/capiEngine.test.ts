/**
 * What only the C API path promises: the shared KV buffer is written in place (one buffer, the same
 * from step to step, its contents growing), native objects are released on unload and on cancel,
 * and an onnxruntime without the API version the function table was written for is refused with its
 * message, after which the engine falls back to onnxruntime-node.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CApiDecoderSession, CApiKvCache } from '../../../src/inference/capiDecoderSession';
import { loadDecoder } from '../../../src/inference/decoderBackend';
import { InferenceError } from '../../../src/inference/inferenceError';
import { LocalModel } from '../../../src/inference/localModel';
import { inspectModelFolder } from '../../../src/inference/modelFolder';
import { ORT_API_VERSION } from '../../../src/inference/ortCApi/ortApiTable';
import { OrtCApi } from '../../../src/inference/ortCApi/ortCApi';
import type { OrtTensor } from '../../../src/inference/ortCApi/ortTensor';
import { fixtureModel } from './fixtureModels';

const sharedModel = 'phi3-tiny-gqa-genai-int4';
const growingModel = 'phi3-tiny-transformersjs';

const bufferOf = (cache: CApiKvCache, layer: number) => (cache.keys[layer] as OrtTensor).data as Float32Array;

describe('the C API engine', () => {
  it("loads onnxruntime-node's own library and checks its function table", () => {
    const ort = OrtCApi.load();
    assert.equal(ort.version, '1.30.0');
    assert.match(ort.libraryPath, /onnxruntime-node[\\/]bin[\\/]napi-v\d+[\\/]/);
  });

  it('refuses an API version the library does not offer, with a message naming both', () => {
    assert.throws(
      () => OrtCApi.load({ apiVersion: ORT_API_VERSION + 1 }),
      (error: unknown) =>
        error instanceof InferenceError &&
        error.kind === 'runtime-mismatch' &&
        /onnxruntime 1\.30\.0 at .* does not offer C API version 31, which this engine's function table was written for \(onnxruntime 1\.30\.0, API 30\)/.test(
          error.message,
        ),
    );
  });

  it('falls back to onnxruntime-node when the C API cannot be loaded, and says why', async () => {
    const spec = await inspectModelFolder(fixtureModel(sharedModel));
    const lines: string[] = [];
    const original = OrtCApi.load;
    OrtCApi.load = () => {
      throw new InferenceError('load-failed', 'koffi is not here.');
    };
    try {
      const decoder = await loadDecoder(spec, {}, (line) => lines.push(line));
      assert.equal(decoder.backend, 'node');
      await decoder.dispose();
    } finally {
      OrtCApi.load = original;
    }
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /runs on onnxruntime-node's InferenceSession .* C API is unavailable\. koffi is not here\./);
  });

  it('writes the shared KV buffer in place: the same buffer at every step, filled position by position', async () => {
    const model = await LocalModel.load(fixtureModel(sharedModel), { backend: 'capi' });
    try {
      assert.ok(model.sharesKvBuffer);
      const decoder = model.decoder as CApiDecoderSession;
      let cache = decoder.emptyCache();
      const first = await decoder.step([1, 450, 4996], cache, 16);
      cache = first.cache;
      const buffer = bufferOf(cache, 0);
      assert.equal(cache.capacity, 16);
      const { numKeyValueHeads: heads, headSize } = model.spec;
      // Position p of head 0 sits at p * headSize; positions past the cache length are still zero.
      const position = (p: number) => Array.from(buffer.subarray(p * headSize, (p + 1) * headSize));
      assert.ok(position(2).some((x) => x !== 0));
      assert.ok(position(3).every((x) => x === 0));
      const before = position(2);
      for (const token of [3, 4, 5]) cache = (await decoder.step([token], cache, 16)).cache;
      assert.equal(cache.length, 6);
      assert.strictEqual(bufferOf(cache, 0), buffer, 'the same buffer after three more steps');
      assert.deepEqual(position(2), before, 'earlier positions untouched');
      assert.ok(
        position(5).some((x) => x !== 0),
        'the last step wrote position 5',
      );
      assert.ok(position(6).every((x) => x === 0));
      assert.equal(buffer.length, heads * 16 * headSize);
      // A request that fits reuses the buffer rather than allocating another.
      const result = await model.generate({ input: { inputIds: [1, 450] }, options: { maxNewTokens: 4 } });
      assert.equal(result.tokenIds.length, 4);
      model.resetCache();
      assert.ok(bufferOf(decoder.emptyCache(), 0).length >= heads * 6 * headSize);
    } finally {
      await model.dispose();
    }
  });

  it('does not reuse a shared cache that a first-step check wrote over', async () => {
    const model = await LocalModel.load(fixtureModel(sharedModel), { backend: 'capi' });
    try {
      const first = [1, 450, 4996, 17354];
      const answer = await model.generate({ input: { inputIds: first }, options: { maxNewTokens: 4 } });
      await model.firstStepLogits([1, 3, 5, 7, 9, 11, 13]);
      const next = [...first, ...answer.tokenIds, 29871];
      const continued = await model.generate({ input: { inputIds: next }, options: { maxNewTokens: 4 } });
      assert.equal(continued.stats.reusedTokens, 0);
      model.resetCache();
      const fresh = await model.generate({ input: { inputIds: next }, options: { maxNewTokens: 4 } });
      assert.deepEqual(continued.tokenIds, fresh.tokenIds);
    } finally {
      await model.dispose();
    }
  });

  it('cuts a growing cache back to the shared prefix when an earlier turn changes, with the ids a fresh run gives', async () => {
    const model = await LocalModel.load(fixtureModel(growingModel), { backend: 'capi' });
    try {
      assert.ok(!model.sharesKvBuffer);
      const base = model.tokenize({ prompt: 'The quick brown fox jumps over the lazy dog and runs far away' });
      await model.generate({ input: { inputIds: base }, options: { maxNewTokens: 4 } });
      const edited = [...base.slice(0, 6), 450, 4996];
      const result = await model.generate({ input: { inputIds: edited }, options: { maxNewTokens: 6 } });
      assert.equal(result.stats.reusedTokens, 6);
      model.resetCache();
      const fresh = await model.generate({ input: { inputIds: edited }, options: { maxNewTokens: 6 } });
      assert.deepEqual(result.tokenIds, fresh.tokenIds);
    } finally {
      await model.dispose();
    }
  });

  for (const name of [sharedModel, growingModel]) {
    it(`releases every native object on unload, and holds no more after a cancelled request than after a finished one (${name})`, async () => {
      const model = await LocalModel.load(fixtureModel(name), { backend: 'capi' });
      const decoder = model.decoder as CApiDecoderSession;
      await model.generate({ input: { prompt: 'Hello there' }, options: { maxNewTokens: 6 } });
      const settled = decoder.nativeObjectCount;
      for (let i = 0; i < 5; i++) {
        let steps = 0;
        const stopped = await model.generate({
          input: { prompt: `Tell me a story ${i}` },
          options: { maxNewTokens: 50 },
          shouldStop: () => ++steps >= 3,
        });
        assert.equal(stopped.stopReason, 'cancelled');
        assert.equal(decoder.nativeObjectCount, settled, `after cancelled request ${i}`);
        await model.generate({ input: { prompt: `Hello ${i}` }, options: { maxNewTokens: 6 } });
        assert.equal(decoder.nativeObjectCount, settled, `after request ${i}`);
      }
      assert.ok(settled > 0);
      await model.dispose();
      assert.equal(decoder.nativeObjectCount, 0);
    });
  }
});
