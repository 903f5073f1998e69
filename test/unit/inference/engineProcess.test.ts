import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { InferenceError } from '../../../src/inference/inferenceError';
import type { GenerationResult } from '../../../src/inference/localModel';
import { EngineClient } from '../../../src/inference/process/engineClient';
import { fixtureModel } from './fixtureModels';
import { referencedModels } from './referenceModels';

const name = 'phi3-tiny-genai-fp32';
const reference = referencedModels().find((m) => m.name === name)!.reference;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
}

/**
 * Starts a long generation; `started` resolves once its first text has come back, that is once the
 * engine is generating, and fails if the generation ends or fails before that.
 */
function longGeneration(client: EngineClient): { running: Promise<GenerationResult>; started: Promise<void> } {
  let firstText!: () => void;
  const texted = new Promise<void>((resolve) => (firstText = resolve));
  const running = client.generate({ prompt: 'Hello' }, { maxNewTokens: 4000 }, () => firstText());
  const endedFirst = running.then((result) => {
    throw new Error(`the generation ended (${result.stopReason}) before its first text`);
  });
  return { running, started: Promise.race([texted, endedFirst]) };
}

describe('the engine in its own process', () => {
  const client = new EngineClient();
  after(() => client.dispose());

  it('loads a model and generates the reference ids, streaming text while this thread stays free', async () => {
    const info = await client.load(fixtureModel(name));
    assert.deepEqual(
      [info.layout, info.modelType, info.numLayers, info.contextLength, info.sharedKvBuffer],
      ['genai', 'phi3', 2, 4096, true],
    );
    // The engine process runs the C API path unless PHI3_ENGINE_BACKEND says otherwise.
    assert.equal(info.backend, process.env.PHI3_ENGINE_BACKEND === 'node' ? 'node' : 'capi');
    assert.ok(client.pid !== undefined && client.pid !== process.pid);
    assert.ok(client.memory!.rssBytes > 0 && client.memory!.peakRssBytes >= client.memory!.rssBytes);
    const prompt = reference.prompts[0]!;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const pieces: string[] = [];
    const result = await client.generate({ inputIds: prompt.input_ids }, { maxLength: prompt.max_length }, (text) => pieces.push(text));
    clearInterval(timer);
    assert.deepEqual(result.tokenIds, prompt.output_ids);
    assert.equal(pieces.join(''), result.text);
    assert.ok(ticks > 0, 'this thread ran timers during generation');
  });

  it('stops a generation in progress within a step and stays usable', async () => {
    let pieces = 0;
    const result = await client.generate({ prompt: 'Tell me a long story' }, { maxNewTokens: 3000 }, () => {
      pieces++;
      if (pieces === 5) client.stop();
    });
    assert.equal(result.stopReason, 'cancelled');
    assert.ok(result.tokenIds.length < 40, `${result.tokenIds.length} tokens`);
    const next = await client.generate({ prompt: 'Hello' }, { maxNewTokens: 3 });
    assert.equal(next.tokenIds.length, 3);
  });

  it('reports a bad folder as the engine error, with its kind and message', async () => {
    await assert.rejects(
      client.load('/nonexistent/model'),
      (error: unknown) => error instanceof InferenceError && error.kind === 'not-a-model-folder' && /does not exist/.test(error.message),
    );
    assert.equal(client.model, undefined);
    await assert.rejects(
      client.generate({ prompt: 'Hello' }),
      (error: unknown) => error instanceof InferenceError && error.kind === 'no-model',
    );
  });

  it('says the process was most likely out of memory when it is SIGKILLed, and recovers on the next load', async () => {
    await client.load(fixtureModel(name));
    const pid = client.pid!;
    const { running, started } = longGeneration(client);
    await started;
    process.kill(pid, 'SIGKILL');
    await assert.rejects(
      running,
      (error: unknown) =>
        error instanceof InferenceError &&
        error.kind === 'worker-crashed' &&
        /The local engine process was killed \(SIGKILL\), most likely by the system for running out of memory \(it had reached [\d.]+ MiB\); the model was unloaded\. Load it again/.test(
          error.message,
        ),
    );
    assert.equal(client.model, undefined);
    await client.load(fixtureModel(name));
    assert.notEqual(client.pid, pid);
    const prompt = reference.prompts[1]!;
    const result = await client.generate({ inputIds: prompt.input_ids }, { maxLength: prompt.max_length });
    assert.deepEqual(result.tokenIds, prompt.output_ids);
  });

  it('ends the process on dispose, even mid-generation, leaving no orphan and this process unharmed', async () => {
    const other = new EngineClient();
    await other.load(fixtureModel(name));
    const pid = other.pid!;
    const { running, started } = longGeneration(other);
    await started;
    other.dispose();
    await assert.rejects(running, /The local engine was shut down/);
    await waitUntil(() => !isAlive(pid));
    assert.equal(isAlive(pid), false);
  });
});
