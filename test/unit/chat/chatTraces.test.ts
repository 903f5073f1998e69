/**
 * The chat's answers as MLflow traces, wired as the panel wires them (ChatSide → ChatTracing →
 * the connection's TraceBatcher), on the real local engine and a real MLflow 3 server, read back
 * by MLflow's own Python client: the spans and their attributes, the status of a stopped and of a
 * failed answer, a bulk run's rows and their trace ids, the traces linked to the run a chat is
 * logged as; mode "ask" asking once; a failure to log reported; an MLflow 2 server sent nothing.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sideAnsweredRequest } from '../../../src/chat/answerTrace';
import type { BulkPrompt } from '../../../src/chat/bulkPrompts';
import { bulkRunRequest, bulkTable, bulkTraceIds } from '../../../src/chat/bulkResults';
import { runBulk } from '../../../src/chat/bulkRunner';
import { LocalChatBackend, ServedChatBackend } from '../../../src/chat/chatBackend';
import { logChatRun } from '../../../src/chat/chatRunLogger';
import { parseViewMessage } from '../../../src/chat/chatProtocol';
import { ChatSide } from '../../../src/chat/chatSide';
import { ChatTracing, type ChatTraceAccess, type TraceLogMode, type TracingState } from '../../../src/chat/chatTracing';
import { Conversation } from '../../../src/chat/conversation';
import { defaultChatSettings } from '../../../src/chat/generationSettings';
import { MlflowClient } from '../../../src/mlflow/client';
import { TraceBatcher } from '../../../src/mlflow/traces/traceBatcher';
import { epochNs } from '../../../src/mlflow/traces/traceIds';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { type ForwardingProxy, startForwardingProxy } from '../../harness/forwardingProxy';
import { freePort } from '../../harness/freePort';
import { runMlflowPython } from '../../harness/mlflowPython';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';
import { repoRoot } from '../../harness/paths';

const folder = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4');
const settings = { ...defaultChatSettings, maxNewTokens: 6, seed: 7 };

interface PythonSpan {
  name: string;
  parent: string | null;
  start_ns: string;
  end_ns: string;
  status: string;
  status_message: string;
  inputs: unknown;
  outputs: unknown;
  attributes: Record<string, unknown>;
  events: string[];
}

interface PythonTrace {
  trace_id: string;
  experiment_id: string;
  state: string;
  token_usage: Record<string, number> | null;
  tags: Record<string, string>;
  spans: PythonSpan[];
}

/** What `mlflow.get_trace` reads of each trace (span parents by name, nanoseconds as strings). */
const readTraces = `
import json, sys, mlflow
args = json.loads(sys.argv[1])
def describe(t):
    names = {s.span_id: s.name for s in t.data.spans}
    return {
        "trace_id": t.info.trace_id, "experiment_id": t.info.experiment_id, "state": t.info.state.value,
        "token_usage": t.info.token_usage, "tags": t.info.tags,
        "spans": [{
            "name": s.name, "parent": names.get(s.parent_id), "start_ns": str(s.start_time_ns), "end_ns": str(s.end_time_ns),
            "status": s.status.status_code.value, "status_message": s.status.description,
            "inputs": s.inputs, "outputs": s.outputs, "attributes": s.attributes, "events": [e.name for e in s.events],
        } for s in t.data.spans],
    }
print(json.dumps([describe(mlflow.get_trace(i)) for i in args["ids"]], default=str))
`;

/** The trace ids `mlflow.search_traces` finds for a run (its linked traces). */
const runTraces = `
import json, sys, mlflow
args = json.loads(sys.argv[1])
print(json.dumps(sorted(t.info.trace_id for t in mlflow.search_traces(locations=[args["experiment"]], run_id=args["run"], return_type="list"))))
`;

/** The panel's tracing over a real client and batcher; the two questions answered as the test says. */
function tracingOver(
  client: MlflowClient,
  batcher: TraceBatcher,
  options: { mode: TraceLogMode; experimentId: string; confirm?: boolean },
) {
  const asked = { confirm: 0, experiment: 0 };
  const failures: string[] = [];
  /** What the panel shows while its question waits for the user. */
  const whileAsking: TracingState[] = [];
  const access: ChatTraceAccess = {
    mode: () => options.mode,
    connection: () => ({ client, batcher }),
    confirm: async () => {
      asked.confirm++;
      whileAsking.push(tracing.state);
      return options.confirm ?? true;
    },
    experiment: async () => {
      asked.experiment++;
      return { experimentId: options.experimentId, name: 'chat-traces' };
    },
  };
  const tracing: ChatTracing = new ChatTracing(access, { onFailure: (message) => failures.push(message) });
  return { tracing, asked, failures, whileAsking };
}

