import { mlflowTraceId, rootSpan, type SpanRecord, type TraceRecord } from './traceRecord';

/** MLflow's limits on trace info values (mlflow/tracing/constant.py); longer ones are cut, as its client cuts them. */
const maxMetadataChars = 250;
const maxTagKeyChars = 250;
const maxTagValueChars = 4096;
const truncationSuffix = '...';

/**
 * The body of StartTraceV3 (`POST /api/3.0/mlflow/traces`), which despite its name MLflow's client
 * sends once a trace has ended, after its spans: a TraceInfoV3 in protobuf JSON, with no spans
 * (the server ignores any; handlers._start_trace_v3 reads only `trace_info`). What it holds, as
 * MLflow's Python client fills it (tracing/processor/base_mlflow.py):
 * - request_time and execution_duration from the root span, in whole milliseconds;
 * - state OK or ERROR from the root span's status (UNSET reads as OK);
 * - the tag `mlflow.traceName` (the root span's name) and the record's own tags;
 * - the metadata `mlflow.trace_schema.version` = 3, `mlflow.traceInputs`/`mlflow.traceOutputs`
 *   (the root's inputs and outputs, cut to 250 characters; the UI's request and response columns),
 *   `mlflow.trace.sizeStats` (its `num_spans` tells readers, the UI among them, when every span is in),
 *   and the record's own metadata.
 * The request and response previews are left to the server: it makes them from the root span's
 * inputs and outputs when the spans arrive (SqlAlchemyStore._update_trace_info_attributes, the last
 * user message for a chat), and StartTraceV3 keeps them when they are not sent.
 */
export interface StartTraceBody {
  readonly trace: {
    readonly trace_info: Readonly<Record<string, unknown>> & {
      readonly trace_metadata: Record<string, string>;
      readonly tags: Record<string, string>;
    };
  };
}

export function startTraceBody(experimentId: string, trace: TraceRecord): StartTraceBody {
  const root = rootSpan(trace);
  const requestTimeMs = root.startTimeNs / 1_000_000n;
  const durationMs = (root.endTimeNs - root.startTimeNs) / 1_000_000n;
  const metadata: Record<string, string> = {
    'mlflow.trace_schema.version': '3',
    'mlflow.traceInputs': truncatedMetadata(attributeJson(root, 'mlflow.spanInputs')),
    'mlflow.traceOutputs': truncatedMetadata(attributeJson(root, 'mlflow.spanOutputs')),
    'mlflow.trace.sizeStats': JSON.stringify(sizeStats(trace.spans)),
    ...trace.metadata,
  };
  return {
    trace: {
      trace_info: {
        trace_id: mlflowTraceId(trace.otelTraceId),
        trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } },
        request_time: new Date(Number(requestTimeMs)).toISOString(),
        execution_duration: `${(Number(durationMs) / 1000).toFixed(3)}s`,
        state: root.status.code === 'ERROR' ? 'ERROR' : 'OK',
        trace_metadata: mapEntries(metadata, (key, value) => [cut(key, maxMetadataChars), cut(value, maxMetadataChars)]),
        tags: mapEntries({ ...trace.tags, 'mlflow.traceName': root.name }, (key, value) => [
          cut(key, maxTagKeyChars),
          cut(value, maxTagValueChars),
        ]),
      },
    },
  };
}

/**
 * MLflow's size statistics (tracing/utils add_size_stats_to_trace_metadata), from the spans' JSON
 * here rather than from MLflow's own span dictionaries, so the byte sizes are close, not equal;
 * `num_spans` is exact, and is what the server and the UI read.
 */
function sizeStats(spans: readonly SpanRecord[]): Record<string, number> {
  const sizes = spans
    .map((span) =>
      Buffer.byteLength(JSON.stringify(span, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))),
    )
    .sort((a, b) => a - b);
  const percentile = (p: number) => sizes[Math.min(sizes.length - 1, Math.floor((p / 100) * sizes.length))] ?? 0;
  return {
    total_size_bytes: sizes.reduce((sum, size) => sum + size, 0),
    num_spans: sizes.length,
    max: sizes[sizes.length - 1] ?? 0,
    p25: percentile(25),
    p50: percentile(50),
    p75: percentile(75),
  };
}

function attributeJson(span: SpanRecord, key: string): string {
  const value = span.attributes[key];
  return value === undefined ? '' : JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? Number(item) : item));
}

/** Cut as MLflow's client cuts the root's inputs and outputs: to 250 characters, the last three "...". */
function truncatedMetadata(value: string): string {
  const characters = Array.from(value);
  return characters.length > maxMetadataChars
    ? characters.slice(0, maxMetadataChars - truncationSuffix.length).join('') + truncationSuffix
    : value;
}

/** Python's `text[:n]`: characters (code points), not UTF-16 units. */
function cut(text: string, length: number): string {
  const characters = Array.from(text);
  return characters.length > length ? characters.slice(0, length).join('') : text;
}

function mapEntries(
  record: Readonly<Record<string, string>>,
  map: (key: string, value: string) => [string, string],
): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => map(key, value)));
}
