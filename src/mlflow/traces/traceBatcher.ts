import { MlflowError } from '../errors';
import type { TraceInfo } from './traceEntities';
import { mlflowTraceId, type TraceRecord } from './traceRecord';
import type { TracesApi } from './tracesApi';
import { errorMessage } from '../../errorMessage';

/** What the batcher calls: the two steps of TracesApi.logTraces, so a trace half-sent is finished, not resent whole. */
export type TraceWriter = Pick<TracesApi, 'exportSpans' | 'startTrace'>;

export type TraceFailureReason =
  /** The server refused it for good: a 4xx answer, or an 'unsupported' server (MLflow 2, a FileStore). */
  | 'refused'
  /** Still failing (5xx, 429, no connection, timeout) after the last attempt. */
  | 'gave-up'
  /** The queue was full when it was handed over: never sent. */
  | 'queue-full'
  /** The batcher was disposed before it was sent. */
  | 'disposed';

export interface TraceLogFailure {
  /** MLflow's id the trace would have had (`tr-…`). */
  readonly traceId: string;
  readonly experimentId: string;
  readonly reason: TraceFailureReason;
  readonly attempts: number;
  /** The last error, when a call failed. */
  readonly error?: unknown;
  /** One line for the log. */
  readonly message: string;
}

export interface TraceBatcherOptions {
  /** Traces held at most, waiting or being sent; more are refused (`queue-full`). Default 200. */
  readonly maxQueued?: number;
  /** Traces of one experiment sent in one OTLP request. Default 20. */
  readonly maxBatch?: number;
  /** Attempts at a batch before its traces are given up. Default 6. */
  readonly maxAttempts?: number;
  /** Wait before the first retry; it doubles each time, up to `maxBackoffMs`. Defaults 1 s and 60 s. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly onLogged?: (info: TraceInfo) => void;
  readonly onFailure?: (failure: TraceLogFailure) => void;
}

/** What one caller hears of its own trace, besides what the batcher's options hear of every trace. */
export interface TraceReport {
  readonly onLogged?: (info: TraceInfo) => void;
  readonly onFailure?: (failure: TraceLogFailure) => void;
}

interface Pending {
  readonly experimentId: string;
  readonly trace: TraceRecord;
  readonly report?: TraceReport;
  spansSent: boolean;
}

/**
 * Logs traces off the caller's path: `enqueue` returns at once and never throws; the traces go out
 * in the background, a batch of one experiment at a time (one OTLP request for the batch's spans,
 * then one StartTraceV3 per trace). A batch that fails with a 5xx (but 501), a 429, a lost
 * connection or a timeout is tried again after a backoff; one refused for good (4xx, an
 * 'unsupported' server) is not. Every trace ends in `onLogged` or `onFailure`, exactly once.
 */
export class TraceBatcher {
  private readonly queue: Pending[] = [];
  private inFlight: Pending[] = [];
  private draining: Promise<void> | undefined;
  private disposed = false;
  private readonly stop = new AbortController();
  private readonly maxQueued: number;
  private readonly maxBatch: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly writer: TraceWriter,
    private readonly options: TraceBatcherOptions = {},
  ) {
    this.maxQueued = options.maxQueued ?? 200;
    this.maxBatch = options.maxBatch ?? 20;
    this.maxAttempts = options.maxAttempts ?? 6;
    this.backoffMs = options.backoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
  }

  /** Traces waiting or being sent. */
  get pending(): number {
    return this.queue.length + this.inFlight.length;
  }

  /**
   * Hands a finished trace over; false (and `onFailure`) when the queue is full or the batcher
   * disposed. `report` hears how this one trace ended, after the batcher's own callbacks.
   */
  enqueue(experimentId: string, trace: TraceRecord, report?: TraceReport): boolean {
    const item: Pending = { experimentId, trace, report, spansSent: false };
    if (this.disposed) {
      this.fail(item, 'disposed', 0);
      return false;
    }
    if (this.pending >= this.maxQueued) {
      this.fail(item, 'queue-full', 0);
      return false;
    }
    this.queue.push(item);
    this.kick();
    return true;
  }

  /** Starts draining unless a drain is running; it starts on a later turn of the event loop, never inside the caller's call. */
  private kick(): void {
    if (this.draining) return;
    this.draining = new Promise<void>((resolveTurn) => setImmediate(resolveTurn))
      .then(() => this.drain())
      .finally(() => {
        this.draining = undefined;
        // A trace handed over between the drain's last look at the queue and now.
        if (this.queue.length > 0) this.kick();
      });
  }

