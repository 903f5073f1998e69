import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MlflowClient } from '../../../src/mlflow/client';
import { MlflowError } from '../../../src/mlflow/errors';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { chatTrace } from '../../../src/mlflow/traces/chatTrace';
import { TraceBatcher, type TraceLogFailure } from '../../../src/mlflow/traces/traceBatcher';
import type { TraceRecord } from '../../../src/mlflow/traces/traceRecord';
import { type ForwardingProxy, startForwardingProxy } from '../../harness/forwardingProxy';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';

function trace(): TraceRecord {
  const t0 = Date.UTC(2026, 11, 4, 12, 0, 0);
  return chatTrace({
    source: 'served',
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }],
    settings: {},
    answer: 'hello',
    startMs: t0,
    endMs: t0 + 5,
    outcome: { kind: 'completed', finishReason: 'stop' },
  });
}

function unsupported(message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof MlflowError);
    assert.equal(error.kind, 'unsupported');
    assert.match(error.message, message);
    return true;
  };
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('traces on servers that cannot take them', () => {
  describe('an MLflow 2 server (2.22): refused before anything is sent', () => {
    let server: MlflowServer;
    let proxy: ForwardingProxy;
    let client: MlflowClient;

    before(async () => {
      server = await startMlflowServer({ mlflowMajor: 2 });
      // Every request the client makes is seen on its way.
      proxy = await startForwardingProxy(server.url);
      client = new MlflowClient({ uri: parseTrackingUri(proxy.url), auth: { kind: 'none' } });
    });
    after(async () => {
      await proxy?.stop();
      await server?.stop();
    });

    it('says traces need MLflow 3 (3.4 to log them), and asks the server nothing but its version', async () => {
      const needs = (release: string) =>
        unsupported(new RegExp(`^Traces need an MLflow ${escaped(release)} server; ${escaped(proxy.url)} runs MLflow 2\\.22\\.\\d+$`));
      await assert.rejects(client.traces.logTrace('0', trace()), needs('3.4'));
      await assert.rejects(client.traces.searchPage({ experimentIds: ['0'] }), needs('3'));
      await assert.rejects(client.traces.get('tr-0123456789abcdef0123456789abcdef'), needs('3'));
      await assert.rejects(client.traces.linkToRun('r', ['tr-0123456789abcdef0123456789abcdef']), needs('3'));

      const failures: TraceLogFailure[] = [];
      const batcher = new TraceBatcher(client.traces, { onFailure: (failure) => failures.push(failure), backoffMs: 5 });
      const queued = trace();
      batcher.enqueue('0', queued);
      await batcher.flush();
      assert.deepEqual(
        failures.map(({ traceId, reason, attempts }) => ({ traceId, reason, attempts })),
        [{ traceId: `tr-${queued.otelTraceId}`, reason: 'refused', attempts: 1 }],
      );
      assert.match(
        failures[0]!.message,
        new RegExp(
          `^Trace tr-${queued.otelTraceId} was not logged to experiment 0: the server refused it \\(Traces need an MLflow 3\\.4 server; `,
        ),
      );

      // The version is asked once and remembered.
      assert.deepEqual(
        proxy.requests.map((r) => `${r.method} ${r.path}`),
        ['GET /version'],
      );
    });
  });

  describe('an MLflow 3 server on the filesystem store: its OTLP endpoint answers 501', () => {
    let server: MlflowServer;
    let client: MlflowClient;

    before(async () => {
      server = await startMlflowServer({ backendStore: 'file' });
      client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    });
    after(async () => server?.stop());

    it('is told it cannot store spans, with what the server said, and the batcher does not retry it', async () => {
      const experimentId = await client.experiments.create('file-store');
      const message = `${server.url} cannot store trace spans: MLflow keeps them only in a database tracking store (start the server with --backend-store-uri sqlite:///mlflow.db or another database); it said: REST OTLP span logging is not supported by FileStore`;
      await assert.rejects(client.traces.logTrace(experimentId, trace()), (error: unknown) => {
        assert.ok(error instanceof MlflowError);
        assert.equal(error.kind, 'unsupported');
        assert.equal(error.status, 501);
        assert.equal(error.message, message);
        return true;
      });
      // Nothing half-written: no trace info went in after the spans were refused.
      assert.deepEqual((await client.traces.searchPage({ experimentIds: [experimentId] })).items, []);

      const failures: TraceLogFailure[] = [];
      const batcher = new TraceBatcher(client.traces, { onFailure: (failure) => failures.push(failure), backoffMs: 5 });
      batcher.enqueue(experimentId, trace());
      await batcher.flush();
      assert.deepEqual(
        failures.map((f) => [f.reason, f.attempts]),
        [['refused', 1]],
      );
    });
  });
});
