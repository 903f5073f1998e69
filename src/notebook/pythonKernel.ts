import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StderrFences } from './stderrFences';
import { errorMessage } from '../errorMessage';

/** What a running cell produces, in the order it produced it (nbformat's output kinds). */
export type KernelOutput =
  | { readonly type: 'stream'; readonly name: 'stdout' | 'stderr'; readonly text: string }
  | { readonly type: 'display' | 'result'; readonly data: Record<string, unknown>; readonly metadata: Record<string, unknown> }
  | { readonly type: 'error'; readonly ename: string; readonly evalue: string; readonly traceback: string[] };

/**
 * How a cell ended. `died`: the process ended under it (`message` says how, and for SIGKILL the
 * memory it had reached); `cancelled`: it never ran (a restart, or the process died before its turn).
 */
export type ExecutionEnd =
  | { readonly status: 'ok' | 'error' | 'interrupted' }
  | { readonly status: 'died' | 'cancelled' | 'failedToStart'; readonly message: string };

export interface PythonKernelOptions {
  /** The interpreter: a path or a name on PATH. */
  readonly python: string;
  /** The folder holding phi3_kernel.py and phi3_display.py (the extension's media/python). */
  readonly driverDir: string;
  /** The process's environment (the extension passes its own plus the MLflow connection). */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Lines worth a log entry (never the environment: it may carry credentials). */
  readonly log?: (line: string) => void;
  /** How often the running process's memory is read while a cell runs. */
  readonly memorySampleMs?: number;
}

interface Process {
  readonly child: ChildProcess;
  readonly ready: Promise<{ python: string; pid: number }>;
  /** Settles when the process has ended, with how. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The highest resident memory seen (VmHWM), in bytes. */
  peakRssBytes: number;
  /** The last lines the process wrote to its own stderr outside any cell. */
  stderrTail: string[];
  /** Ended by a restart or dispose, not by itself. */
  endedByUs: boolean;
  /** The last cell whose fence came through stderr (see StderrFences). */
  fencedThrough: number;
  /** A cell whose `done` came before its fence: it ends when the fence comes, or after `fenceWaitMs`. */
  awaitingFence?: { readonly id: number; readonly end: ExecutionEnd; readonly timer: NodeJS.Timeout };
}

/**
 * How long a cell's end waits for its fence on stderr after its `done`. The fence comes within
 * milliseconds; a cell that closed fd 2 itself sends none, and must still end.
 */
const fenceWaitMs = 2000;

interface Running {
  readonly id: number;
  readonly onOutput: (output: KernelOutput) => void;
  readonly resolve: (end: ExecutionEnd) => void;
}

const driverFile = 'phi3_kernel.py';

/**
 * One long-lived Python process for one notebook, started on the first run (and again after it died
 * or was restarted). Cells run one at a time in submission order, in one namespace; their output
 * streams back as it is written. No vscode import: tested in plain Node with a real Python.
 */
export class PythonKernel {
  private process: Process | undefined;
  private running: Running | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  /** Bumped by restarts and deaths: cells queued before one do not run in the new process. */
  private generation = 0;
  private disposed = false;
  private pythonVersionSeen: string | undefined;

  constructor(private readonly options: PythonKernelOptions) {}

  /** The interpreter's version (e.g. 3.11.7) once a process has started. */
  get pythonVersion(): string | undefined {
    return this.pythonVersionSeen;
  }

