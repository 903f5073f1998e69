import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, isAbsolute } from 'node:path';
import { errorMessage } from '../../errorMessage';

/** How MLflow builds the model's Python environment (`--env-manager`); `local` uses the interpreter's own packages. */
export type ServeEnvManager = 'local' | 'virtualenv' | 'uv';
export const serveEnvManagers: readonly ServeEnvManager[] = ['local', 'virtualenv', 'uv'];

export interface ModelServeOptions {
  /** The interpreter with MLflow installed: a path, or a name on PATH. */
  readonly python: string;
  /** What `mlflow models serve -m` loads: `models:/…`, `runs:/…`, a local folder. */
  readonly modelUri: string;
  readonly envManager: ServeEnvManager;
  /** The process's environment (with MLFLOW_TRACKING_URI and credentials): handed to the process only, never logged. */
  readonly env: NodeJS.ProcessEnv;
  /** A port to listen on; by default a free one on 127.0.0.1. */
  readonly port?: number;
  readonly cwd?: string;
  /** The server's output (stdout and stderr) as it is written. */
  readonly onOutput?: (text: string) => void;
  /** The process group's id, once the process is spawned (before it is ready). */
  readonly onSpawned?: (pgid: number) => void;
}

export type ServeErrorKind = 'exited' | 'failedToStart' | 'cancelled';

/** Why a model server did not come up, with the end of its log when it wrote one. */
export class ServeError extends Error {
  override readonly name = 'ServeError';

  constructor(
    readonly kind: ServeErrorKind,
    message: string,
    readonly logTail: string = '',
    /** The port was taken (uvicorn could not bind it). */
    readonly portTaken = false,
  ) {
    super(message);
  }
}

/**
 * `python -m mlflow`, after asking Linux to SIGTERM this process when its parent (the extension
 * host) dies, however it dies: a crash or SIGKILL runs no exit handler, and a server left running
 * would hold its port and memory. MLflow's CLI passes the same on to its uvicorn (backend.py's
 * setup_sigterm_on_parent_death), so the chain ends with the editor. A parent already gone before
 * the request takes effect is caught by comparing the parent's pid.
 */
const serveBootstrap = [
  'import os, runpy, sys',
  "if sys.platform.startswith('linux'):",
  '    import ctypes, signal',
  '    try:',
  "        ctypes.CDLL('libc.so.6').prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG",
  '    except OSError:',
  '        pass',
  "    if str(os.getppid()) != os.environ.get('PHI3_MLFLOW_PARENT_PID', str(os.getppid())):",
  '        sys.exit(1)',
  "sys.argv = ['mlflow'] + sys.argv[1:]",
  "runpy.run_module('mlflow', run_name='__main__', alter_sys=True)",
].join('\n');

/** Enough of the log to find the error MLflow printed last (a traceback's last lines). */
const logTailChars = 2000;
/** What is kept of the log in memory: an output channel shows all of it as it comes. */
const keptLogChars = 256 * 1024;
/** How often /ping is asked while the server starts (it downloads and loads the model first). */
const pingEveryMs = 250;

/** Every server still running in this process: killed when the process exits, so none outlives the editor. */
const live = new Set<ModelServeProcess>();
let exitHookInstalled = false;

/**
 * One `python -m mlflow models serve -m URI -h 127.0.0.1 -p PORT --env-manager M` (through
 * serveBootstrap), the leader of its
 * own process group: MLflow runs uvicorn (and, for virtualenv, a shell and the env's Python) as its
 * children, and stopping signals the whole group, so no worker is left behind. `start` resolves
 * once `/ping` answers 200, i.e. once MLflow has downloaded and loaded the model.
 */
