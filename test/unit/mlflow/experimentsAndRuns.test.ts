import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MlflowClient } from '../../../src/mlflow/client';
import { MlflowError } from '../../../src/mlflow/errors';
import { collect } from '../../../src/mlflow/paging';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';

describe('MlflowClient experiments and runs, against a real server', () => {
  let server: MlflowServer;
  let client: MlflowClient;

  before(async () => {
    server = await startMlflowServer();
    client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
  });
  after(async () => server?.stop());

  it('creates, reads, renames, tags, deletes and restores an experiment', async () => {
    const id = await client.experiments.create('exp-lifecycle', { tags: { team: 'phi3' } });
    const created = await client.experiments.get(id);
    assert.equal(created.name, 'exp-lifecycle');
    assert.equal(created.lifecycleStage, 'active');
    assert.equal(created.artifactLocation, `mlflow-artifacts:/${id}`);
    assert.deepEqual(created.tags, { team: 'phi3' });

    await client.experiments.rename(id, 'exp-renamed');
    await client.experiments.setTag(id, 'stage', 'dev');
    const renamed = await client.experiments.getByName('exp-renamed');
    assert.equal(renamed?.experimentId, id);
    assert.deepEqual(renamed?.tags, { team: 'phi3', stage: 'dev' });
    assert.equal(await client.experiments.getByName('exp-lifecycle'), undefined);

    await client.experiments.delete(id);
    assert.equal((await client.experiments.get(id)).lifecycleStage, 'deleted');
    const deletedOnly = await collect(client.experiments.search({ viewType: 'DELETED_ONLY' }));
    assert.deepEqual(
      deletedOnly.map((e) => e.experimentId),
      [id],
    );
    await client.experiments.restore(id);
    assert.equal((await client.experiments.get(id)).lifecycleStage, 'active');
  });

  it('searches experiments with a filter and an order, page by page', async () => {
    for (const name of ['page-a', 'page-b', 'page-c', 'page-d', 'page-e']) await client.experiments.create(name);
    const firstPage = await client.experiments.searchPage({ filter: "name LIKE 'page-%'", orderBy: ['name DESC'], maxResults: 2 });
    assert.deepEqual(
      firstPage.items.map((e) => e.name),
      ['page-e', 'page-d'],
    );
    assert.ok(firstPage.nextPageToken);
    const all = await collect(client.experiments.search({ filter: "name LIKE 'page-%'", orderBy: ['name ASC'], maxResults: 2 }));
    assert.deepEqual(
      all.map((e) => e.name),
      ['page-a', 'page-b', 'page-c', 'page-d', 'page-e'],
    );
  });

  it('a replaced (retired) client closes its idle keep-alive sockets at once, and a call made on it still works but pools nothing', async () => {
    const replaced = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    await replaced.experiments.searchPage({ maxResults: 1 });
    const agent = replaced.http.httpAgent;
    const pooled = Object.values(agent.freeSockets).flatMap((sockets) => sockets ?? []);
    assert.equal(pooled.length, 1, 'keep-alive pooled the socket');
    replaced.retire();
    assert.equal(
      pooled.every((socket) => socket.destroyed),
      true,
      'the idle socket is closed',
    );
    // A download or listing still holding the old client finishes on a socket of its own.
    assert.ok((await replaced.experiments.searchPage({ maxResults: 1 })).items.length >= 1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(Object.values(agent.freeSockets).flatMap((sockets) => sockets ?? []).length, 0, 'nothing pooled after the last call');
  });

  it('says which experiment does not exist', async () => {
    await assert.rejects(client.experiments.get('424242'), (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.equal(error.message, 'Experiment 424242 does not exist');
      assert.equal(error.status, 404);
      assert.equal(error.errorCode, 'RESOURCE_DOES_NOT_EXIST');
      assert.equal(error.serverMessage, 'No Experiment with id=424242 exists');
      assert.deepEqual(error.call, { method: 'GET', path: '/api/2.0/mlflow/experiments/get', subject: 'Experiment 424242' });
      return true;
    });
  });

  it('runs: create, log a batch past the per-call limits, update, search, tag, delete and restore', async () => {
    const experimentId = await client.experiments.create('runs-lifecycle');
    const run = await client.runs.create(experimentId, { runName: 'phi3-int4', startTime: 1_700_000_000_000, tags: { recipe: 'onnx' } });
    assert.equal(run.info.runName, 'phi3-int4');
    assert.equal(run.info.status, 'RUNNING');
    assert.equal(run.info.artifactUri, `mlflow-artifacts:/${experimentId}/${run.info.runId}/artifacts`);

    const params: Record<string, string> = {};
    for (let i = 0; i < 150; i++) params[`p${i}`] = String(i);
    const metrics = Array.from({ length: 2500 }, (_, step) => ({
      key: 'loss',
      value: 1 / (step + 1),
      timestamp: 1_700_000_000_000 + step,
      step,
    }));
    metrics.push({ key: 'nan_metric', value: Number.NaN, timestamp: 1_700_000_000_000, step: 0 });
    const calls = await client.runs.logBatch(run.info.runId, { params, metrics, tags: { quantization: 'int4' } });
    assert.equal(calls, 3, '150 params need two calls; 2,501 metrics fit in three with them');

    const info = await client.runs.update(run.info.runId, { status: 'FINISHED', endTime: 1_700_000_100_000, runName: 'phi3-int4-final' });
    assert.equal(info.status, 'FINISHED');
    assert.equal(info.endTime, 1_700_000_100_000);
    assert.equal(info.runName, 'phi3-int4-final');

    const fetched = await client.runs.get(run.info.runId);
    assert.equal(Object.keys(fetched.params).length, 150);
    assert.equal(fetched.params.p149, '149');
    assert.equal(fetched.tags.quantization, 'int4');
    assert.equal(fetched.tags.recipe, 'onnx');
    const latestLoss = fetched.metrics.find((m) => m.key === 'loss');
    assert.deepEqual(latestLoss, { key: 'loss', value: 1 / 2500, timestamp: 1_700_000_002_499, step: 2499 });
    assert.ok(Number.isNaN(fetched.metrics.find((m) => m.key === 'nan_metric')?.value));

    const history = await collect(client.runs.metricHistory(run.info.runId, 'loss', { pageSize: 1000 }));
    assert.equal(history.length, 2500);
    assert.deepEqual(
      history.slice(0, 2).map((m) => [m.step, m.value]),
      [
        [0, 1],
        [1, 0.5],
      ],
    );

    await client.runs.setTag(run.info.runId, 'reviewed', 'yes');
    await client.runs.deleteTag(run.info.runId, 'recipe');
    const retagged = await client.runs.get(run.info.runId);
    assert.equal(retagged.tags.reviewed, 'yes');
    assert.equal(retagged.tags.recipe, undefined);

    const found = await collect(client.runs.search({ experimentIds: [experimentId], filter: "params.p7 = '7' and metrics.loss < 0.001" }));
    assert.deepEqual(
      found.map((r) => r.info.runId),
      [run.info.runId],
    );

    await client.runs.delete(run.info.runId);
    assert.deepEqual(await collect(client.runs.search({ experimentIds: [experimentId] })), []);
    assert.equal((await collect(client.runs.search({ experimentIds: [experimentId], runViewType: 'DELETED_ONLY' }))).length, 1);
    await client.runs.restore(run.info.runId);
    assert.equal((await client.runs.get(run.info.runId)).info.lifecycleStage, 'active');
  });

  it('pages through runs newest first', async () => {
    const experimentId = await client.experiments.create('runs-paging');
    for (let i = 0; i < 7; i++) await client.runs.create(experimentId, { runName: `run-${i}`, startTime: 1_700_000_000_000 + i * 1000 });
    const first = await client.runs.searchPage({ experimentIds: [experimentId], maxResults: 3, orderBy: ['attributes.start_time DESC'] });
    assert.deepEqual(
      first.items.map((r) => r.info.runName),
      ['run-6', 'run-5', 'run-4'],
    );
    const all = await collect(
      client.runs.search({ experimentIds: [experimentId], maxResults: 3, orderBy: ['attributes.start_time DESC'] }),
    );
    assert.deepEqual(
      all.map((r) => r.info.runName),
      ['run-6', 'run-5', 'run-4', 'run-3', 'run-2', 'run-1', 'run-0'],
    );
  });

  it("shows the server's message for an invalid run filter", async () => {
    await assert.rejects(client.runs.searchPage({ experimentIds: ['0'], filter: 'metrics.loss <<< 1' }), (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.equal(error.status, 400);
      assert.equal(error.errorCode, 'INVALID_PARAMETER_VALUE');
      assert.match(error.message, /^Invalid .*\(400 INVALID_PARAMETER_VALUE\)$/s);
      return true;
    });
  });

  it('reads the server version and what it offers', async () => {
    assert.match(await client.serverVersion(), /^3\.\d+\.\d+$/);
    assert.deepEqual(await client.features(), {
      loggedModels: true,
      traces: true,
      traceSpanIngest: true,
      multipartUpload: true,
      pagedMetricHistory: true,
      promptRegistry: true,
      chatPrompts: true,
    });
  });
});
