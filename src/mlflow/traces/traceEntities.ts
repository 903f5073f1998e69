/**
 * Traces as MLflow gives them back (`traces/search`, `traces/get`), converted by traceWire.ts:
 * camelCase, times in milliseconds since the epoch, ids in hex, attribute values decoded.
 */

/** MLflow's TraceInfoV3.State. */
export type TraceState = 'OK' | 'ERROR' | 'IN_PROGRESS' | 'STATE_UNSPECIFIED';

export interface TraceInfo {
  /** `tr-` and 32 hex digits for traces of an MLflow experiment. */
  readonly traceId: string;
  readonly experimentId: string;
  readonly requestTimeMs: number;
  readonly executionDurationMs?: number;
  readonly state: TraceState;
  /** The server's short forms of the root span's inputs and outputs (a chat's last user message). */
  readonly requestPreview?: string;
  readonly responsePreview?: string;
  readonly clientRequestId?: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
}

export type SpanStatus = { readonly code: 'UNSET' | 'OK' | 'ERROR'; readonly message?: string };

export interface TraceSpanEvent {
  readonly name: string;
  readonly timeMs: number;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface TraceSpan {
  /** 16 hex digits. */
  readonly spanId: string;
  /** Absent on a root span. */
  readonly parentId?: string;
  readonly name: string;
  /**
   * Milliseconds since the epoch, with the fraction. MLflow writes nanoseconds as JSON numbers
   * beyond 2⁵³, so a few hundred nanoseconds of precision are lost on the way; the milliseconds are exact.
   */
  readonly startTimeMs: number;
  readonly endTimeMs?: number;
  readonly status: SpanStatus;
  /** `mlflow.spanType` (CHAT_MODEL, LLM, TOOL, …), when set. */
  readonly spanType?: string;
  /** `mlflow.spanInputs` and `mlflow.spanOutputs`, decoded; undefined when the span has none. */
  readonly inputs?: unknown;
  readonly outputs?: unknown;
  /** Every attribute, `mlflow.*` ones included, decoded from OTLP's AnyValue. */
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly events: readonly TraceSpanEvent[];
}

/** A span and its children, ordered by start time. */
export interface SpanNode {
  readonly span: TraceSpan;
  readonly children: readonly SpanNode[];
}

export interface Trace {
  readonly info: TraceInfo;
  /** In the server's order: the root first, then by start time. */
  readonly spans: readonly TraceSpan[];
  /** The span tree: the root, and any span whose parent is not in the trace. */
  readonly roots: readonly SpanNode[];
}
