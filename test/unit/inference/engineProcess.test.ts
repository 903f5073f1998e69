import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { InferenceError } from '../../../src/inference/inferenceError';
import { EngineClient } from '../../../src/inference/worker/engineClient';
import { fixtureModel } from './fixtureModels';
import { referencedModels } from './referenceModels';

const name = 'phi3-tiny-genai-fp32';
const reference = referencedModels().find((m) => m.name === name)!.reference;

describe('the engine on its worker thread', () => {
  const client = new EngineClient();
  after(() => client.dispose());

  it('loads a model and generates the reference ids, streaming text while the main thread stays free', async () => {
    const info = await client.load(fixtureModel(name));
    assert.deepEqual([info.layout, info.modelType, info.numLayers, info.contextLength], ['genai', 'phi3', 2, 4096]);
    assert.ok(client.memory!.rssBytes > 0);
    const prompt = reference.prompts[0]!;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const pieces: string[] = [];
    const result = await client.generate({ inputIds: prompt.input_ids }, { maxLength: prompt.max_length }, (text) => pieces.push(text));
    clearInterval(timer);
    assert.deepEqual(result.tokenIds, prompt.output_ids);
    assert.equal(pieces.join(''), result.text);
    assert.ok(ticks > 0, 'the main thread ran timers during generation');
  });

  it('stops a generation in progress and stays usable', async () => {
    const pieces: string[] = [];
    const running = client.generate({ prompt: 'Tell me a long story' }, { maxNewTokens: 3000 }, (text) => {
      pieces.push(text);
      if (pieces.length === 5) client.stop();
    });
    const result = await running;
    assert.equal(result.stopReason, 'cancelled');
    assert.ok(result.tokenIds.length < 40, `${result.tokenIds.length} tokens`);
    const next = await client.generate({ prompt: 'Hello' }, { maxNewTokens: 3 });
    assert.equal(next.tokenIds.length, 3);
  });

  it('reports a bad folder as the engine error, with its kind and message', async () => {
    await assert.rejects(client.load('/nonexistent/model'), (error: unknown) => error instanceof InferenceError && error.kind === 'not-a-model-folder' && /does not exist/.test(error.message));
    assert.equal(client.model, undefined);
    await assert.rejects(client.generate({ prompt: 'Hello' }), (error: unknown) => error instanceof InferenceError && error.kind === 'no-model');
  });

  it('fails pending calls clearly when the worker dies, and recovers on the next load', async () => {
    await client.load(fixtureModel(name));
    const running = client.generate({ prompt: 'Hello' }, { maxNewTokens: 4000 });
    // What an out-of-memory abort in native code looks like from here: the thread is gone.
    setTimeout(() => void (client as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate(), 50);
    await assert.rejects(running, (error: unknown) => error instanceof InferenceError && error.kind === 'worker-crashed' && /stopped unexpectedly.*Load it again/.test(error.message));
    assert.equal(client.model, undefined);
    await client.load(fixtureModel(name));
    const result = await client.generate({ inputIds: reference.prompts[1]!.input_ids }, { maxLength: reference.prompts[1]!.max_length });
    assert.deepEqual(result.tokenIds, reference.prompts[1]!.output_ids);
  });
});
