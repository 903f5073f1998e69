import type { MlflowClient } from '../mlflow/client';
import { MlflowError } from '../mlflow/errors';
import { chatTrace } from '../mlflow/traces/chatTrace';
import type { TraceBatcher } from '../mlflow/traces/traceBatcher';
import { mlflowTraceId } from '../mlflow/traces/traceRecord';
import { answerTraceInput, type AnsweredRequest } from './answerTrace';
import { errorMessage } from '../errorMessage';

/** `phi3Mlflow.traces.log`: never, after asking once per chat panel, or always. */
export type TraceLogMode = 'off' | 'ask' | 'always';

export interface TraceExperiment {
  readonly experimentId: string;
  readonly name: string;
}

/** What a chat panel's tracing needs of the extension: the setting, the connection, and the two questions. */
export interface ChatTraceAccess {
  mode(): TraceLogMode;
  /** The connected server's client and its one TraceBatcher (the context object owns both); undefined when not connected. */
  connection(): { readonly client: MlflowClient; readonly batcher: TraceBatcher } | undefined;
  /** Mode "ask": whether this panel's answers are traced (false when dismissed). */
  confirm(): Promise<boolean>;
  /** The experiment to log into: the setting's, or the one picked (once a window); undefined when the user cancels. */
  experiment(client: MlflowClient): Promise<TraceExperiment | undefined>;
}

/** What the panel shows of its tracing (the small indicator). */
export type TracingState =
  | { readonly kind: 'off' }
  /** Checking the server, or (`asking`) waiting for the user's answer to mode "ask"'s question. */
  | { readonly kind: 'deciding'; readonly asking?: true }
  | { readonly kind: 'on'; readonly experiment: TraceExperiment; readonly serverUri: string }
  /** Asked for, but the server cannot take traces (MLflow 2, before 3.4) or the experiment could not be had: nothing is sent. */
  | { readonly kind: 'unavailable'; readonly message: string };

/**
 * One chat panel's traces: whether its answers are traced (the setting, asked once a panel in mode
 * "ask"), into which experiment, and handing each answer's trace to the connection's TraceBatcher.
 * Nothing here waits on the logging itself: a trace is enqueued and the batcher reports how it ended
 * (`onFailure` for the panel's non-blocking message). On a server that cannot take traces the
 * decision is "unavailable" with the server's reason, and nothing is sent.
 */
export class ChatTracing {
  private current: TracingState = { kind: 'off' };
  private decision: Promise<TracingState> | undefined;
  /** The server the decision was made for: a new connection decides again. */
  private decidedFor: MlflowClient | undefined;
  /** Trace ids the server has confirmed, to link to a run, and those it was not given. */
  private readonly logged = new Set<string>();
  private readonly failed = new Set<string>();

  constructor(
    private readonly access: ChatTraceAccess | undefined,
    private readonly events: { readonly onChange?: () => void; readonly onFailure?: (message: string) => void } = {},
  ) {}

  /** The decision, as long as the connection it was made for is the current one (after a change, nothing is traced until the next decide()). */
  get state(): TracingState {
    if (this.current.kind === 'off' || this.access?.connection()?.client === this.decidedFor) return this.current;
    return { kind: 'off' };
  }

  /**
   * Decides whether this panel's answers are traced, once (again after the connection changed, or
   * the mode was switched on): resolves with the decision. Never rejects.
   */
  decide(): Promise<TracingState> {
    const mode = this.access?.mode() ?? 'off';
    const connection = this.access?.connection();
    if (mode === 'off' || !connection) {
      this.decision = undefined;
      this.decidedFor = undefined;
      return Promise.resolve(this.set({ kind: 'off' }));
    }
    if (this.decision && this.decidedFor === connection.client) return this.decision;
    this.decidedFor = connection.client;
    this.set({ kind: 'deciding' });
    const decision = this.decideFor(mode, connection.client).catch((error: unknown): TracingState => ({
      kind: 'unavailable',
      message: `Traces are not logged: ${errorMessage(error)}`,
    }));
    this.decision = decision;
    void decision.then((state) => {
      if (this.decision === decision) this.set(state);
    });
    return decision;
  }

  private async decideFor(mode: TraceLogMode, client: MlflowClient): Promise<TracingState> {
    // Before the question: on a server that cannot take traces there is nothing to ask.
    const features = await client.features();
    if (!features.traceSpanIngest) {
      const version = await client.serverVersion();
      return {
        kind: 'unavailable',
        message: `Traces need MLflow 3 (3.4 or later); ${client.connection.uri.original} runs MLflow ${version}: nothing is sent.`,
      };
    }
    if (mode === 'ask') {
      if (this.decidedFor === client) this.set({ kind: 'deciding', asking: true });
      if (!(await this.access!.confirm())) return { kind: 'off' };
    }
    const experiment = await this.access!.experiment(client);
    if (!experiment) return { kind: 'off' };
    return { kind: 'on', experiment, serverUri: client.connection.uri.original };
  }

  /**
   * Hands one answer's trace to the batcher when this panel is traced (the decision made), and
   * returns the id the trace will have (`tr-…`); undefined when it is not traced. Returns at once.
   */
  record(request: AnsweredRequest): string | undefined {
    const state = this.state;
    const connection = this.access?.connection();
    if (state.kind !== 'on' || !connection) return undefined;
    let trace;
    try {
      trace = chatTrace(answerTraceInput(request));
    } catch (error) {
      this.events.onFailure?.(`The answer's trace could not be made: ${errorMessage(error)}`);
      return undefined;
    }
    const traceId = mlflowTraceId(trace.otelTraceId);
    const accepted = connection.batcher.enqueue(state.experiment.experimentId, trace, {
      onLogged: (info) => this.logged.add(info.traceId),
      onFailure: (failure) => {
        this.failed.add(failure.traceId);
        this.events.onFailure?.(failure.message);
      },
    });
    return accepted ? traceId : undefined;
  }

  /** Records the answer once the decision is made (the conversation does not wait for it); resolves with the trace id. */
  async recordWhenDecided(request: AnsweredRequest): Promise<string | undefined> {
    if (this.decision) await this.decision;
    return this.record(request);
  }

  /** Resolves once the batcher has sent what it holds (each trace logged, or its failure reported). */
  async flushed(): Promise<void> {
    await this.access?.connection()?.batcher.flush();
  }

  /**
   * Links these traces to a run, once the batcher has sent what it holds: those the server
   * confirmed, and those of an earlier session (a chat restored after a reload) that the server
   * has; a trace that failed to log is not linked (its failure was reported), as MLflow would
   * store a link to a trace it does not have. Returns how many were linked.
   */
  async linkToRun(runId: string, traceIds: readonly (string | undefined)[]): Promise<number> {
    const connection = this.access?.connection();
    if (!connection) return 0;
    await connection.batcher.flush();
    const ids: string[] = [];
    for (const id of new Set(traceIds)) {
      if (id === undefined || this.failed.has(id)) continue;
      if (this.logged.has(id) || (await this.serverHas(connection.client, id))) ids.push(id);
    }
    if (ids.length > 0) await connection.client.traces.linkToRun(runId, ids);
    return ids.length;
  }

  private async serverHas(client: MlflowClient, traceId: string): Promise<boolean> {
    try {
      await client.traces.get(traceId);
      return true;
    } catch (error) {
      if (error instanceof MlflowError && error.isNotFound) return false;
      throw error;
    }
  }

  private set(state: TracingState): TracingState {
    const changed = JSON.stringify(state) !== JSON.stringify(this.current);
    this.current = state;
    if (changed) this.events.onChange?.();
    return state;
  }
}
