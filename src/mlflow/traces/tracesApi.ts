/**
 * MLflow 3's traces: logging finished traces, searching them, reading one with its spans, and
 * linking them to a run.
 *
 * How a trace is logged, and why this way. MLflow 3.17 offers two ways in, and its Python client
 * uses both (tracing/export/mlflow_v3.py, MlflowV3SpanExporter): the spans go to the OTLP endpoint
 * `POST /v1/traces` (server/otel_api.py → SqlAlchemyStore.log_spans, which stores them in the
 * database and tags the trace `mlflow.trace.spansLocation = TRACKING_STORE`), then the trace's info
 * goes to StartTraceV3, `POST /api/3.0/mlflow/traces` (handlers._start_trace_v3), which merges it
 * into the trace the spans created. StartTraceV3 alone cannot carry spans: the handler reads only
 * `trace_info`, and without that tag the Python client's fallback is to upload a `traces.json`
 * artifact, which needs an artifact store this client can write to and leaves the spans out of
 * span search. Spans first, info second is also the order that leaves nothing half-written for a
 * reader: `traces/get` finds the spans as soon as the trace exists with its tag, and StartTraceV3's
 * `mlflow.trace.sizeStats` tells it how many to expect. So this client does what the Python client
 * does against a SQL-backed server: OTLP in protobuf (otlpRequest.ts, a writer of a few fields, no
 * new dependency; the OTLP/JSON the server also takes came only in a 2026 release after 3.10,
 * mlflow PR #22408, while protobuf works from 3.4), then StartTraceV3.
 * Both calls can be sent again safely: spans are upserted by (trace id, span id) and a second
 * StartTraceV3 merges into the existing trace (SqlAlchemyStore._start_trace_once).
 *
 * A FileStore-backed server answers the OTLP call 501 ("REST OTLP span logging is not supported
 * by FileStore"): that is an 'unsupported' error here, not a retryable failure.
 */
import type { Page } from '../entities';
import { MlflowError } from '../errors';
import type { MlflowHttp } from '../http';
import { allItems } from '../paging';
import { exportTraceServiceRequest } from './otlpRequest';
import { spanTree } from './spanTree';
import { startTraceBody } from './startTraceBody';
import type { Trace, TraceInfo } from './traceEntities';
import { mlflowTraceId, type TraceRecord } from './traceRecord';
import { toTraceInfo, toTraceSpan, type WireSpan, type WireTraceInfo } from './traceWire';
import { errorMessage } from '../../errorMessage';

export interface TraceSearch {
  readonly experimentIds: readonly string[];
  /**
   * MLflow's trace filter, e.g. `status = 'ERROR'`, `tags.phi3.source = 'local'`,
   * `attributes.run_id = '<run id>'` (traces of a run, linked ones included), `timestamp_ms > 0`.
   */
  readonly filter?: string;
  /** Default `['timestamp_ms DESC']`: newest first (the server breaks ties by trace id). */
  readonly orderBy?: readonly string[];
  /** Page size; the server's maximum is 500, its default 100. */
  readonly maxResults?: number;
}

/** The server features the calls need (serverVersion.ts): reading from MLflow 3.0, logging spans from 3.4. */
export type TraceFeature = 'traces' | 'traceSpanIngest';

/** What the tracking store tags a trace whose spans it holds (mlflow.tracing.constant.SpansLocation). */
const spansInTrackingStore = 'TRACKING_STORE';
/** LinkTracesToRun takes at most 100 trace ids a call (SqlAlchemyStore.link_traces_to_run). */
const maxLinksPerCall = 100;

export class TracesApi {
  /** `requireFeature` throws a clear 'unsupported' error on a server without the feature, before any call is made. */
  constructor(
    private readonly http: MlflowHttp,
    private readonly requireFeature: (feature: TraceFeature, what: string) => Promise<void>,
  ) {}

  /** Logs one finished trace (its spans, then its info) and returns the info as the server stored it. */
  async logTrace(experimentId: string, trace: TraceRecord, signal?: AbortSignal): Promise<TraceInfo> {
    const [info] = await this.logTraces(experimentId, [trace], signal);
    return info!;
  }

  /** Logs finished traces of one experiment: all their spans in one OTLP request, then each trace's info. */
  async logTraces(experimentId: string, traces: readonly TraceRecord[], signal?: AbortSignal): Promise<TraceInfo[]> {
    await this.exportSpans(experimentId, traces, signal);
    const infos: TraceInfo[] = [];
    for (const trace of traces) infos.push(await this.startTrace(experimentId, trace, signal));
    return infos;
  }

  /**
   * The spans of these traces, in one OTLP export request (`x-mlflow-experiment-id` names the
   * experiment; MLflow's server stores the whole batch or none of it).
   */
  async exportSpans(experimentId: string, traces: readonly TraceRecord[], signal?: AbortSignal): Promise<void> {
    await this.requireFeature('traceSpanIngest', 'Traces');
    if (traces.length === 0) return;
    const call = { method: 'POST', path: '/v1/traces' };
    try {
      const answer = await this.http.stream('POST', call.path, {
        data: exportTraceServiceRequest(traces),
        headers: { 'Content-Type': 'application/x-protobuf', 'x-mlflow-experiment-id': experimentId },
        subject: `Experiment ${experimentId}`,
        idempotent: true,
        signal,
      });
      // An empty ExportTraceServiceResponse: read to its end so the connection goes back to the pool.
      for await (const chunk of answer.data) void chunk;
    } catch (error) {
      if (error instanceof MlflowError && error.status === 501) {
        throw new MlflowError(
          'unsupported',
          `${this.http.base} cannot store trace spans: MLflow keeps them only in a database tracking store (start the server with --backend-store-uri sqlite:///mlflow.db or another database)${error.serverMessage ? `; it said: ${error.serverMessage}` : ''}`,
          error.call,
          501,
          error.errorCode,
          error.serverMessage,
        );
      }
      throw error instanceof MlflowError ? error : this.http.describeFailure(call, error);
    }
  }

