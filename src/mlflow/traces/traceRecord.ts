/**
 * A finished trace as this client writes it: OpenTelemetry spans (ids in hex, times in nanoseconds
 * since the epoch) and the trace's MLflow tags and metadata. tracesApi.ts sends the spans over OTLP
 * and then the trace's info (startTraceBody.ts); what MLflow gives back when read is traceEntities.ts.
 */

/**
 * A span attribute's value: what OTLP's AnyValue carries. MLflow's server stores each attribute as
 * the JSON of the decoded value, so an object here reads back in Python as a dict (`span.inputs`),
 * not as a string of JSON. A whole number is written as an integer, any other number as a double.
 */
export type AttributeValue =
  string | number | boolean | bigint | null | readonly AttributeValue[] | { readonly [key: string]: AttributeValue };

/** OpenTelemetry's span status; MLflow shows ERROR spans and traces as failed. */
export type SpanStatusCode = 'UNSET' | 'OK' | 'ERROR';

export interface SpanEventRecord {
  readonly name: string;
  readonly timeNs: bigint;
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface SpanRecord {
  /** 16 hex digits. */
  readonly spanId: string;
  /** Absent on the root span. */
  readonly parentSpanId?: string;
  readonly name: string;
  readonly startTimeNs: bigint;
  readonly endTimeNs: bigint;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly status: { readonly code: SpanStatusCode; readonly message?: string };
  readonly events?: readonly SpanEventRecord[];
}

export interface TraceRecord {
  /** The OpenTelemetry trace id, 32 hex digits. MLflow's trace id is `tr-` and these digits. */
  readonly otelTraceId: string;
  /** One root span (no parent) and its descendants. */
  readonly spans: readonly SpanRecord[];
  /** Trace tags: mutable, searchable (`tags.phi3.source = 'local'`). */
  readonly tags: Readonly<Record<string, string>>;
  /** Trace metadata: set once (`mlflow.sourceRun`, `mlflow.trace.tokenUsage`). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** The id MLflow gives a trace logged with this OpenTelemetry trace id (MLflow's generate_mlflow_trace_id_from_otel_trace_id). */
export function mlflowTraceId(otelTraceId: string): string {
  return `tr-${otelTraceId}`;
}

/** The trace's one root span; a record without exactly one is a programming error. */
export function rootSpan(trace: TraceRecord): SpanRecord {
  const roots = trace.spans.filter((span) => span.parentSpanId === undefined);
  if (roots.length !== 1) throw new Error(`A trace needs exactly one root span; trace ${trace.otelTraceId} has ${roots.length}`);
  return roots[0]!;
}
