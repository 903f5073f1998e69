import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';

/**
 * A child started as the leader of its own process group. Servers such as `mlflow server` fork
 * workers; signalling the group stops all of them, and only them.
 */
export class ProcessGroup {
  /** Groups still running: killed when this Node process exits, so a crashed test leaves no server behind. */
  private static readonly live = new Set<ProcessGroup>();
  private static handlersInstalled = false;
  private exited: Promise<number | null>;
  readonly output: string[] = [];

  private constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    if (!ProcessGroup.handlersInstalled) {
      ProcessGroup.handlersInstalled = true;
      process.once('exit', ProcessGroup.killAll);
      // 'exit' does not run when a signal ends the process (a test runner's timeout, Ctrl+C).
      for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
        process.once(signal, () => {
          // Someone else handles this signal (the demo stops gracefully): leave it to them.
          if (process.listenerCount(signal) > 0) return;
          ProcessGroup.killAll();
          process.exit(128 + (signal === 'SIGHUP' ? 1 : signal === 'SIGINT' ? 2 : 15));
        });
      }
    }
    ProcessGroup.live.add(this);
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 2000) this.output.splice(0, this.output.length - 2000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static start(command: string, args: string[], options: SpawnOptions): ProcessGroup {
    const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    return new ProcessGroup(child);
  }

  private static killAll(): void {
    for (const group of ProcessGroup.live) group.signalGroup('SIGKILL');
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('process did not start');
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  get log(): string {
    return this.output.join('');
  }

  /** Resolves when `pattern` shows in the output; rejects if the process exits or time runs out. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void> {
    return new Promise((resolveWait, reject) => {
      const timer = setTimeout(() => finish(new Error(`no ${pattern} in ${timeoutMs} ms; output:\n${this.log.slice(-3000)}`)), timeoutMs);
      const check = () => {
        if (pattern.test(this.log)) finish();
      };
      const onExit = () => finish(new Error(`process exited before ${pattern}; output:\n${this.log.slice(-3000)}`));
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.child.stdout?.off('data', check);
        this.child.stderr?.off('data', check);
        this.child.off('exit', onExit);
        if (error) reject(error);
        else resolveWait();
      };
      this.child.stdout?.on('data', check);
      this.child.stderr?.on('data', check);
      this.child.once('exit', onExit);
      check();
    });
  }

  /** SIGTERM to the group, SIGKILL after a grace period; resolves once no process of the group is left. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.hasExited) {
      this.signalGroup('SIGKILL'); // workers may outlive their leader
      await this.groupGone();
      ProcessGroup.live.delete(this);
      return;
    }
    this.signalGroup('SIGTERM');
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    this.signalGroup('SIGKILL');
    await this.groupGone();
    ProcessGroup.live.delete(this);
  }

  /** Workers killed with the group may take a moment to be reaped by init. */
  private async groupGone(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        process.kill(-this.pid, 0);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends a signal to every process of the group (tests use SIGKILL, SIGSTOP and SIGCONT). */
  signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // the group is already gone
    }
  }
}
