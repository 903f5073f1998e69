import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MlflowClient } from '../../../src/mlflow/client';
import { MlflowError } from '../../../src/mlflow/errors';
import { collect } from '../../../src/mlflow/paging';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { chatTrace, type ChatTraceInput } from '../../../src/mlflow/traces/chatTrace';
import type { SpanNode } from '../../../src/mlflow/traces/traceEntities';
import type { TraceIdSource } from '../../../src/mlflow/traces/traceIds';
import { runMlflowPython } from '../../harness/mlflowPython';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';
import { tracedAgentPython } from '../../harness/tracedAgentPython';

/** Ids counted up from a prefix, so every id in a test is known in advance and all differ. */
function countingIds(prefix: string): TraceIdSource {
  let spans = 0;
  let traces = 0;
  return {
    traceId: () => `${prefix}${String(++traces).padStart(32 - prefix.length, '0')}`,
    spanId: () => `${prefix}${String(++spans).padStart(16 - prefix.length, '0')}`,
  };
}

/**
 * A script for runMlflowPython with `ARGS` (its input) and `emit(value)` (its answer, the last line
 * printed), its traces logged synchronously, so every trace it makes is on the server when it exits.
 */
function pythonScript(body: string): string {
  return [
    'import json, os, sys',
    'os.environ["MLFLOW_ENABLE_ASYNC_TRACE_LOGGING"] = "false"',
    'ARGS = json.loads(sys.argv[1])',
    'def emit(value):',
    '    print(json.dumps(value, default=str))',
    body,
  ].join('\n');
}

/** 2026-12-04 12:00:00.250 UTC: a fraction a double holds exactly, so the nanoseconds are exact too. */
const t0 = Date.UTC(2026, 11, 4, 12, 0, 0) + 0.25;

function answer(overrides: Partial<ChatTraceInput> = {}): ChatTraceInput {
  return {
    source: 'local',
    model: 'phi3-mini-4k-int4',
    messages: [
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: 'Où est la gare ? 🚉' },
    ],
    settings: { max_new_tokens: 64, temperature: 0.5, do_sample: false, seed: null },
    answer: 'Tout droit.',
    startMs: t0,
    endMs: t0 + 120.5,
    tokenize: { startMs: t0, endMs: t0 + 2.25, promptTokens: 21 },
    prefill: { startMs: t0 + 2.25, endMs: t0 + 40.125, promptTokens: 21, reusedTokens: 0 },
    decode: { startMs: t0 + 40.125, endMs: t0 + 120.5, generatedTokens: 5, tokensPerSecond: 49.75 },
    timeToFirstTokenMs: 37.875,
    tokensPerSecond: 49.75,
    outcome: { kind: 'completed', finishReason: 'eos' },
    ...overrides,
  };
}

interface PythonSpan {
  name: string;
  span_id: string;
  parent_id: string | null;
  span_type: string;
  start_ns: string;
  end_ns: string;
  status: string;
  status_message: string;
  inputs: unknown;
  outputs: unknown;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; time_ns: string; attributes: Record<string, unknown> }>;
}

interface PythonTrace {
  trace_id: string;
  experiment_id: string;
  state: string;
  request_time: number;
  execution_duration: number;
  request_preview: string | null;
  response_preview: string | null;
  token_usage: Record<string, number> | null;
  tags: Record<string, string>;
  metadata: Record<string, string>;
  spans: PythonSpan[];
}

