/**
 * One cell waiting in (or running from) a notebook's queue, as the controller adapts its
 * NotebookCellExecution: kept free of vscode so the queue runs in plain Node.
 */
export interface QueuedCell {
  /** The cell's identity: a cell asked to run again while it waits or runs is not queued twice. */
  readonly key: string;
  /** Runs the cell to its end; true when it succeeded. */
  run(): Promise<boolean>;
  /** Ends a cell that will not run (an earlier cell failed, or Interrupt): no order, no success, no output. */
  notRun(): void;
}

interface Waiting {
  readonly cell: QueuedCell;
  readonly ended: () => void;
}

/**
 * The cells of one notebook, run one at a time in the order they were asked for, as
 * vscode-jupyter's CellExecutionQueue runs them: a batch asked for while another runs goes after it,
 * and once a cell fails (an error, Interrupt, a dead Python) every cell still waiting ends as not run,
 * since those cells expected what the failed one would have done.
 */
export class CellExecutionQueue {
  private readonly waiting: Waiting[] = [];
  private running: QueuedCell | undefined;
  private draining = false;

  /** True while the cell waits or runs. */
  has(key: string): boolean {
    return this.running?.key === key || this.waiting.some((w) => w.cell.key === key);
  }

  /** Appends cells; resolves once each of them has run or ended as not run. */
  queue(cells: readonly QueuedCell[]): Promise<void> {
    const ends = cells.map((cell) => new Promise<void>((ended) => this.waiting.push({ cell, ended })));
    if (!this.draining) void this.drain();
    return Promise.all(ends).then(() => undefined);
  }

  /** Ends every waiting cell as not run; the running one is the controller's to interrupt. */
  cancel(): void {
    for (const { cell, ended } of this.waiting.splice(0)) {
      try {
        cell.notRun();
      } catch {
        // A cell of a notebook closed meanwhile cannot be ended; the others still are.
      }
      ended();
    }
  }

  private async drain(): Promise<void> {
    this.draining = true;
    for (let next = this.waiting.shift(); next; next = this.waiting.shift()) {
      this.running = next.cell;
      let succeeded = false;
      try {
        succeeded = await next.cell.run();
      } catch {
        // The controller reports its own failures in the cell; here a throw is a failed cell.
      } finally {
        this.running = undefined;
        next.ended();
      }
      if (!succeeded) this.cancel();
    }
    this.draining = false;
  }
}
