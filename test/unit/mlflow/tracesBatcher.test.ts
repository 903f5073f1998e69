import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MlflowClient } from '../../../src/mlflow/client';
import { MlflowError } from '../../../src/mlflow/errors';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { chatTrace } from '../../../src/mlflow/traces/chatTrace';
import type { TraceInfo } from '../../../src/mlflow/traces/traceEntities';
import { TraceBatcher, type TraceLogFailure } from '../../../src/mlflow/traces/traceBatcher';
import type { TraceRecord } from '../../../src/mlflow/traces/traceRecord';
import { type ForwardingProxy, startForwardingProxy } from '../../harness/forwardingProxy';
import { freePort } from '../../harness/freePort';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';

const t0 = Date.UTC(2026, 11, 4, 12, 0, 0);
let counter = 0;

/** A short chat trace with a trace id that says which one it is. */
function trace(): TraceRecord {
  const n = ++counter;
  let span = 0;
  return chatTrace(
    {
      source: 'local',
      model: 'phi3',
      messages: [{ role: 'user', content: `question ${n}` }],
      settings: { max_new_tokens: 8 },
      answer: `answer ${n}`,
      startMs: t0 + n,
      endMs: t0 + n + 5,
      tokenize: { startMs: t0 + n, endMs: t0 + n + 1, promptTokens: 3 },
      outcome: { kind: 'completed', finishReason: 'eos' },
    },
    {
      traceId: () => n.toString(16).padStart(32, '0'),
      spanId: () => `${n.toString(16).padStart(8, '0')}${(++span).toString(16).padStart(8, '0')}`,
    },
  );
}

/** Collects what a batcher reports. */
function reports() {
  const logged: TraceInfo[] = [];
  const failures: TraceLogFailure[] = [];
  return {
    logged,
    failures,
    onLogged: (info: TraceInfo) => logged.push(info),
    onFailure: (failure: TraceLogFailure) => failures.push(failure),
  };
}

