import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { InferenceError } from '../inferenceError';
import type { GenerationInput, GenerationResult, LoadOptions } from '../localModel';
import { formatBytes } from '../modelFolder';
import type { SearchOptions } from '../searchOptions';
import type { EngineReply, EngineRequest, LoadedModelInfo, MemoryReport } from './engineProtocol';

type RequestWithoutId = EngineRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly onText?: (text: string, tokenId: number) => void;
}

export interface EngineClientOptions {
  /** The engine process's script; default `engineProcess.js` beside this file (true of the bundle and of out/). */
  readonly processScript?: string;
  /** Lines the engine process writes to stderr (onnxruntime's warnings), for the extension's log. */
  readonly onLog?: (line: string) => void;
}

/**
 * The local engine as the extension host sees it: every call goes to a child process, so loading a
 * model and generating never block the editor, and a crash or an out-of-memory kill of the engine
 * cannot take the editor down. One model at a time; `unload()` frees it, `dispose()` ends the
 * process. If the process dies, pending calls fail with `worker-crashed` saying how it died, and
 * the next `load()` starts a new one.
 */
export class EngineClient {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private loadedInfo: LoadedModelInfo | undefined;
  private lastMemory: MemoryReport | undefined;
  private stderrTail: string[] = [];

  constructor(private readonly options: EngineClientOptions = {}) {}

  get model(): LoadedModelInfo | undefined {
    return this.loadedInfo;
  }

  /** The engine process's memory as of its last answer. */
  get memory(): MemoryReport | undefined {
    return this.lastMemory;
  }

  /** The engine process's id while it runs (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.child?.pid;
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
    this.child?.send({ type: 'stop', id: 0 } satisfies EngineRequest);
  }

  tokenize(input: GenerationInput): Promise<number[]> {
    return this.send({ type: 'tokenize', input }) as Promise<number[]>;
  }

  resetCache(): Promise<void> {
    return this.send({ type: 'resetCache' }) as Promise<void>;
  }

  async unload(): Promise<void> {
    this.loadedInfo = undefined;
    if (this.child) await this.send({ type: 'unload' });
  }

  /** Ends the engine process (and with it the model). */
  dispose(): void {
    const child = this.child;
    this.child = undefined;
    this.loadedInfo = undefined;
    this.failPending('The local engine was shut down.');
    child?.kill('SIGKILL');
  }

  private send(request: RequestWithoutId, onText?: (text: string, tokenId: number) => void): Promise<unknown> {
    const child = this.ensureProcess();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(onText ? { onText } : {}) });
      child.send({ ...request, id } as EngineRequest);
    });
  }

  private ensureProcess(): ChildProcess {
    if (this.child) return this.child;
    this.stderrTail = [];
    // ELECTRON_RUN_AS_NODE: in desktop VS Code process.execPath is the editor's binary, run here as plain Node.
    const child = fork(this.options.processScript ?? join(__dirname, 'engineProcess.js'), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: [],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter((l) => l.trim())) {
        this.stderrTail = [...this.stderrTail.slice(-19), line];
        this.options.onLog?.(line);
      }
    });
    child.on('message', (reply: EngineReply) => this.onReply(reply));
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    child.on('error', () => undefined); // 'exit' follows and says how it ended
    this.child = child;
    return child;
  }

  private onReply(reply: EngineReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    if (reply.type === 'text') {
      pending.onText?.(reply.text, reply.tokenId);
      return;
    }
    this.pending.delete(reply.id);
    this.lastMemory = reply.memory;
    if (reply.type === 'done') pending.resolve(reply.value);
    else pending.reject(new InferenceError(reply.kind === 'internal' ? 'load-failed' : reply.kind, reply.message));
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.loadedInfo = undefined;
    const reached = this.lastMemory ? ` (it had reached ${formatBytes(this.lastMemory.peakRssBytes)})` : '';
    const how =
      signal === 'SIGKILL'
        ? `was killed (SIGKILL), most likely by the system for running out of memory${reached}`
        : signal
          ? `was ended by ${signal}${reached}`
          : `exited with code ${code}${this.stderrTail.length ? `: ${this.stderrTail[this.stderrTail.length - 1]}` : ''}`;
    this.failPending(`The local engine process ${how}; the model was unloaded. Load it again to continue.`);
  }

  private failPending(message: string): void {
    const failed = [...this.pending.values()];
    this.pending.clear();
    for (const pending of failed) pending.reject(new InferenceError('worker-crashed', message));
  }
}
