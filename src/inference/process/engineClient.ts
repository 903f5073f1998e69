import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InferenceError } from '../inferenceError';
import type { GenerationInput, GenerationResult, LoadOptions } from '../localModel';
import type { SearchOptions } from '../searchOptions';
import type { EngineReply, EngineRequest, LoadedModelInfo, MemoryReport } from './engineProtocol';

type RequestWithoutId = EngineRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly onText?: (text: string, tokenId: number) => void;
}

export interface EngineClientOptions {
  /** The worker script; default `engineWorker.js` beside this file (true of the bundle and of out/). */
  readonly workerScript?: string;
}

/**
 * The local engine as the extension host sees it: every call goes to a worker thread, so loading a
 * model and generating never block the editor. One model at a time; `unload()` frees it and
 * `dispose()` ends the worker. If the worker dies, pending calls fail with `worker-crashed` and
 * the next `load()` starts a new one.
 */
export class EngineClient {
  private worker: Worker | undefined;
  private readonly stopFlag = new Int32Array(new SharedArrayBuffer(4));
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private loadedInfo: LoadedModelInfo | undefined;
  private lastMemory: MemoryReport | undefined;

  constructor(private readonly options: EngineClientOptions = {}) {}

  get model(): LoadedModelInfo | undefined {
    return this.loadedInfo;
  }

  /** Memory as of the worker's last answer (the whole process's RSS: threads share it). */
  get memory(): MemoryReport | undefined {
    return this.lastMemory;
  }

  async load(folder: string, options: LoadOptions = {}): Promise<LoadedModelInfo> {
    this.loadedInfo = undefined;
    const info = (await this.send({ type: 'load', folder, options })) as LoadedModelInfo;
    this.loadedInfo = info;
    return info;
  }

  generate(
    input: GenerationInput,
    options: Partial<SearchOptions> = {},
    onText?: (text: string, tokenId: number) => void,
  ): Promise<GenerationResult> {
    return this.send({ type: 'generate', input, options }, onText) as Promise<GenerationResult>;
  }

  /** Stops the running generation after the step in progress; its promise resolves with what was made. */
  stop(): void {
    Atomics.store(this.stopFlag, 0, 1);
  }

  tokenize(input: GenerationInput): Promise<number[]> {
    return this.send({ type: 'tokenize', input }) as Promise<number[]>;
  }

  resetCache(): Promise<void> {
    return this.send({ type: 'resetCache' }) as Promise<void>;
  }

  async unload(): Promise<void> {
    this.loadedInfo = undefined;
    if (this.worker) await this.send({ type: 'unload' });
  }

  /** Ends the worker (and with it the model). */
  async dispose(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.loadedInfo = undefined;
    if (worker) await worker.terminate();
  }

  private send(request: RequestWithoutId, onText?: (text: string, tokenId: number) => void): Promise<unknown> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(onText ? { onText } : {}) });
      worker.postMessage({ ...request, id } as EngineRequest);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.options.workerScript ?? join(__dirname, 'engineWorker.js'), {
      workerData: { stopFlag: this.stopFlag.buffer },
    });
    worker.on('message', (reply: EngineReply) => this.onReply(reply));
    worker.on('error', (error) => this.onExit(worker, `it threw ${error.message}`));
    worker.on('exit', (code) => this.onExit(worker, `exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  private onReply(reply: EngineReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    if (reply.type === 'text') {
      pending.onText?.(reply.text, reply.tokenId);
      return;
    }
    this.pending.delete(reply.id);
    if (reply.type === 'done') {
      this.lastMemory = reply.memory;
      pending.resolve(reply.value);
    } else {
      pending.reject(new InferenceError(reply.kind === 'internal' ? 'load-failed' : reply.kind, reply.message));
    }
  }

  private onExit(worker: Worker, how: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.loadedInfo = undefined;
    const failed = [...this.pending.values()];
    this.pending.clear();
    for (const pending of failed) {
      pending.reject(new InferenceError('worker-crashed', `The inference worker stopped unexpectedly (${how}); the model was unloaded. Load it again to continue.`));
    }
  }
}
