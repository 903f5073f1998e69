import { ModelServeProcess, type ModelServeOptions } from './modelServeProcess';

/** What a Serve asks for: everything but the model URI, which is the key. */
export type ServeRequest = Omit<ModelServeOptions, 'modelUri'>;

export interface ServeResult {
  readonly server: ModelServeProcess;
  /** True when the model was already served (or starting) and that server is the answer. */
  readonly reused: boolean;
}

/**
 * The models served from this editor, one server per model URI: serving a URI again answers the
 * server already running (or starting) for it. A server that ends by itself leaves the list;
 * `stopAll` ends every one (deactivate), `dispose` kills them at once (the editor is going away).
 */
export class ModelServers {
  private readonly running = new Map<string, ModelServeProcess>();
  private readonly starting = new Map<string, Promise<ModelServeProcess>>();
  private readonly listeners = new Set<() => void>();
  private disposed = false;

  constructor(
    private readonly launch: (options: ModelServeOptions, signal?: AbortSignal) => Promise<ModelServeProcess> = ModelServeProcess.start,
  ) {}

  /** The servers that answer now, in the order they came up. */
  get servers(): readonly ModelServeProcess[] {
    return [...this.running.values()];
  }

  get(modelUri: string): ModelServeProcess | undefined {
    return this.running.get(modelUri);
  }

  isStarting(modelUri: string): boolean {
    return this.starting.has(modelUri);
  }

  /** Called whenever a server comes up or goes away. */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * The server for `modelUri`: the running one, the one starting (its start is awaited), or a new
   * one. `signal` cancels a new start (its process group is stopped); a reused start is not
   * cancelled by a second caller giving up.
   */
  async serve(modelUri: string, request: ServeRequest, signal?: AbortSignal): Promise<ServeResult> {
    if (this.disposed) throw new Error('The served models were disposed: the editor is closing.');
    const running = this.running.get(modelUri);
    if (running?.running) return { server: running, reused: true };
    const pending = this.starting.get(modelUri);
    if (pending) return { server: await pending, reused: true };
    const start = this.launch({ ...request, modelUri }, signal);
    this.starting.set(modelUri, start);
    this.changed();
    try {
      const server = await start;
      if (this.disposed) {
        server.kill();
        throw new Error('The served models were disposed: the editor is closing.');
      }
      this.running.set(modelUri, server);
      server.onExit(() => {
        if (this.running.get(modelUri) === server) this.running.delete(modelUri);
        this.changed();
      });
      return { server, reused: false };
    } finally {
      this.starting.delete(modelUri);
      this.changed();
    }
  }

  /** Stops the server of `modelUri` and waits until its process group is gone; false when none ran. */
  async stop(modelUri: string): Promise<boolean> {
    const server = this.running.get(modelUri);
    if (!server) return false;
    this.running.delete(modelUri);
    await server.stop();
    this.changed();
    return true;
  }

  /** Stops every server, waiting for each process group to be gone. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((uri) => this.stop(uri)));
  }

  /** Kills every server now (SIGKILL to each group), without waiting: nothing is left to serve from. */
  dispose(): void {
    this.disposed = true;
    for (const server of this.running.values()) server.kill();
    this.running.clear();
    this.listeners.clear();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