/** What `mlflow.get_trace` reads of each trace, with nanoseconds as strings (JSON numbers would round them). */
const readTracesInPython = `
import mlflow
def describe(t):
    return {
        "trace_id": t.info.trace_id, "experiment_id": t.info.experiment_id, "state": t.info.state.value,
        "request_time": t.info.request_time, "execution_duration": t.info.execution_duration,
        "request_preview": t.info.request_preview, "response_preview": t.info.response_preview,
        "token_usage": t.info.token_usage, "tags": t.info.tags, "metadata": t.info.trace_metadata,
        "spans": [{
            "name": s.name, "span_id": s.span_id, "parent_id": s.parent_id, "span_type": s.span_type,
            "start_ns": str(s.start_time_ns), "end_ns": str(s.end_time_ns),
            "status": s.status.status_code.value, "status_message": s.status.description,
            "inputs": s.inputs, "outputs": s.outputs, "attributes": s.attributes,
            "events": [{"name": e.name, "time_ns": str(e.timestamp), "attributes": e.attributes} for e in s.events],
        } for s in t.data.spans],
    }
emit({"traces": [describe(mlflow.get_trace(i)) for i in ARGS["ids"]],
      "searches": {f: [t.info.trace_id for t in mlflow.search_traces(locations=[ARGS["experiment"]], filter_string=f, return_type="list")] for f in ARGS["filters"]}})
`;

function names(nodes: readonly SpanNode[]): unknown[] {
  return nodes.map((node) => (node.children.length ? { [node.span.name]: names(node.children) } : node.span.name));
}

