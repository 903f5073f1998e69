/**
 * The local engine as the VSIX ships it: dist/engineProcess.js (our code and transformers.js in one
 * bundle, onnxruntime and koffi beside it in dist/node_modules), started from the unpacked extension as the
 * extension starts it, generating the reference ids of a test model.
 */
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EngineReply, EngineRequest } from '../../src/inference/process/engineProtocol';
import { unpackPackagedVsix } from '../harness/packagedVsix';
import { repoRoot } from '../harness/paths';

const model = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4');

describe('the packaged local engine', () => {
  let unpacked: string;

  before(() => {
    unpacked = unpackPackagedVsix().folder;
  });

  after(() => rmSync(unpacked, { recursive: true, force: true }));

  it('runs from the unpacked extension and generates the reference ids', async () => {
    const reference = JSON.parse(readFileSync(join(model, 'reference.json'), 'utf8')) as {
      prompts: { input_ids: number[]; max_length: number; output_ids: number[] }[];
    };
    const prompt = reference.prompts[0]!;
    const engine = fork(join(unpacked, 'extension', 'dist', 'engineProcess.js'), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const ask = (request: EngineRequest) =>
      new Promise<unknown>((resolve, reject) => {
        const onMessage = (reply: EngineReply) => {
          if (reply.id !== request.id || reply.type === 'text') return;
          engine.off('message', onMessage);
          if (reply.type === 'done') resolve(reply.value);
          else reject(new Error(`${reply.kind}: ${reply.message}`));
        };
        engine.on('message', onMessage);
        engine.send(request);
      });
    try {
      const info = (await ask({ type: 'load', id: 1, folder: model, options: {} })) as { layout: string; backend: string };
      assert.equal(info.layout, 'genai');
      // koffi and onnxruntime's library came with the VSIX: the C API path loads, no fallback.
      assert.equal(info.backend, 'capi');
      assert.deepEqual(
        await ask({ type: 'tokenize', id: 2, input: { prompt: '<|user|>\nHello<|end|>\n<|assistant|>\n' } }),
        [32010, 15043, 32007, 32001],
      );
      const result = (await ask({
        type: 'generate',
        id: 3,
        input: { inputIds: prompt.input_ids },
        options: { maxLength: prompt.max_length },
      })) as { tokenIds: number[] };
      assert.deepEqual(result.tokenIds, prompt.output_ids);
    } finally {
      engine.kill();
    }
  });
});
