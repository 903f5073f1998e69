/**
 * The v3 trace API's protobuf JSON and its conversion into traceEntities.ts. A trace info is MLflow's
 * TraceInfoV3 (Timestamp and Duration as protobuf's JSON strings); a span is OpenTelemetry's Span
 * message as MLflow's server writes it (Span.to_otel_proto, snake_case): ids in base64, times in
 * nanoseconds, attributes as AnyValue trees, status codes as `STATUS_CODE_*` names.
 */
import type { SpanStatus, TraceInfo, TraceSpan, TraceSpanEvent, TraceState } from './traceEntities';

export interface WireTraceInfo {
  trace_id: string;
  trace_location?: { type?: string; mlflow_experiment?: { experiment_id?: string } };
  request_time?: string;
  execution_duration?: string;
  state?: string;
  request_preview?: string;
  response_preview?: string;
  client_request_id?: string;
  trace_metadata?: Record<string, string>;
  tags?: Record<string, string>;
}

export interface WireAnyValue {
  string_value?: string;
  bool_value?: boolean;
  int_value?: number | string;
  double_value?: number | string;
  array_value?: { values?: WireAnyValue[] };
  kvlist_value?: { values?: WireKeyAnyValue[] };
  bytes_value?: string;
}

export interface WireKeyAnyValue {
  key: string;
  value?: WireAnyValue;
}

export interface WireSpan {
  trace_id?: string;
  span_id: string;
  parent_span_id?: string;
  name?: string;
  start_time_unix_nano?: number | string;
  end_time_unix_nano?: number | string;
  attributes?: WireKeyAnyValue[];
  events?: Array<{ time_unix_nano?: number | string; name?: string; attributes?: WireKeyAnyValue[] }>;
  status?: { code?: string; message?: string };
}

const states = new Set<TraceState>(['OK', 'ERROR', 'IN_PROGRESS', 'STATE_UNSPECIFIED']);

export function toTraceInfo(wire: WireTraceInfo): TraceInfo {
  return {
    traceId: wire.trace_id,
    experimentId: wire.trace_location?.mlflow_experiment?.experiment_id ?? '',
    requestTimeMs: wire.request_time ? timestampMs(wire.request_time) : 0,
    executionDurationMs: wire.execution_duration ? durationMs(wire.execution_duration) : undefined,
    state: states.has(wire.state as TraceState) ? (wire.state as TraceState) : 'STATE_UNSPECIFIED',
    requestPreview: wire.request_preview,
    responsePreview: wire.response_preview,
    clientRequestId: wire.client_request_id,
    metadata: wire.trace_metadata ?? {},
    tags: wire.tags ?? {},
  };
}

export function toTraceSpan(wire: WireSpan): TraceSpan {
  const attributes = decodeAttributes(wire.attributes);
  const parent = wire.parent_span_id ? base64Hex(wire.parent_span_id) : '';
  return {
    spanId: base64Hex(wire.span_id),
    // An all-zero parent is OpenTelemetry's "none".
    parentId: parent && /[^0]/.test(parent) ? parent : undefined,
    name: wire.name ?? '',
    startTimeMs: nanosToMs(wire.start_time_unix_nano) ?? 0,
    endTimeMs: nanosToMs(wire.end_time_unix_nano) || undefined,
    status: toStatus(wire.status),
    spanType: typeof attributes['mlflow.spanType'] === 'string' ? attributes['mlflow.spanType'] : undefined,
    inputs: attributes['mlflow.spanInputs'],
    outputs: attributes['mlflow.spanOutputs'],
    attributes,
    events: (wire.events ?? []).map((event): TraceSpanEvent => ({
      name: event.name ?? '',
      timeMs: nanosToMs(event.time_unix_nano) ?? 0,
      attributes: decodeAttributes(event.attributes),
    })),
  };
}

function toStatus(wire: WireSpan['status']): SpanStatus {
  const code = wire?.code === 'STATUS_CODE_OK' ? 'OK' : wire?.code === 'STATUS_CODE_ERROR' ? 'ERROR' : 'UNSET';
  return wire?.message ? { code, message: wire.message } : { code };
}

function decodeAttributes(pairs: readonly WireKeyAnyValue[] | undefined): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const { key, value } of pairs ?? []) attributes[key] = decodeAnyValue(value);
  return attributes;
}

/**
 * An AnyValue as the plain value MLflow's Python client reads (`span.inputs` is a dict, not JSON
 * text): kvlists become objects, arrays arrays; an unset value is null. An int64 that JSON cannot
 * hold exactly comes as a string and is kept as a bigint.
 */
export function decodeAnyValue(value: WireAnyValue | undefined): unknown {
  if (!value) return null;
  if (value.string_value !== undefined) return value.string_value;
  if (value.bool_value !== undefined) return value.bool_value;
  if (value.int_value !== undefined) {
    if (typeof value.int_value === 'number') return value.int_value;
    const exact = BigInt(value.int_value);
    return Number.isSafeInteger(Number(exact)) ? Number(exact) : exact;
  }
  if (value.double_value !== undefined) return Number(value.double_value);
  if (value.array_value !== undefined) return (value.array_value.values ?? []).map(decodeAnyValue);
  if (value.kvlist_value !== undefined) return decodeAttributes(value.kvlist_value.values);
  if (value.bytes_value !== undefined) return Buffer.from(value.bytes_value, 'base64');
  return null;
}

function base64Hex(id: string): string {
  return Buffer.from(id, 'base64').toString('hex');
}

/** Nanoseconds (a JSON number, or a string when the server keeps int64 exact) as fractional milliseconds. */
function nanosToMs(nanos: number | string | undefined): number | undefined {
  if (nanos === undefined || nanos === '') return undefined;
  if (typeof nanos === 'number') return nanos / 1e6;
  const exact = BigInt(nanos);
  return Number(exact / 1_000_000n) + Number(exact % 1_000_000n) / 1e6;
}

/** A protobuf JSON Timestamp (`2026-12-04T19:06:00.075Z`, up to nine fraction digits) in milliseconds. */
export function timestampMs(text: string): number {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!match) return Date.parse(text);
  const fraction = match[2] ? Number(`0.${match[2]}`) * 1000 : 0;
  return Date.parse(`${match[1]}${match[3]}`) + fraction;
}

/** A protobuf JSON Duration (`0.082s`, `12s`, `-1.5s`) in milliseconds. */
export function durationMs(text: string): number | undefined {
  const match = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!match) return undefined;
  const nanos = BigInt(match[2]!) * 1_000_000_000n + BigInt((match[3] ?? '').padEnd(9, '0'));
  return (match[1] ? -1 : 1) * (Number(nanos / 1_000_000n) + Number(nanos % 1_000_000n) / 1e6);
}