describe('chat answers traced on a real MLflow 3 server, read back by its Python client', () => {
  let server: MlflowServer;
  let client: MlflowClient;
  let batcher: TraceBatcher;
  let experimentId: string;
  let backend: LocalChatBackend;

  before(async () => {
    server = await startMlflowServer();
    client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    batcher = new TraceBatcher(client.traces);
    experimentId = await client.experiments.create('chat-traces');
    backend = new LocalChatBackend({ kind: 'local', folder }, () => undefined);
    await backend.open();
  });
  after(async () => {
    backend?.dispose();
    await batcher?.dispose();
    await server?.stop();
  });

  const read = (ids: readonly string[]) => runMlflowPython<PythonTrace[]>(readTraces, { ids }, { trackingUri: server.url });

  it("traces a local answer: a chat span with the messages and settings in and the answer out, then tokenize, prefill and decode laid end to end with the engine's figures", async () => {
    const { tracing } = tracingOver(client, batcher, { mode: 'always', experimentId });
    assert.deepEqual(await tracing.decide(), {
      kind: 'on',
      experiment: { experimentId, name: 'chat-traces' },
      serverUri: server.url,
    });
    const side = new ChatSide(backend, new Conversation({ systemPrompt: 'Be brief.', turns: [] }), () => undefined);
    await side.load(() => false);
    const id = side.conversation.ask('Hello');
    const input = { messages: [...side.conversation.messagesForModel().slice(0, -1), { role: 'user' as const, content: 'Hello' }] };
    const answered = await side.answer(id, input, settings, () => undefined);
    const answer = answered.answer!;
    const traceId = tracing.record(sideAnsweredRequest(backend, input, settings, answered, 'chat'));
    assert.match(traceId ?? '', /^tr-[0-9a-f]{32}$/);
    await batcher.flush();

    const [trace] = await read([traceId!]);
    assert.equal(trace!.trace_id, traceId);
    assert.equal(trace!.experiment_id, experimentId);
    assert.equal(trace!.state, 'OK');
    const { figures, phases } = answer;
    assert.equal(figures.stopReason, 'max-new-tokens');
    assert.deepEqual(trace!.token_usage, {
      input_tokens: figures.promptTokens,
      output_tokens: 6,
      total_tokens: figures.promptTokens! + 6,
    });
    assert.equal(trace!.tags['phi3.source'], 'local');
    assert.equal(trace!.tags['phi3.model'], folder);
    assert.equal(trace!.tags['phi3.finishReason'], 'max-new-tokens');
    assert.equal(trace!.tags['phi3.chat.kind'], 'chat');
    assert.deepEqual(
      trace!.spans.map((span) => [span.name, span.parent, span.status]),
      [
        ['chat', null, 'OK'],
        ['tokenize', 'chat', 'OK'],
        ['prefill', 'chat', 'OK'],
        ['decode', 'chat', 'OK'],
      ],
    );
    const [root, tokenize, prefill, decode] = trace!.spans as [PythonSpan, PythonSpan, PythonSpan, PythonSpan];
    assert.deepEqual(root.inputs, {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
      max_new_tokens: 6,
      do_sample: false,
      temperature: 0.7,
      top_p: 0.9,
      top_k: 50,
      repetition_penalty: 1,
      seed: 7,
    });
    assert.equal(root.outputs, answer.text);
    assert.equal(side.conversation.turn(id)?.content, answer.text);
    assert.equal(root.attributes['phi3.time_to_first_token_ms'], figures.timeToFirstTokenMs);
    assert.equal(root.attributes['phi3.tokens_per_second'], figures.tokensPerSecond);
    assert.equal(root.attributes['phi3.finish_reason'], 'max-new-tokens');
    assert.equal(tokenize.attributes['phi3.prompt_tokens'], figures.promptTokens);
    assert.equal(prefill.attributes['phi3.prompt_tokens'], figures.promptTokens);
    assert.equal(prefill.attributes['phi3.reused_tokens'], phases!.reusedTokens);
    assert.equal(decode.attributes['phi3.generated_tokens'], 6);
    assert.equal(decode.attributes['phi3.tokens_per_second'], figures.tokensPerSecond);
    // The phases follow one another from the answer's start; decode ends by the answer's end.
    const start = epochNs(answered.startMs);
    assert.equal(root.start_ns, String(start));
    assert.equal(root.end_ns, String(epochNs(answered.endMs)));
    assert.equal(tokenize.start_ns, String(start));
    assert.equal(tokenize.end_ns, String(epochNs(answered.startMs + phases!.tokenizeMs)));
    assert.equal(prefill.start_ns, tokenize.end_ns);
    assert.equal(decode.start_ns, prefill.end_ns);
    assert.ok(BigInt(decode.end_ns) <= BigInt(root.end_ns), `decode ends ${decode.end_ns}, the answer ${root.end_ns}`);
    assert.ok(BigInt(decode.end_ns) > BigInt(decode.start_ns));
  });

  it('traces a stopped local answer and a failed served one as ERROR, with the partial answer and the reason', async () => {
    const { tracing } = tracingOver(client, batcher, { mode: 'always', experimentId });
    await tracing.decide();
    const side = new ChatSide(backend, new Conversation(), () => undefined);
    await side.load(() => false);
    const id = side.conversation.ask('Tell me a long story');
    const input = { messages: [{ role: 'user' as const, content: 'Tell me a long story' }] };
    // Stop as soon as the first piece streams, as the panel's Stop does.
    const stoppedAnswer = await side.answer(id, input, { ...settings, maxNewTokens: 400 }, () => backend.stop());
    assert.equal(stoppedAnswer.answer?.figures.stopReason, 'cancelled');
    const stoppedId = tracing.record(sideAnsweredRequest(backend, input, settings, stoppedAnswer, 'chat'));

    // A served model nobody serves: the request itself fails.
    const served = new ServedChatBackend({
      kind: 'served',
      url: `http://127.0.0.1:${await freePort()}`,
      signature: { kind: 'llm/v1/chat' },
    });
    const servedSide = new ChatSide(served, new Conversation(), () => undefined);
    servedSide.status = 'ready';
    const servedTurn = servedSide.conversation.ask('Hello');
    const failedAnswer = await servedSide.answer(servedTurn, { messages: [{ role: 'user', content: 'Hello' }] }, settings, () => undefined);
    const failedId = tracing.record(
      sideAnsweredRequest(served, { messages: [{ role: 'user', content: 'Hello' }] }, settings, failedAnswer, 'compare'),
    );
    await batcher.flush();

    const [stopped, failed] = await read([stoppedId!, failedId!]);
    assert.equal(stopped!.state, 'ERROR');
    assert.deepEqual(
      stopped!.spans.map((span) => [span.name, span.status, span.status_message]),
      [
        ['chat', 'ERROR', 'Stopped by the user.'],
        ['tokenize', 'OK', ''],
        ['prefill', 'OK', ''],
        ['decode', 'OK', ''],
      ],
    );
    assert.deepEqual(stopped!.spans[0]!.events, []);
    assert.equal(stopped!.spans[0]!.outputs, stoppedAnswer.answer!.text);
    assert.equal(stopped!.tags['phi3.finishReason'], 'stopped');
    assert.equal(stopped!.spans[3]!.attributes['phi3.generated_tokens'], stoppedAnswer.answer!.figures.newTokens);
    assert.ok(stoppedAnswer.answer!.figures.newTokens! < 400);

    const message = servedSide.conversation.turn(servedTurn)!.error!;
    assert.match(message, /^Nothing answers at http:\/\/127\.0\.0\.1:\d+ /);
    assert.equal(failed!.state, 'ERROR');
    assert.deepEqual(
      failed!.spans.map((span) => [span.name, span.status, span.status_message, span.events]),
      [['chat', 'ERROR', message, ['exception']]],
    );
    assert.equal(failed!.spans[0]!.outputs, '');
    assert.equal(failed!.tags['phi3.source'], 'served');
    assert.equal(failed!.tags['phi3.finishReason'], 'error');
    assert.equal(failed!.tags['phi3.chat.kind'], 'compare');
    served.dispose();
  });

  it('gives each bulk row its trace id, shows it in the table, and links the traces to the run the bulk run is logged as', async () => {
    const { tracing } = tracingOver(client, batcher, { mode: 'always', experimentId });
    await tracing.decide();
    const prompts: BulkPrompt[] = [
      { line: 1, prompt: 'One', messages: [{ role: 'user', content: 'One' }] },
      { line: 2, prompt: 'Two', messages: [{ role: 'user', content: 'Two' }] },
    ];
    const outcome = await runBulk(prompts, [backend], settings, {
      signal: new AbortController().signal,
      traceAnswer: (answered) =>
        tracing.record({
          source: 'local',
          model: 'phi3-tiny',
          input: answered.input,
          settings,
          startMs: answered.startMs,
          endMs: answered.endMs,
          ...(answered.answer ? { answer: answered.answer } : {}),
          stopped: answered.stopped,
          kind: 'bulk',
        }),
    });
    const ids = bulkTraceIds(outcome.rows);
    assert.equal(ids.length, 2);
    assert.deepEqual(
      outcome.rows.map((row) => row.answers[0]!.traceId),
      ids,
    );
    const table = bulkTable(1, outcome.rows);
    assert.deepEqual(table.columns, ['line', 'prompt', 'answer', 'new_tokens', 'latency_ms', 'tokens_per_second', 'error', 'trace_id']);
    assert.deepEqual(
      table.data.map((row) => row[7]),
      ids,
    );

    const run = await logChatRun(
      client,
      experimentId,
      bulkRunRequest({ models: [{ kind: 'local', location: folder }], settings, rows: outcome.rows, loggedAt: new Date() }),
    );
    // linkToRun waits for the batcher, then links what the server confirmed.
    assert.equal(await tracing.linkToRun(run.runId, ids), 2);
    const linked = await runMlflowPython<string[]>(runTraces, { experiment: experimentId, run: run.runId }, { trackingUri: server.url });
    assert.deepEqual(linked, [...ids].sort());
    // A chat restored after a reload: a new session links the traces the server has, not one it never got.
    const restored = tracingOver(client, batcher, { mode: 'always', experimentId });
    const again = await logChatRun(
      client,
      experimentId,
      bulkRunRequest({ models: [{ kind: 'local', location: folder }], settings, rows: outcome.rows, loggedAt: new Date() }),
    );
    assert.equal(await restored.tracing.linkToRun(again.runId, [...ids, `tr-${'f'.repeat(32)}`]), 2);
    assert.deepEqual(
      await runMlflowPython<string[]>(runTraces, { experiment: experimentId, run: again.runId }, { trackingUri: server.url }),
      [...ids].sort(),
    );
    const traces = await read(ids);
    assert.deepEqual(
      traces.map((trace) => [trace.tags['phi3.chat.kind'], (trace.spans[0]!.inputs as { messages: unknown }).messages]),
      [
        ['bulk', [{ role: 'user', content: 'One' }]],
        ['bulk', [{ role: 'user', content: 'Two' }]],
      ],
    );
  });

  it('mode "ask" asks once a panel; declined, no answer is traced; off, nothing is asked', async () => {
    const declined = tracingOver(client, batcher, { mode: 'ask', experimentId, confirm: false });
    assert.deepEqual(await declined.tracing.decide(), { kind: 'off' });
    assert.deepEqual(await declined.tracing.decide(), { kind: 'off' });
    assert.deepEqual(declined.asked, { confirm: 1, experiment: 0 });
    assert.deepEqual(declined.whileAsking, [{ kind: 'deciding', asking: true }]);
    const now = Date.now();
    const request = {
      source: 'local' as const,
      model: 'm',
      input: { messages: [{ role: 'user' as const, content: 'x' }] },
      settings,
      startMs: now,
      endMs: now + 1,
      error: new Error('x'),
      kind: 'chat' as const,
    };
    assert.equal(declined.tracing.record(request), undefined);

    const accepted = tracingOver(client, batcher, { mode: 'ask', experimentId, confirm: true });
    assert.equal((await accepted.tracing.decide()).kind, 'on');
    await accepted.tracing.decide();
    assert.deepEqual(accepted.asked, { confirm: 1, experiment: 1 });

    const off = tracingOver(client, batcher, { mode: 'off', experimentId });
    assert.deepEqual(await off.tracing.decide(), { kind: 'off' });
    assert.deepEqual(off.asked, { confirm: 0, experiment: 0 });
    assert.equal(off.tracing.record(request), undefined);
    assert.equal(batcher.pending, 0);
  });

  it('after the connection changes, traces nothing until it decides again, for the new server', async () => {
    const other = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    let current = { client, batcher };
    let confirms = 0;
    const tracing = new ChatTracing({
      mode: () => 'ask',
      connection: () => current,
      confirm: async () => ++confirms > 0,
      experiment: async () => ({ experimentId, name: 'chat-traces' }),
    });
    assert.equal((await tracing.decide()).kind, 'on');
    current = { client: other, batcher };
    assert.deepEqual(tracing.state, { kind: 'off' });
    const now = Date.now();
    const request = {
      source: 'local' as const,
      model: 'm',
      input: { messages: [{ role: 'user' as const, content: 'x' }] },
      settings,
      startMs: now,
      endMs: now + 1,
      error: new Error('x'),
      kind: 'chat' as const,
    };
    assert.equal(tracing.record(request), undefined);
    assert.equal(batcher.pending, 0);
    assert.equal((await tracing.decide()).kind, 'on');
    assert.equal(confirms, 2, 'asked again for the new connection');
    assert.match(tracing.record(request) ?? '', /^tr-[0-9a-f]{32}$/);
    await batcher.flush();
  });

  it('reports a trace the server refuses to the panel, without holding up the answer', async () => {
    const { tracing, failures } = tracingOver(client, batcher, { mode: 'always', experimentId: '999999' });
    await tracing.decide();
    const now = Date.now();
    const traceId = tracing.record({
      source: 'served',
      model: 'http://127.0.0.1:1',
      input: { messages: [{ role: 'user', content: 'x' }] },
      settings,
      startMs: now,
      endMs: now + 1,
      error: new Error('boom'),
      kind: 'chat',
    });
    // Handed over, not sent yet: record() returned before any request.
    assert.equal(batcher.pending, 1);
    await batcher.flush();
    assert.deepEqual(failures, [
      `Trace ${traceId} was not logged to experiment 999999: the server refused it (Experiment 999999 does not exist)`,
    ]);
    assert.equal(await tracing.linkToRun('0'.repeat(32), [traceId]), 0, 'a trace that was not logged is not linked');
  });
});