describe("TracesApi against a real MLflow 3 server, read back by MLflow's own Python client", () => {
  let server: MlflowServer;
  let client: MlflowClient;
  let experimentId: string;

  before(async () => {
    server = await startMlflowServer();
    client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    experimentId = await client.experiments.create('chat-traces');
  });
  after(async () => server?.stop());

  it('logs a chat answer that mlflow.get_trace reads span by span, and a failed and a stopped one by their status', async () => {
    const ids = countingIds('a');
    const logged = await client.traces.logTrace(
      experimentId,
      chatTrace(answer({ promptVersion: 'prompts:/station/3', tags: { 'phi3.chat': 'c1' } }), ids),
    );
    const failed = await client.traces.logTrace(
      experimentId,
      chatTrace(
        answer({
          source: 'served',
          answer: 'Tout',
          decode: undefined,
          generatedTokens: 1,
          tokensPerSecond: undefined,
          outcome: { kind: 'failed', message: 'The scoring server answered 500', errorType: 'ScoringError' },
        }),
        ids,
      ),
    );
    const stopped = await client.traces.logTrace(experimentId, chatTrace(answer({ answer: 'Tout dr', outcome: { kind: 'stopped' } }), ids));
    const traceId = 'tr-a0000000000000000000000000000001';
    assert.deepEqual(
      [logged.traceId, failed.traceId, stopped.traceId],
      [traceId, 'tr-a0000000000000000000000000000002', 'tr-a0000000000000000000000000000003'],
    );
    assert.equal(logged.state, 'OK');
    assert.equal(logged.tags['phi3.source'], 'local');

    const { traces, searches } = await runMlflowPython<{ traces: PythonTrace[]; searches: Record<string, string[]> }>(
      pythonScript(readTracesInPython),
      {
        ids: [logged.traceId, failed.traceId, stopped.traceId],
        experiment: experimentId,
        filters: ["tags.phi3.source = 'local'", "status = 'ERROR'", "tags.phi3.finishReason = 'stopped'"],
      },
      { trackingUri: server.url },
    );
    const [ok, error, stop] = traces as [PythonTrace, PythonTrace, PythonTrace];

    assert.equal(ok.trace_id, traceId);
    assert.equal(ok.experiment_id, experimentId);
    assert.equal(ok.state, 'OK');
    assert.equal(ok.request_time, Date.UTC(2026, 11, 4, 12, 0, 0));
    assert.equal(ok.execution_duration, 120);
    // The server's own previews of the root's inputs and outputs: the last user message, the answer as JSON.
    assert.equal(ok.request_preview, 'Où est la gare ? 🚉');
    assert.equal(ok.response_preview, '"Tout droit."');
    assert.deepEqual(ok.token_usage, { input_tokens: 21, output_tokens: 5, total_tokens: 26 });
    assert.deepEqual(ok.tags, {
      'mlflow.traceName': 'chat',
      'mlflow.trace.spansLocation': 'TRACKING_STORE',
      'mlflow.artifactLocation': `mlflow-artifacts:/${experimentId}/traces/${traceId}/artifacts`,
      'phi3.chat': 'c1',
      'phi3.source': 'local',
      'phi3.model': 'phi3-mini-4k-int4',
      'phi3.finishReason': 'eos',
      'phi3.promptVersion': 'prompts:/station/3',
    });
    const { 'mlflow.trace.sizeStats': sizeStats, ...metadata } = ok.metadata;
    assert.equal((JSON.parse(sizeStats!) as { num_spans: number }).num_spans, 4);
    assert.deepEqual(metadata, {
      'mlflow.trace_schema.version': '3',
      'mlflow.trace.infoFinalized': 'true',
      'mlflow.trace.tokenUsage': '{"input_tokens": 21, "output_tokens": 5, "total_tokens": 26}',
      'mlflow.traceInputs':
        '{"messages":[{"role":"system","content":"Answer briefly."},{"role":"user","content":"Où est la gare ? 🚉"}],"max_new_tokens":64,"temperature":0.5,"do_sample":false,"seed":null}',
      'mlflow.traceOutputs': '"Tout droit."',
    });

    const inputs = {
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'Où est la gare ? 🚉' },
      ],
      max_new_tokens: 64,
      temperature: 0.5,
      do_sample: false,
      seed: null,
    };
    assert.deepEqual(ok.spans, [
      {
        name: 'chat',
        span_id: 'a000000000000001',
        parent_id: null,
        span_type: 'CHAT_MODEL',
        start_ns: '1796385600000250000',
        end_ns: '1796385600120750000',
        status: 'OK',
        status_message: '',
        inputs,
        outputs: 'Tout droit.',
        attributes: {
          'mlflow.traceRequestId': traceId,
          'mlflow.spanType': 'CHAT_MODEL',
          'mlflow.spanInputs': inputs,
          'mlflow.spanOutputs': 'Tout droit.',
          'mlflow.llm.model': 'phi3-mini-4k-int4',
          'mlflow.chat.tokenUsage': { input_tokens: 21, output_tokens: 5, total_tokens: 26 },
          'phi3.source': 'local',
          'phi3.finish_reason': 'eos',
          'phi3.time_to_first_token_ms': 37.875,
          'phi3.tokens_per_second': 49.75,
        },
        events: [],
      },
      ...[
        ['tokenize', 'a000000000000002', '1796385600000250000', '1796385600002500000', { 'phi3.prompt_tokens': 21 }],
        [
          'prefill',
          'a000000000000003',
          '1796385600002500000',
          '1796385600040375000',
          { 'phi3.prompt_tokens': 21, 'phi3.reused_tokens': 0 },
        ],
        [
          'decode',
          'a000000000000004',
          '1796385600040375000',
          '1796385600120750000',
          { 'phi3.generated_tokens': 5, 'phi3.tokens_per_second': 49.75 },
        ],
      ].map(([name, spanId, start, end, attributes]) => ({
        name,
        span_id: spanId,
        parent_id: 'a000000000000001',
        span_type: 'TASK',
        start_ns: start,
        end_ns: end,
        status: 'OK',
        status_message: '',
        inputs: null,
        outputs: null,
        attributes: { 'mlflow.traceRequestId': traceId, 'mlflow.spanType': 'TASK', ...(attributes as object) },
        events: [],
      })),
    ]);

    assert.equal(error.state, 'ERROR');
    assert.deepEqual(
      error.spans.map((s) => s.name),
      ['chat', 'tokenize', 'prefill'],
    );
    const errorRoot = error.spans[0]!;
    assert.equal(errorRoot.status, 'ERROR');
    assert.equal(errorRoot.status_message, 'The scoring server answered 500');
    assert.equal(errorRoot.outputs, 'Tout');
    assert.deepEqual(errorRoot.events, [
      {
        name: 'exception',
        time_ns: '1796385600120750000',
        attributes: { 'exception.type': 'ScoringError', 'exception.message': 'The scoring server answered 500' },
      },
    ]);
    assert.equal(errorRoot.attributes['phi3.finish_reason'], 'error');
    assert.deepEqual(error.token_usage, { input_tokens: 21, output_tokens: 1, total_tokens: 22 });
    assert.equal(error.tags['phi3.source'], 'served');

    // Stopped is an error status (issue #14), told from a failure by its message and finish reason, with no exception event.
    assert.equal(stop.state, 'ERROR');
    assert.equal(stop.spans[0]!.status, 'ERROR');
    assert.equal(stop.spans[0]!.status_message, 'Stopped by the user.');
    assert.deepEqual(stop.spans[0]!.events, []);
    assert.equal(stop.spans[0]!.outputs, 'Tout dr');
    assert.equal(stop.tags['phi3.finishReason'], 'stopped');

    // Newest first, then by trace id: all three started at t0.
    assert.deepEqual(searches, {
      "tags.phi3.source = 'local'": [logged.traceId, stopped.traceId],
      "status = 'ERROR'": [failed.traceId, stopped.traceId],
      "tags.phi3.finishReason = 'stopped'": [stopped.traceId],
    });
  });

  it('reads its own trace back as the span tree, with times, inputs, outputs and attributes', async () => {
    const logged = await client.traces.logTrace(experimentId, chatTrace(answer(), countingIds('b')));
    const trace = await client.traces.get(logged.traceId);
    assert.equal(trace.info.traceId, 'tr-b0000000000000000000000000000001');
    assert.equal(trace.info.state, 'OK');
    assert.equal(trace.info.requestTimeMs, Date.UTC(2026, 11, 4, 12, 0, 0));
    assert.equal(trace.info.executionDurationMs, 120);
    assert.equal(trace.info.requestPreview, 'Où est la gare ? 🚉');
    assert.deepEqual(names(trace.roots), [{ chat: ['tokenize', 'prefill', 'decode'] }]);
    const [root] = trace.roots;
    assert.equal(root!.span.spanId, 'b000000000000001');
    assert.equal(root!.span.parentId, undefined);
    assert.deepEqual(
      root!.children.map((c) => c.span.parentId),
      ['b000000000000001', 'b000000000000001', 'b000000000000001'],
    );
    // Milliseconds exact; the nanoseconds came as JSON numbers beyond 2⁵³ (see TraceSpan.startTimeMs).
    assert.equal(Math.floor(root!.span.startTimeMs), t0 - 0.25);
    assert.ok(Math.abs(root!.span.startTimeMs - t0) < 0.001);
    assert.ok(Math.abs(root!.span.endTimeMs! - (t0 + 120.5)) < 0.001);
    assert.ok(Math.abs(root!.children[1]!.span.startTimeMs - (t0 + 2.25)) < 0.001);
    assert.equal(root!.span.spanType, 'CHAT_MODEL');
    assert.deepEqual(root!.span.status, { code: 'OK' });
    assert.deepEqual(root!.span.inputs, {
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'Où est la gare ? 🚉' },
      ],
      max_new_tokens: 64,
      temperature: 0.5,
      do_sample: false,
      seed: null,
    });
    assert.equal(root!.span.outputs, 'Tout droit.');
    assert.deepEqual(root!.span.attributes['mlflow.chat.tokenUsage'], { input_tokens: 21, output_tokens: 5, total_tokens: 26 });
    assert.equal(root!.span.attributes['phi3.time_to_first_token_ms'], 37.875);
    assert.deepEqual(root!.children[2]!.span.attributes, {
      'mlflow.spanType': 'TASK',
      'phi3.generated_tokens': 5,
      'phi3.tokens_per_second': 49.75,
      'mlflow.traceRequestId': trace.info.traceId,
    });
    assert.deepEqual(
      trace.spans.map((s) => s.name),
      ['chat', 'tokenize', 'prefill', 'decode'],
    );
  });

  it("reads traces MLflow's Python tracing made (@mlflow.trace, mlflow.start_span, a raised exception) as their tree", async () => {
    const made = await runMlflowPython<{
      ok: string;
      failed: string;
      spans: Array<{ name: string; span_id: string; parent_id: string | null; start_ns: string; end_ns: string }>;
    }>(
      pythonScript(`
import mlflow
mlflow.set_experiment(experiment_id=ARGS["experiment"])

${tracedAgentPython}
ok, failed = agent_id, broken_id
mlflow.MlflowClient().set_trace_tag(ok, "phi3.source", "python")
spans = mlflow.get_trace(ok).data.spans
emit({"ok": ok, "failed": failed, "spans": [{"name": s.name, "span_id": s.span_id, "parent_id": s.parent_id, "start_ns": str(s.start_time_ns), "end_ns": str(s.end_time_ns)} for s in spans]})
`),
      { experiment: experimentId },
      { trackingUri: server.url },
    );
    const trace = await client.traces.get(made.ok);
    assert.equal(trace.info.traceId, made.ok);
    assert.equal(trace.info.tags['phi3.source'], 'python');
    assert.deepEqual(names(trace.roots), [{ agent: ['plan', 'lookup'] }]);
    assert.deepEqual(
      trace.spans.map((s) => ({ name: s.name, span_id: s.spanId, parent_id: s.parentId ?? null })),
      made.spans.map(({ name, span_id, parent_id }) => ({ name, span_id, parent_id })),
    );
    for (const [index, span] of trace.spans.entries()) {
      const python = made.spans[index]!;
      assert.ok(Math.abs(span.startTimeMs - Number(BigInt(python.start_ns)) / 1e6) < 0.001, `${span.name} starts when Python says`);
      assert.ok(Math.abs(span.endTimeMs! - Number(BigInt(python.end_ns)) / 1e6) < 0.001, `${span.name} ends when Python says`);
    }
    const [agent] = trace.roots;
    assert.equal(agent!.span.spanType, 'AGENT');
    assert.deepEqual(agent!.span.inputs, { question: 'why' });
    assert.deepEqual(agent!.span.outputs, { hits: ['why', 2] });
    const [plan, lookup] = agent!.children;
    assert.equal(plan!.span.spanType, 'CHAIN');
    assert.deepEqual(plan!.span.inputs, { question: 'why' });
    assert.deepEqual(plan!.span.outputs, ['lookup']);
    assert.equal(plan!.span.attributes.steps, 1);
    assert.equal(lookup!.span.spanType, 'TOOL');
    assert.deepEqual(lookup!.span.inputs, { q: 'why' });
    assert.deepEqual(lookup!.span.status, { code: 'OK' });

    const failed = await client.traces.get(made.failed);
    assert.equal(failed.info.state, 'ERROR');
    assert.deepEqual(names(failed.roots), ['broken']);
    const broken = failed.roots[0]!.span;
    assert.deepEqual(broken.status, { code: 'ERROR', message: 'ValueError: boom' });
    assert.deepEqual(
      broken.events.map((e) => [e.name, e.attributes['exception.type'], e.attributes['exception.message']]),
      [['exception', 'ValueError', 'boom']],
    );
  });

  it('pages through traces newest first and filters them by status and by tag', async () => {
    const pagingExperiment = await client.experiments.create('trace-paging');
    const ids = countingIds('c');
    const sources = ['local', 'served', 'local', 'served', 'local'] as const;
    const logged: string[] = [];
    for (const [i, source] of sources.entries()) {
      const start = t0 + i * 1000;
      const outcome =
        i === 3 ? ({ kind: 'failed', message: 'out of memory' } as const) : ({ kind: 'completed', finishReason: 'eos' } as const);
      const info = await client.traces.logTrace(
        pagingExperiment,
        chatTrace(
          answer({
            source,
            startMs: start,
            endMs: start + 10,
            tokenize: undefined,
            prefill: undefined,
            decode: undefined,
            promptTokens: 21,
            generatedTokens: 5,
            outcome,
          }),
          ids,
        ),
      );
      logged.push(info.traceId);
    }
    const newestFirst = [...logged].reverse();

    const first = await client.traces.searchPage({ experimentIds: [pagingExperiment], maxResults: 2 });
    assert.deepEqual(
      first.items.map((t) => t.traceId),
      newestFirst.slice(0, 2),
    );
    assert.ok(first.nextPageToken);
    const second = await client.traces.searchPage({ experimentIds: [pagingExperiment], maxResults: 2 }, first.nextPageToken);
    assert.deepEqual(
      second.items.map((t) => t.traceId),
      newestFirst.slice(2, 4),
    );
    const third = await client.traces.searchPage({ experimentIds: [pagingExperiment], maxResults: 2 }, second.nextPageToken);
    assert.deepEqual(
      third.items.map((t) => t.traceId),
      newestFirst.slice(4),
    );
    assert.equal(third.nextPageToken, undefined);
    assert.deepEqual(
      (await collect(client.traces.search({ experimentIds: [pagingExperiment], maxResults: 2 }))).map((t) => t.traceId),
      newestFirst,
    );
    assert.deepEqual(
      (await collect(client.traces.search({ experimentIds: [pagingExperiment], orderBy: ['timestamp_ms ASC'] }))).map((t) => t.traceId),
      logged,
    );

    const matching = async (filter: string) =>
      (await collect(client.traces.search({ experimentIds: [pagingExperiment], filter }))).map((t) => t.traceId);
    assert.deepEqual(await matching("status = 'ERROR'"), [logged[3]]);
    assert.deepEqual(await matching("status = 'OK'"), [logged[4], logged[2], logged[1], logged[0]]);
    assert.deepEqual(await matching("tags.phi3.source = 'served'"), [logged[3], logged[1]]);
    assert.deepEqual(await matching("tags.`phi3.source` = 'local' AND status = 'OK'"), [logged[4], logged[2], logged[0]]);

    const [newest] = first.items;
    assert.equal(newest!.requestTimeMs, Date.UTC(2026, 11, 4, 12, 0, 4));
    assert.equal(newest!.executionDurationMs, 10);
    assert.equal(newest!.experimentId, pagingExperiment);
    assert.equal(newest!.tags['phi3.source'], 'local');
    assert.equal(newest!.metadata['mlflow.trace.tokenUsage'], '{"input_tokens": 21, "output_tokens": 5, "total_tokens": 26}');
  });

  it('records a trace under a run and links others to it; the run lists both, in Python and here', async () => {
    const run = await client.runs.create(experimentId, { runName: 'chat-session' });
    const runId = run.info.runId;
    const ids = countingIds('d');
    const underRun = await client.traces.logTrace(experimentId, chatTrace(answer({ runId }), ids));
    const linked = await client.traces.logTrace(experimentId, chatTrace(answer({ startMs: t0 + 5000, endMs: t0 + 5010 }), ids));
    const other = await client.traces.logTrace(experimentId, chatTrace(answer(), ids));
    assert.equal(underRun.metadata['mlflow.sourceRun'], runId);
    await client.traces.linkToRun(runId, [linked.traceId]);

    const fromPython = await runMlflowPython<string[]>(
      pythonScript(
        'import mlflow\nemit([t.info.trace_id for t in mlflow.search_traces(locations=[ARGS["experiment"]], run_id=ARGS["run"], return_type="list")])',
      ),
      { run: runId, experiment: experimentId },
      { trackingUri: server.url },
    );
    assert.deepEqual(fromPython, [linked.traceId, underRun.traceId]);
    const here = await collect(client.traces.search({ experimentIds: [experimentId], filter: `attributes.run_id = '${runId}'` }));
    assert.deepEqual(
      here.map((t) => t.traceId),
      [linked.traceId, underRun.traceId],
    );
    assert.ok(!here.some((t) => t.traceId === other.traceId));
  });

  it('says what the server says of a trace it does not have, and of an experiment it does not have', async () => {
    await assert.rejects(client.traces.get('tr-ffffffffffffffffffffffffffffffff'), (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.equal(error.status, 404);
      assert.equal(error.message, 'Trace with ID tr-ffffffffffffffffffffffffffffffff is not found.');
      return true;
    });
    await assert.rejects(client.traces.logTrace('999999', chatTrace(answer(), countingIds('e'))), (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.equal(error.status, 404);
      assert.equal(error.message, 'Experiment 999999 does not exist');
      return true;
    });
  });
});