  /**
   * StartTraceV3 for a trace whose spans were exported: the trace's info, merged by the server into
   * the trace its spans created. Returns the stored info, which must say the spans are in the
   * tracking store; a server that stored the info without them (it would want a `traces.json`
   * artifact instead) is refused as 'unsupported'.
   */
  async startTrace(experimentId: string, trace: TraceRecord, signal?: AbortSignal): Promise<TraceInfo> {
    await this.requireFeature('traceSpanIngest', 'Traces');
    const body = startTraceBody(experimentId, trace);
    const answer = await this.http.json<{ trace?: { trace_info?: WireTraceInfo } }>('POST', '/api/3.0/mlflow/traces', {
      body,
      subject: `Experiment ${experimentId}`,
      idempotent: true,
      signal,
    });
    const traceId = mlflowTraceId(trace.otelTraceId);
    const call = { method: 'POST', path: '/api/3.0/mlflow/traces' };
    if (!answer.trace?.trace_info)
      throw new MlflowError('malformed', `The server answered StartTraceV3 for ${traceId} without the trace's info`, call);
    const info = toTraceInfo(answer.trace.trace_info);
    const location = info.tags['mlflow.trace.spansLocation'];
    if (location !== spansInTrackingStore) {
      throw new MlflowError(
        'unsupported',
        `${this.http.base} stored trace ${traceId} without its spans (mlflow.trace.spansLocation is ${location ? `"${location}"` : 'not set'}, not ${spansInTrackingStore})`,
        call,
      );
    }
    // When the spans came first (the merge path of SqlAlchemyStore._start_trace_once), MLflow 3.17
    // answers with the trace's tags as they were before this call, without the ones it just stored
    // (traces/get shows them): the answer is completed with the tags and metadata sent.
    const sent = body.trace.trace_info;
    return { ...info, tags: { ...info.tags, ...sent.tags }, metadata: { ...info.metadata, ...sent.trace_metadata } };
  }

  async searchPage(search: TraceSearch, pageToken?: string, signal?: AbortSignal): Promise<Page<TraceInfo>> {
    await this.requireFeature('traces', 'Traces');
    const answer = await this.http.json<{ traces?: WireTraceInfo[]; next_page_token?: string }>('POST', '/api/3.0/mlflow/traces/search', {
      body: {
        locations: search.experimentIds.map((id) => ({ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: id } })),
        filter: search.filter,
        max_results: search.maxResults ?? 100,
        order_by: search.orderBy ?? ['timestamp_ms DESC'],
        page_token: pageToken,
      },
      idempotent: true,
      signal,
    });
    return { items: (answer.traces ?? []).map(toTraceInfo), nextPageToken: answer.next_page_token || undefined };
  }

  /** Every matching trace's info, fetched a page at a time as the caller iterates. */
  search(search: TraceSearch, signal?: AbortSignal): AsyncGenerator<TraceInfo> {
    return allItems((token) => this.searchPage(search, token, signal));
  }

  /**
   * One trace with its spans and their tree. A trace whose spans are not all in yet is answered,
   * after the server has waited ~3 s for them, with its own "not fully exported yet" error.
   */
  async get(traceId: string, signal?: AbortSignal): Promise<Trace> {
    await this.requireFeature('traces', 'Traces');
    // No `subject`: the server's own message tells "not found" from "not fully exported yet", both RESOURCE_DOES_NOT_EXIST.
    const answer = await this.http.json<{ trace?: { trace_info?: WireTraceInfo; spans?: WireSpan[] } }>(
      'GET',
      '/api/3.0/mlflow/traces/get',
      {
        params: { trace_id: traceId },
        signal,
      },
    );
    if (!answer.trace?.trace_info)
      throw new MlflowError('malformed', `The server answered traces/get for ${traceId} without the trace`, {
        method: 'GET',
        path: '/api/3.0/mlflow/traces/get',
      });
    let spans;
    try {
      spans = (answer.trace.spans ?? []).map(toTraceSpan);
    } catch (error) {
      throw new MlflowError('malformed', `The spans of trace ${traceId} could not be read: ${errorMessage(error)}`, {
        method: 'GET',
        path: '/api/3.0/mlflow/traces/get',
      });
    }
    return { info: toTraceInfo(answer.trace.trace_info), spans, roots: spanTree(spans) };
  }

  /** Links traces to a run (it then lists them, `attributes.run_id = '<run>'` finds them), 100 a call. */
  async linkToRun(runId: string, traceIds: readonly string[]): Promise<void> {
    await this.requireFeature('traces', 'Traces');
    for (let start = 0; start < traceIds.length; start += maxLinksPerCall) {
      await this.http.json('POST', '/api/2.0/mlflow/traces/link-to-run', {
        body: { trace_ids: traceIds.slice(start, start + maxLinksPerCall), run_id: runId },
        subject: `Run ${runId}`,
        idempotent: true,
      });
    }
  }
}