export class ModelServeProcess {
  private output = '';
  private readonly exitListeners = new Set<(description: string) => void>();
  private readonly exited: Promise<void>;
  private exitDescription: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly modelUri: string,
    readonly port: number,
    readonly envManager: ServeEnvManager,
    onOutput: ((text: string) => void) | undefined,
  ) {
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      this.output = (this.output + text).slice(-keptLogChars);
      onOutput?.(text);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolveExit) => {
      const ended = (description: string) => {
        if (this.exitDescription !== undefined) return;
        this.exitDescription = description;
        // Its uvicorn may outlive the leader (it is told to stop only when MLflow's CLI dies, by SIGTERM).
        this.signalGroup('SIGKILL');
        void waitForGroupGone(this.pid).then(() => {
          live.delete(this);
          resolveExit();
          for (const listener of this.exitListeners) listener(description);
        });
      };
      child.once('exit', (code, signal) => ended(signal ? `killed by ${signal}` : `exited with code ${code}`));
      child.once('error', (error) => ended(`could not start: ${errorMessage(error)}`));
    });
    live.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => {
        for (const server of live) server.signalGroup('SIGKILL');
      });
    }
  }

  /**
   * Starts the server and waits for `/ping`. Rejects with a ServeError when the process exits first
   * (a bad URI, a missing package, the port taken: the message ends with its log) or when `signal`
   * aborts (the process group is stopped before it rejects).
   */
  static async start(options: ModelServeOptions, signal?: AbortSignal): Promise<ModelServeProcess> {
    // A free port can be taken by someone else before uvicorn binds it: then a fresh one, twice at most.
    for (let attempt = 1; ; attempt++) {
      try {
        return await ModelServeProcess.startOnce(options, options.port ?? (await freeLoopbackPort()), signal);
      } catch (error) {
        const portTaken = error instanceof ServeError && error.portTaken;
        if (!portTaken || options.port !== undefined || attempt === 3) throw error;
        options.onOutput?.(`[port taken before the server bound it: trying another]\n`);
      }
    }
  }

  private static async startOnce(options: ModelServeOptions, port: number, signal: AbortSignal | undefined): Promise<ModelServeProcess> {
    if (signal?.aborted) throw new ServeError('cancelled', `Serving ${options.modelUri} was cancelled.`);
    const args = ['-c', serveBootstrap, 'models', 'serve', '-m', options.modelUri, '-h', '127.0.0.1', '-p', String(port)];
    args.push('--env-manager', options.envManager);
    const child = spawn(options.python, args, {
      cwd: options.cwd,
      env: { ...serveEnvironment(options.python, options.env), PHI3_MLFLOW_PARENT_PID: String(process.pid) },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ModelServeProcess(child, options.modelUri, port, options.envManager, options.onOutput);
    if (child.pid !== undefined) options.onSpawned?.(child.pid);
    try {
      await server.waitUntilReady(options.python, signal);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** `http://127.0.0.1:PORT`, the scoring server's base URL. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The process group's id (the leader's pid). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitDescription === undefined;
  }

  /** Everything the server wrote (the last 256 KiB). */
  get log(): string {
    return this.output;
  }

  /** Called once when the server's process group is gone, however it ended (stopped, crashed, killed). */
  onExit(listener: (description: string) => void): { dispose(): void } {
    this.exitListeners.add(listener);
    return { dispose: () => this.exitListeners.delete(listener) };
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once no process of the group is left. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.running) {
      this.signalGroup('SIGTERM');
      const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    await this.exited;
  }

  /** SIGKILL to the whole group, at once: for when the editor goes away and cannot wait. */
  kill(): void {
    this.signalGroup('SIGKILL');
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.pid <= 0) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // the group is gone already
    }
  }

  private async waitUntilReady(python: string, signal: AbortSignal | undefined): Promise<void> {
    const cancelled = new Promise<'cancelled'>((resolveCancel) => {
      if (signal?.aborted) resolveCancel('cancelled');
      signal?.addEventListener('abort', () => resolveCancel('cancelled'), { once: true });
    });
    const exited = this.exited.then(() => 'exited' as const);
    for (;;) {
      const outcome = await Promise.race([this.ping(), exited, cancelled]);
      if (outcome === 'ready') return;
      if (outcome === 'cancelled') throw new ServeError('cancelled', `Serving ${this.modelUri} was cancelled.`);
      if (outcome === 'exited') throw this.earlyExitError(python);
      const waited = await Promise.race([delay(pingEveryMs), exited, cancelled]);
      if (waited === 'exited') throw this.earlyExitError(python);
      if (waited === 'cancelled') throw new ServeError('cancelled', `Serving ${this.modelUri} was cancelled.`);
    }
  }

  private async ping(): Promise<'ready' | 'not yet'> {
    try {
      const response = await fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      return response.status === 200 ? 'ready' : 'not yet';
    } catch {
      return 'not yet'; // not listening yet
    }
  }

  private earlyExitError(python: string): ServeError {
    const tail = this.output.trim().slice(-logTailChars);
    const how = this.exitDescription ?? 'exited';
    if (how.startsWith('could not start'))
      return new ServeError(
        'failedToStart',
        `Could not run "${python}" to serve ${this.modelUri} (${how.replace('could not start: ', '')}). Set "phi3Mlflow.pythonPath" to a Python with MLflow installed.`,
      );
    const cause = causeLine(this.output);
    return new ServeError(
      'exited',
      `mlflow models serve ${how} before ${this.modelUri} was ready on port ${this.port}${cause ? `: ${cause}` : '.'}${tail ? `\n\n${tail}` : ' It printed nothing.'}`,
      tail,
      /address already in use/i.test(this.output),
    );
  }
}

/**
 * The line of a failed server's log that says why: uvicorn's `ERROR:` line (the port taken), else
 * the last exception line of a Python traceback (`mlflow.exceptions.MlflowException: …`,
 * `ModuleNotFoundError: …`); MLflow's own wrapper exception ("Command … returned non zero return
 * code") says nothing of the cause, so an earlier line wins over it.
 */
export function causeLine(log: string): string | undefined {
  const lines = log.split(/\r?\n/).map((line) => line.trim());
  const uvicornError = lines.find((line) => line.startsWith('ERROR:'));
  if (uvicornError) return uvicornError.replace(/^ERROR:\s*/, '');
  const exceptions = lines.filter((line) => /^[A-Za-z_][\w.]*(Error|Exception|Exit)(: |$)/.test(line));
  const telling = exceptions.filter((line) => !/returned non zero return code/.test(line));
  return (telling.length ? telling : exceptions).pop();
}

/**
 * The server's environment: the given one, unbuffered, with the interpreter's folder first on PATH.
 * MLflow runs `uvicorn` (local) or `virtualenv`/`uv` by name: the ones beside that Python, as if
 * its venv were activated.
 */
export function serveEnvironment(python: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...env, PYTHONUNBUFFERED: '1' };
  if (isAbsolute(python)) {
    const separator = process.platform === 'win32' ? ';' : ':';
    result.PATH = [dirname(python), env.PATH ?? ''].filter(Boolean).join(separator);
  }
  return result;
}

/** A port on 127.0.0.1 that nothing listens on now (the OS picks it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Resolves once no process of the group is left (killed workers are reaped by init a moment later). */
async function waitForGroupGone(pgid: number, timeoutMs = 10_000): Promise<void> {
  if (pgid <= 0) return;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await delay(50);
  }
}

function delay(ms: number): Promise<'waited'> {
  return new Promise((resolveDelay) => setTimeout(() => resolveDelay('waited'), ms));
}