  /** The live process's id, if there is one. */
  get pid(): number | undefined {
    return this.process?.child.pid;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** The highest resident memory the live process was seen to reach (sampled while cells run), in bytes. */
  get peakRssBytes(): number | undefined {
    return this.process?.peakRssBytes;
  }

  /** Runs `code` after the cells already submitted; `onOutput` gets its output as it comes. */
  execute(code: string, onOutput: (output: KernelOutput) => void): Promise<ExecutionEnd> {
    const generation = this.generation;
    const turn = this.queue.then(() => this.run(code, onOutput, generation));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async run(code: string, onOutput: (output: KernelOutput) => void, generation: number): Promise<ExecutionEnd> {
    if (this.disposed) return { status: 'cancelled', message: 'The notebook was closed.' };
    if (generation !== this.generation)
      return { status: 'cancelled', message: "Not run: the Python process was restarted (or ended) before this cell's turn." };
    let process: Process;
    try {
      process = await this.started();
    } catch (error) {
      return { status: 'failedToStart', message: errorMessage(error) };
    }
    const id = this.nextId++;
    return new Promise<ExecutionEnd>((resolve) => {
      this.running = {
        id,
        onOutput,
        resolve: (end) => {
          this.running = undefined;
          clearInterval(sampler);
          resolve(end);
        },
      };
      const sampler = setInterval(() => this.sampleMemory(process), this.options.memorySampleMs ?? 250);
      this.sampleMemory(process);
      process.child.stdin!.write(JSON.stringify({ type: 'execute', id, code }) + '\n');
    });
  }

  /**
   * Interrupts the running cell (SIGINT: KeyboardInterrupt in Python). Resolves true when it ended
   * within `graceMs`, false when it still runs (the caller offers a restart), and true when idle.
   */
  async interrupt(graceMs: number): Promise<boolean> {
    const running = this.running;
    const child = this.process?.child;
    if (!running || !child?.pid) return true;
    child.kill('SIGINT');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      if (this.running !== running) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.running !== running;
  }

  /** Ends the process (and what its cells started); the next run starts a new one with an empty namespace. */
  async restart(): Promise<void> {
    this.generation++;
    const process = this.process;
    if (!process) return;
    this.killGroup(process);
    await process.exited;
  }

  /** Ends everything at once: the notebook closed or the extension is deactivating. */
  dispose(): void {
    this.disposed = true;
    this.generation++;
    if (this.process) this.killGroup(this.process);
  }

  private killGroup(process: Process): void {
    const pid = process.child.pid;
    if (pid === undefined || process.child.exitCode !== null || process.child.signalCode !== null) return;
    process.endedByUs = true;
    try {
      // The driver leads its own process group (detached): this ends subprocesses the cells started too.
      globalThis.process.kill(-pid, 'SIGKILL');
    } catch {
      process.child.kill('SIGKILL');
    }
  }

  private started(): Promise<Process> {
    if (!this.process) this.process = this.spawnProcess();
    const process = this.process;
    return process.ready.then(() => process);
  }

  private spawnProcess(): Process {
    const { python, driverDir, env, cwd, log } = this.options;
    const child = spawn(python, ['-u', join(driverDir, driverFile)], {
      cwd,
      // No __pycache__ beside the driver: it ships inside the extension's folder.
      env: { ...(env ?? globalThis.process.env), PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8', PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const self: Process = {
      child,
      peakRssBytes: 0,
      stderrTail: [],
      endedByUs: false,
      fencedThrough: 0,
      ready: undefined as unknown as Promise<{ python: string; pid: number }>,
      exited: undefined as unknown as Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
    };
    let markReady!: (info: { python: string; pid: number }) => void;
    let failReady!: (error: Error) => void;
    const ready = new Promise<{ python: string; pid: number }>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    ready.catch(() => undefined);
    let isReady = false;
    let spawnError: Error | undefined;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('error', (error) => {
        spawnError = error;
        // A spawn that failed never emits 'exit'.
        if (child.pid === undefined) resolve({ code: null, signal: null });
      });
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    Object.assign(self, { ready, exited });
    // Writing a cell to a process that has died, or closed its stdin, fails with EPIPE on this
    // stream; without a handler that is an uncaught exception in the extension host. A process we
    // cannot write to cannot run cells: end it, and the 'exit' handler below ends the cell.
    child.stdin!.on('error', (error) => {
      log?.(`Python kernel: could not write to the Python process (${error.message}): ending it`);
      child.kill('SIGTERM');
    });
    log?.(`Python kernel: starting ${python} (${join(driverDir, driverFile)})`);

    let buffered = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (!line.trim()) continue;
        let message: Record<string, unknown>;
        try {
          message = JSON.parse(line) as Record<string, unknown>;
        } catch {
          log?.(`Python kernel: unreadable line from the driver: ${line.slice(0, 200)}`);
          continue;
        }
        if (message.type === 'ready') {
          isReady = true;
          this.pythonVersionSeen = String(message.python);
          log?.(`Python kernel: Python ${String(message.python)} ready (pid ${String(message.pid)})`);
          markReady({ python: String(message.python), pid: Number(message.pid) });
        } else this.onMessage(message);
      }
    });
    const fences = new StderrFences(
      (text) => {
        // Output below Python's sys.stderr (C libraries, subprocesses, fatal errors): to the running cell when there is one.
        if (this.running && this.process === self) this.running.onOutput({ type: 'stream', name: 'stderr', text });
        else {
          self.stderrTail = [...self.stderrTail, ...text.split('\n').filter(Boolean)].slice(-20);
          log?.(`Python kernel stderr: ${text.trimEnd()}`);
        }
      },
      (cellId) => {
        self.fencedThrough = cellId;
        const waiting = self.awaitingFence;
        if (waiting?.id === cellId) this.endCell(self, waiting.id, waiting.end);
      },
    );
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => fences.push(text));

    void exited.then(({ code, signal }) => {
      // A cell that had ended (its `done` came) ended as it said, whatever happens to the process after.
      if (self.awaitingFence) this.endCell(self, self.awaitingFence.id, self.awaitingFence.end);
      if (this.process === self) this.process = undefined;
      const how = describeExit(code, signal, self.peakRssBytes, spawnError, python);
      log?.(`Python kernel: ${how}`);
      if (!isReady) {
        const tail = self.stderrTail.length ? `\n${self.stderrTail.join('\n')}` : '';
        failReady(new Error(`Could not start Python: ${how}${tail}`));
        return;
      }
      const running = this.running;
      if (running && self.endedByUs)
        running.resolve({ status: 'cancelled', message: 'The Python process was restarted while this cell ran.' });
      else if (running) {
        // Cells queued behind the one that died expected its names: they are not run in a new process.
        this.generation++;
        running.resolve({ status: 'died', message: `${how} The next run starts a new Python process: names defined before are gone.` });
      }
    });
    return self;
  }

