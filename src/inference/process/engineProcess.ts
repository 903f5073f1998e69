import { InferenceError } from '../inferenceError';
import { LocalModel } from '../localModel';
import type { EngineReply, EngineRequest, LoadedModelInfo, MemoryReport } from './engineProtocol';
import { errorMessage } from '../../errorMessage';

/**
 * The engine process: owns the one loaded model and runs it outside the extension host.
 * onnxruntime-node's session.run blocks its thread, and a native failure (an abort, running out of
 * memory) ends the whole process it happens in: here that is this process, not the editor's.
 * Requests run one at a time; `stop` is handled as soon as it arrives, which is between two decode
 * steps, because every step yields to the event loop.
 */
let model: LocalModel | undefined;
let stopRequested = false;
let queue = Promise.resolve();

type QueuedRequest = Exclude<EngineRequest, { type: 'stop' }>;

process.on('message', (request: EngineRequest) => {
  if (request.type === 'stop') {
    stopRequested = true;
    return;
  }
  const queued: QueuedRequest = request;
  queue = queue.then(() => handle(queued));
});
// The client is gone (the editor closed or reloaded): so is the reason to exist.
process.on('disconnect', () => process.exit(0));

async function handle(request: QueuedRequest): Promise<void> {
  try {
    const value = await answer(request);
    reply({ type: 'done', id: request.id, value, memory: memory() });
  } catch (error) {
    const kind = error instanceof InferenceError ? error.kind : 'internal';
    reply({ type: 'failed', id: request.id, kind, message: errorMessage(error), memory: memory() });
  }
}

async function answer(request: QueuedRequest): Promise<unknown> {
  switch (request.type) {
    case 'load': {
      const previous = model;
      model = undefined;
      await previous?.dispose();
      model = await LocalModel.load(request.folder, request.options);
      const { io, ...rest } = model.spec;
      const info: LoadedModelInfo = {
        ...rest,
        inputNames: [io.inputIds, io.attentionMask, ...(io.positionIds ? [io.positionIds] : [])],
        sharedKvBuffer: model.sharesKvBuffer,
        backend: model.backend,
      };
      return info;
    }
    case 'generate': {
      stopRequested = false;
      return loaded().generate({
        input: request.input,
        options: request.options,
        onText: (text, tokenId) => reply({ type: 'text', id: request.id, text, tokenId }),
        shouldStop: () => stopRequested,
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
  return { rssBytes: process.memoryUsage.rss(), peakRssBytes: process.resourceUsage().maxRSS * 1024 };
}

function reply(message: EngineReply): void {
  process.send?.(message);
}