describe("TraceBatcher: traces logged off the caller's path, retried, bounded, and failures reported", () => {
  let server: MlflowServer;
  let experimentId: string;
  const proxies: ForwardingProxy[] = [];

  before(async () => {
    server = await startMlflowServer();
    experimentId = await new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } }).experiments.create(
      'batched-traces',
    );
  });
  after(async () => {
    for (const proxy of proxies) await proxy.stop();
    await server?.stop();
  });

  /** A client through a proxy in front of the real server; the client itself does not retry, so every attempt is the batcher's. */
  async function clientThrough(intercept?: Parameters<typeof startForwardingProxy>[1]) {
    const proxy = await startForwardingProxy(server.url, intercept);
    proxies.push(proxy);
    return { proxy, client: new MlflowClient({ uri: parseTrackingUri(proxy.url), auth: { kind: 'none' } }, { maxRetries: 0 }) };
  }

  it("returns at once and sends later: one OTLP request for the batch, then each trace's info", async () => {
    const { proxy, client } = await clientThrough();
    const seen = reports();
    const batcher = new TraceBatcher(client.traces, seen);
    const traces = [trace(), trace(), trace()];
    assert.deepEqual(
      traces.map((t) => batcher.enqueue(experimentId, t)),
      [true, true, true],
    );
    // Nothing went out inside enqueue: not even the version probe.
    assert.equal(proxy.requests.length, 0);
    assert.equal(batcher.pending, 3);
    await batcher.flush();
    assert.equal(batcher.pending, 0);
    assert.deepEqual(seen.failures, []);
    assert.deepEqual(
      seen.logged.map((info) => info.traceId),
      traces.map((t) => `tr-${t.otelTraceId}`),
    );
    assert.deepEqual(
      proxy.requests.map((r) => `${r.method} ${r.path} ${r.answered}`),
      [
        'GET /version forwarded',
        'POST /v1/traces forwarded',
        'POST /api/3.0/mlflow/traces forwarded',
        'POST /api/3.0/mlflow/traces forwarded',
        'POST /api/3.0/mlflow/traces forwarded',
      ],
    );
    const stored = await client.traces.get(seen.logged[1]!.traceId);
    assert.deepEqual(
      stored.spans.map((s) => s.name),
      ['chat', 'tokenize'],
    );
    assert.equal(stored.spans[0]!.outputs, traces[1]!.spans[0]!.attributes['mlflow.spanOutputs']);
  });

  it('tries again after a 503 and a 500, without sending spans twice once they are in', async () => {
    let otlpRefusals = 2;
    let infoRefusals = 1;
    const { proxy, client } = await clientThrough((request) => {
      if (request.url === '/v1/traces' && otlpRefusals > 0) {
        otlpRefusals--;
        return { status: 503, body: { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' } };
      }
      if (request.url === '/api/3.0/mlflow/traces' && infoRefusals > 0) {
        infoRefusals--;
        return { status: 500, body: { error_code: 'INTERNAL_ERROR', message: 'database is locked' } };
      }
      return undefined;
    });
    const seen = reports();
    const batcher = new TraceBatcher(client.traces, { ...seen, backoffMs: 10 });
    const traces = [trace(), trace()];
    for (const t of traces) batcher.enqueue(experimentId, t);
    await batcher.flush();
    assert.deepEqual(seen.failures, []);
    assert.deepEqual(
      seen.logged.map((info) => info.traceId),
      traces.map((t) => `tr-${t.otelTraceId}`),
    );
    assert.deepEqual(
      proxy.requests.map((r) => `${r.method} ${r.path} ${r.answered}`),
      [
        'GET /version forwarded',
        'POST /v1/traces 503',
        'POST /v1/traces 503',
        'POST /v1/traces forwarded',
        'POST /api/3.0/mlflow/traces 500',
        'POST /api/3.0/mlflow/traces forwarded',
        'POST /api/3.0/mlflow/traces forwarded',
      ],
    );
    for (const info of seen.logged)
      assert.deepEqual(
        (await client.traces.get(info.traceId)).spans.map((s) => s.name),
        ['chat', 'tokenize'],
      );
  });

  it('reports every trace, and throws nothing, when the server stays down', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const client = new MlflowClient({ uri: parseTrackingUri(down), auth: { kind: 'none' } }, { maxRetries: 0 });
    const seen = reports();
    const batcher = new TraceBatcher(client.traces, { ...seen, backoffMs: 5, maxAttempts: 3 });
    const traces = [trace(), trace()];
    assert.deepEqual(
      traces.map((t) => batcher.enqueue(experimentId, t)),
      [true, true],
    );
    await batcher.flush();
    assert.deepEqual(seen.logged, []);
    assert.deepEqual(
      seen.failures.map(({ traceId, reason, attempts, message }) => ({ traceId, reason, attempts, message })),
      traces.map((t) => ({
        traceId: `tr-${t.otelTraceId}`,
        reason: 'gave-up',
        attempts: 3,
        message: `Trace tr-${t.otelTraceId} was not logged to experiment ${experimentId}: still failing after 3 attempts (Cannot reach ${down} (connection refused))`,
      })),
    );
    assert.ok(seen.failures.every((f) => f.error instanceof MlflowError && f.error.kind === 'unreachable'));
  });

  it("does not retry what the server refuses for good, and goes on with the next experiment's traces", async () => {
    const { proxy, client } = await clientThrough();
    const seen = reports();
    const batcher = new TraceBatcher(client.traces, { ...seen, backoffMs: 5 });
    const refused = trace();
    const accepted = trace();
    // Each caller also hears of its own trace, and only of it.
    const own: string[] = [];
    batcher.enqueue('999999', refused, { onLogged: () => own.push('refused logged'), onFailure: (f) => own.push(`refused ${f.reason}`) });
    batcher.enqueue(experimentId, accepted, {
      onLogged: (i) => own.push(`accepted ${i.traceId}`),
      onFailure: () => own.push('accepted failed'),
    });
    await batcher.flush();
    assert.deepEqual(own, ['refused refused', `accepted tr-${accepted.otelTraceId}`]);
    assert.deepEqual(
      seen.failures.map(({ traceId, reason, attempts, message }) => ({ traceId, reason, attempts, message })),
      [
        {
          traceId: `tr-${refused.otelTraceId}`,
          reason: 'refused',
          attempts: 1,
          message: `Trace tr-${refused.otelTraceId} was not logged to experiment 999999: the server refused it (Experiment 999999 does not exist)`,
        },
      ],
    );
    assert.deepEqual(
      seen.logged.map((info) => info.traceId),
      [`tr-${accepted.otelTraceId}`],
    );
    assert.deepEqual(
      proxy.requests.map((r) => `${r.method} ${r.path}`),
      ['GET /version', 'POST /v1/traces', 'POST /v1/traces', 'POST /api/3.0/mlflow/traces'],
    );
  });

  it('refuses a trace beyond its bound, and on dispose stops waiting and reports what was not sent', async () => {
    let held = 0;
    // A server that is always busy: every attempt fails, and the wait between attempts is long.
    const { client } = await clientThrough(() => (held++, { status: 503, body: { error_code: 'TEMPORARILY_UNAVAILABLE' } }));
    const failures: TraceLogFailure[] = [];
    const batcher = new TraceBatcher(client.traces, {
      maxQueued: 2,
      backoffMs: 3_600_000,
      onFailure: (failure) => {
        failures.push(failure);
        throw new Error('a callback that throws changes nothing');
      },
    });
    const [first, second, third, late] = [trace(), trace(), trace(), trace()];
    assert.equal(batcher.enqueue(experimentId, first!), true);
    assert.equal(batcher.enqueue(experimentId, second!), true);
    assert.equal(batcher.enqueue(experimentId, third!), false);
    assert.deepEqual(
      failures.map((f) => [f.traceId, f.reason, f.message]),
      [
        [
          `tr-${third!.otelTraceId}`,
          'queue-full',
          `Trace tr-${third!.otelTraceId} was not logged to experiment ${experimentId}: 2 traces were already waiting`,
        ],
      ],
    );
    // Once the server has seen the first attempt (the version probe, answered 503), the batcher is in, or about to be in, its hour-long wait.
    while (held === 0) await new Promise((resolveTurn) => setImmediate(resolveTurn));
    await batcher.dispose();
    assert.equal(batcher.pending, 0);
    assert.equal(batcher.enqueue(experimentId, late!), false);
    assert.deepEqual(
      failures.map((f) => [f.traceId, f.reason]),
      [
        [`tr-${third!.otelTraceId}`, 'queue-full'],
        [`tr-${first!.otelTraceId}`, 'disposed'],
        [`tr-${second!.otelTraceId}`, 'disposed'],
        [`tr-${late!.otelTraceId}`, 'disposed'],
      ],
    );
    assert.equal(held, 1);
  });
});