  private onMessage(message: Record<string, unknown>): void {
    const running = this.running;
    if (!running || message.id !== running.id) {
      // Output from a thread the cell left behind, after the cell ended: nowhere to show it.
      if (message.type === 'stream') this.options.log?.(`Python kernel (no running cell): ${String(message.text).trimEnd()}`);
      return;
    }
    switch (message.type) {
      case 'stream':
        running.onOutput({ type: 'stream', name: message.name === 'stderr' ? 'stderr' : 'stdout', text: String(message.text) });
        break;
      case 'display':
      case 'result':
        running.onOutput({
          type: message.type,
          data: (message.data ?? {}) as Record<string, unknown>,
          metadata: (message.metadata ?? {}) as Record<string, unknown>,
        });
        break;
      case 'error':
        running.onOutput({
          type: 'error',
          ename: String(message.ename),
          evalue: String(message.evalue),
          traceback: (message.traceback ?? []) as string[],
        });
        break;
      case 'done': {
        const end: ExecutionEnd = {
          status: message.status === 'error' ? 'error' : message.status === 'interrupted' ? 'interrupted' : 'ok',
        };
        const process = this.process;
        // What the cell wrote to fd 1 and 2 may still be on its way through stderr: end at its fence.
        if (!process || process.fencedThrough >= running.id) running.resolve(end);
        else process.awaitingFence = { id: running.id, end, timer: setTimeout(() => this.endCell(process, running.id, end), fenceWaitMs) };
        break;
      }
    }
  }

  /** Ends the running cell `id` of `process` once, whichever of its fence and the wait for it comes first. */
  private endCell(process: Process, id: number, end: ExecutionEnd): void {
    if (process.awaitingFence?.id === id) {
      clearTimeout(process.awaitingFence.timer);
      process.awaitingFence = undefined;
    }
    if (this.running?.id === id && this.process === process) this.running.resolve(end);
  }

  private sampleMemory(process: Process): void {
    const pid = process.child.pid;
    if (pid === undefined) return;
    const memory = readProcessMemory(pid);
    if (memory) process.peakRssBytes = Math.max(process.peakRssBytes, memory.peakRssBytes, memory.rssBytes);
  }
}

/** Resident memory of a live process from /proc (Linux); undefined elsewhere or once it is gone. */
export function readProcessMemory(pid: number): { rssBytes: number; peakRssBytes: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} B`;
}

/** One sentence on how the process ended, for the cell and the log. */
export function describeExit(
  code: number | null,
  signal: NodeJS.Signals | null,
  peakRssBytes: number,
  spawnError: Error | undefined,
  python: string,
): string {
  if (spawnError && (spawnError as NodeJS.ErrnoException).code === 'ENOENT') {
    return `the interpreter "${python}" was not found. Set "phi3Mlflow.pythonPath" to a Python 3 interpreter.`;
  }
  if (spawnError) return `the interpreter "${python}" could not be started: ${spawnError.message}.`;
  const memory = peakRssBytes > 0 ? ` (it had reached ${formatBytes(peakRssBytes)} of memory)` : '';
  if (signal === 'SIGKILL') return `The Python process was killed (SIGKILL), most likely because the machine ran out of memory${memory}.`;
  if (signal) return `The Python process was ended by ${signal}${memory}.`;
  return `The Python process exited with code ${code ?? 'unknown'}${memory}.`;
}