describe('chat traces asked of a real MLflow 2 server', () => {
  let server: MlflowServer;
  let proxy: ForwardingProxy;

  before(async () => {
    server = await startMlflowServer({ mlflowMajor: 2 });
    proxy = await startForwardingProxy(server.url);
  });
  after(async () => {
    await proxy?.stop();
    await server?.stop();
  });

  it('says traces need MLflow 3, asks nothing and sends nothing', async () => {
    const client = new MlflowClient({ uri: parseTrackingUri(proxy.url), auth: { kind: 'none' } });
    const batcher = new TraceBatcher(client.traces);
    const { tracing, asked } = tracingOver(client, batcher, { mode: 'ask', experimentId: '0' });
    assert.deepEqual(await tracing.decide(), {
      kind: 'unavailable',
      message: `Traces need MLflow 3 (3.4 or later); ${proxy.url} runs MLflow 2.22.5: nothing is sent.`,
    });
    assert.deepEqual(asked, { confirm: 0, experiment: 0 });
    const now = Date.now();
    const traceId = tracing.record({
      source: 'local',
      model: 'm',
      input: { messages: [{ role: 'user', content: 'x' }] },
      settings,
      startMs: now,
      endMs: now + 1,
      error: new Error('x'),
      kind: 'chat',
    });
    assert.equal(traceId, undefined);
    assert.equal(batcher.pending, 0);
    assert.deepEqual(
      proxy.requests.map((request) => `${request.method} ${request.path}`),
      ['GET /version'],
    );
    await batcher.dispose();
  });
});

describe("the page's request to open a bulk answer's trace", () => {
  it("is taken with a trace id of MLflow's form only", () => {
    const traceId = `tr-${'0123456789abcdef'.repeat(2)}`;
    assert.deepEqual(parseViewMessage({ type: 'openTrace', traceId }), { type: 'openTrace', traceId });
    assert.equal(parseViewMessage({ type: 'openTrace', traceId: 'javascript:alert(1)' }), undefined);
    assert.equal(parseViewMessage({ type: 'openTrace', traceId: `${traceId}&x=1` }), undefined);
    assert.equal(parseViewMessage({ type: 'openTrace' }), undefined);
  });
});