  /** Resolves once every trace handed over so far is logged or failed. */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /**
   * Stops: no more traces are taken, a wait between attempts ends, the request in flight is
   * cancelled, and every trace not logged is reported `disposed`. Resolves when that is done.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return this.flush();
    this.disposed = true;
    this.stop.abort();
    await this.flush();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      if (this.disposed) {
        for (const item of this.queue.splice(0)) this.fail(item, 'disposed', 0);
        return;
      }
      const experimentId = this.queue[0]!.experimentId;
      const batch: Pending[] = [];
      for (let i = 0; i < this.queue.length && batch.length < this.maxBatch;) {
        if (this.queue[i]!.experimentId === experimentId) batch.push(...this.queue.splice(i, 1));
        else i++;
      }
      this.inFlight = batch;
      try {
        await this.send(experimentId, batch);
      } catch (error) {
        // send() reports every failure itself; this is a last guard so one bug cannot stop the queue.
        for (const item of this.inFlight) this.fail(item, 'refused', 0, error);
      } finally {
        this.inFlight = [];
      }
    }
  }

  /** Sends one batch until each trace is logged or failed. */
  private async send(experimentId: string, batch: Pending[]): Promise<void> {
    let waiting = batch;
    for (let attempt = 1; waiting.length > 0; attempt++) {
      let failure: unknown;
      try {
        const unsent = waiting.filter((item) => !item.spansSent);
        if (unsent.length > 0) {
          await this.writer.exportSpans(
            experimentId,
            unsent.map((item) => item.trace),
            this.stop.signal,
          );
          for (const item of unsent) item.spansSent = true;
        }
        while (waiting.length > 0) {
          const item = waiting[0]!;
          const info = await this.writer.startTrace(experimentId, item.trace, this.stop.signal);
          waiting = waiting.slice(1);
          this.inFlight = waiting;
          this.report(() => this.options.onLogged?.(info));
          this.report(() => item.report?.onLogged?.(info));
        }
        return;
      } catch (error) {
        failure = error;
      }
      if (this.disposed) {
        for (const item of waiting) this.fail(item, 'disposed', attempt, failure);
        return;
      }
      if (!isRetryable(failure)) {
        for (const item of waiting) this.fail(item, 'refused', attempt, failure);
        return;
      }
      if (attempt >= this.maxAttempts) {
        for (const item of waiting) this.fail(item, 'gave-up', attempt, failure);
        return;
      }
      await this.pause(Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempt - 1)));
    }
  }

  /** Waits between attempts; dispose() ends the wait at once. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolvePause) => {
      if (this.stop.signal.aborted) return resolvePause();
      const timer = setTimeout(done, ms);
      this.stop.signal.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        resolvePause();
      }
    });
  }

  private fail(item: Pending, reason: TraceFailureReason, attempts: number, error?: unknown): void {
    const traceId = mlflowTraceId(item.trace.otelTraceId);
    const why = {
      refused: 'the server refused it',
      'gave-up': `still failing after ${attempts} attempts`,
      'queue-full': `${this.maxQueued} traces were already waiting`,
      disposed: 'trace logging was stopped',
    }[reason];
    const message = `Trace ${traceId} was not logged to experiment ${item.experimentId}: ${why}${error === undefined ? '' : ` (${errorMessage(error)})`}`;
    const failure: TraceLogFailure = { traceId, experimentId: item.experimentId, reason, attempts, error, message };
    this.report(() => this.options.onFailure?.(failure));
    this.report(() => item.report?.onFailure?.(failure));
  }

  /** A callback that throws must not stop the queue or reach the caller of enqueue. */
  private report(callback: () => void): void {
    try {
      callback();
    } catch {
      // the callback's own problem
    }
  }
}

/** Worth another attempt: the server or the network may recover; a refusal or a programming error will not. */
function isRetryable(error: unknown): boolean {
  if (!(error instanceof MlflowError)) return false;
  if (error.kind === 'unreachable' || error.kind === 'timeout' || error.kind === 'interrupted') return true;
  if (error.kind !== 'http' || error.status === undefined) return false;
  return error.status === 429 || (error.status >= 500 && error.status !== 501);
}
