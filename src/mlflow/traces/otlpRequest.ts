import { bytesField, doubleField, fixed64Field, messageField, stringField, varintField } from './protobufWriter';
import type { AttributeValue, SpanEventRecord, SpanRecord, SpanStatusCode, TraceRecord } from './traceRecord';

/**
 * The body of `POST /v1/traces`: an OTLP ExportTraceServiceRequest in protobuf, as MLflow's Python
 * client builds it in RestStore.log_spans (one ResourceSpans, one ScopeSpans, the spans; resource
 * and scope left empty). Field numbers are opentelemetry-proto's v1 (trace.proto, common.proto,
 * trace_service.proto). MLflow's server also takes OTLP/JSON, but only from a 2026 release after
 * 3.10 (mlflow PR #22408); protobuf is what every server with the endpoint (3.4+) reads.
 */
export function exportTraceServiceRequest(traces: readonly TraceRecord[]): Buffer {
  const spans = traces.flatMap((trace) => trace.spans.map((span) => messageField(2, encodeSpan(trace.otelTraceId, span))));
  // ExportTraceServiceRequest.resource_spans(1) → ResourceSpans.scope_spans(2) → ScopeSpans.spans(2)
  return messageField(1, [messageField(2, spans)]);
}

const statusCodes: Record<SpanStatusCode, number> = { UNSET: 0, OK: 1, ERROR: 2 };

function encodeSpan(otelTraceId: string, span: SpanRecord): Buffer[] {
  const fields = [bytesField(1, hexBytes(otelTraceId, 16)), bytesField(2, hexBytes(span.spanId, 8))];
  if (span.parentSpanId !== undefined) fields.push(bytesField(4, hexBytes(span.parentSpanId, 8)));
  fields.push(stringField(5, span.name), fixed64Field(7, span.startTimeNs), fixed64Field(8, span.endTimeNs));
  for (const [key, value] of Object.entries(span.attributes)) fields.push(messageField(9, keyValue(key, value)));
  for (const event of span.events ?? []) fields.push(messageField(11, encodeEvent(event)));
  // Status: message(2), code(3).
  const status = [];
  if (span.status.message) status.push(stringField(2, span.status.message));
  if (span.status.code !== 'UNSET') status.push(varintField(3, statusCodes[span.status.code]));
  fields.push(messageField(15, status));
  return fields;
}

function encodeEvent(event: SpanEventRecord): Buffer[] {
  const fields = [fixed64Field(1, event.timeNs), stringField(2, event.name)];
  for (const [key, value] of Object.entries(event.attributes ?? {})) fields.push(messageField(3, keyValue(key, value)));
  return fields;
}

/** KeyValue: key(1), value(2). */
function keyValue(key: string, value: AttributeValue): Buffer[] {
  return [stringField(1, key), messageField(2, anyValue(value))];
}

/**
 * AnyValue's oneof: string(1), bool(2), int(3), double(4), array(5), kvlist(6). A member of a
 * oneof is written even when it holds its default ("", 0, false), or it would read back as unset;
 * null is the unset AnyValue (MLflow reads it as None).
 */
function anyValue(value: AttributeValue): Buffer[] {
  if (value === null) return [];
  switch (typeof value) {
    case 'string':
      return [stringField(1, value)];
    case 'boolean':
      return [varintField(2, value)];
    case 'bigint':
      return [varintField(3, value)];
    case 'number':
      return [Number.isSafeInteger(value) ? varintField(3, value) : doubleField(4, value)];
  }
  if (Array.isArray(value))
    return [
      messageField(
        5,
        value.map((item: AttributeValue) => messageField(1, anyValue(item))),
      ),
    ];
  // KeyValueList.values(1)
  return [
    messageField(
      6,
      Object.entries(value).map(([key, item]) => messageField(1, keyValue(key, item))),
    ),
  ];
}

function hexBytes(hex: string, length: number): Buffer {
  if (!new RegExp(`^[0-9a-f]{${length * 2}}$`).test(hex)) throw new Error(`Not an id of ${length} bytes in lowercase hex: "${hex}"`);
  return Buffer.from(hex, 'hex');
}
