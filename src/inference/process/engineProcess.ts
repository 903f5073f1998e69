import { parentPort, workerData } from 'node:worker_threads';
import { InferenceError } from '../inferenceError';
import { LocalModel } from '../localModel';
import type { EngineReply, EngineRequest, LoadedModelInfo, MemoryReport } from './engineProtocol';

/**
 * The inference worker: owns the one loaded model and runs it off the extension host's thread
 * (onnxruntime-node's session.run blocks the thread it is called on). Requests are handled one at a
 * time; a stop request arrives through shared memory so it is seen between two decode steps even
 * while this thread is busy.
 */
const port = parentPort!;
const stopFlag = new Int32Array(workerData.stopFlag as SharedArrayBuffer);
let model: LocalModel | undefined;
let queue = Promise.resolve();

port.on('message', (request: EngineRequest) => {
  queue = queue.then(() => handle(request));
});

async function handle(request: EngineRequest): Promise<void> {
  try {
    const value = await answer(request);
    reply({ type: 'done', id: request.id, value, memory: memory() });
  } catch (error) {
    const kind = error instanceof InferenceError ? error.kind : 'internal';
    reply({ type: 'failed', id: request.id, kind, message: (error as Error).message ?? String(error) });
  }
}

async function answer(request: EngineRequest): Promise<unknown> {
  switch (request.type) {
    case 'load': {
      const previous = model;
      model = undefined;
      await previous?.dispose();
      model = await LocalModel.load(request.folder, request.options);
      const { io, ...rest } = model.spec;
      const info: LoadedModelInfo = { ...rest, inputNames: [io.inputIds, io.attentionMask, ...(io.positionIds ? [io.positionIds] : [])] };
      return info;
    }
    case 'generate': {
      Atomics.store(stopFlag, 0, 0);
      return loaded().generate({
        input: request.input,
        options: request.options,
        onText: (text, tokenId) => reply({ type: 'text', id: request.id, text, tokenId }),
        shouldStop: () => Atomics.load(stopFlag, 0) === 1,
      });
    }
    case 'tokenize':
      return loaded().tokenize(request.input);
    case 'resetCache':
      loaded().resetCache();
      return undefined;
    case 'unload': {
      const previous = model;
      model = undefined;
      await previous?.dispose();
      return undefined;
    }
  }
}

function loaded(): LocalModel {
  if (!model) throw new InferenceError('no-model', 'No model is loaded.');
  return model;
}

function memory(): MemoryReport {
  const usage = process.memoryUsage();
  return { rssBytes: usage.rss, externalBytes: usage.external };
}

function reply(message: EngineReply): void {
  port.postMessage(message);
}
