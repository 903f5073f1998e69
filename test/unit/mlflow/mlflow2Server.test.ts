import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runArtifacts } from '../../../src/mlflow/artifacts';
import { MlflowClient } from '../../../src/mlflow/client';
import { MlflowError } from '../../../src/mlflow/errors';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';

describe('MlflowClient against a real MLflow 2 server (2.22)', () => {
  let server: MlflowServer;
  let client: MlflowClient;
  let scratch: string;

  before(async () => {
    server = await startMlflowServer({ mlflowMajor: 2 });
    client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-v2-'));
  });
  after(async () => {
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('detects the version and what it offers', async () => {
    assert.match(await client.serverVersion(), /^2\.22\.\d+$/);
    assert.deepEqual(await client.features(), {
      loggedModels: false,
      multipartUpload: true,
      pagedMetricHistory: true,
      promptRegistry: true,
      chatPrompts: false,
    });
  });

  it('does experiments, runs, artifacts and the registry as on MLflow 3', async () => {
    const experimentId = await client.experiments.create('on-mlflow-2');
    const run = await client.runs.create(experimentId, { runName: 'v2-run' });
    await client.runs.logBatch(run.info.runId, { params: { lr: '0.1' }, metrics: [{ key: 'loss', value: 0.5, timestamp: 1, step: 0 }] });
    const fetched = await client.runs.get(run.info.runId);
    assert.deepEqual(fetched.params, { lr: '0.1' });
    assert.deepEqual(fetched.modelOutputs, []);
    const file = join(scratch, 'notes.txt');
    writeFileSync(file, 'on mlflow 2\n');
    await client.artifacts.upload(run.info, file);
    await client.artifacts.download(runArtifacts(run.info.runId, run.info.artifactUri), 'notes.txt', join(scratch, 'back'));
    assert.equal(readFileSync(join(scratch, 'back', 'notes.txt'), 'utf8'), 'on mlflow 2\n');
    await client.registry.createModel('v2-model');
    const version = await client.registry.createVersion({
      name: 'v2-model',
      source: `runs:/${run.info.runId}/model`,
      runId: run.info.runId,
    });
    await client.registry.setAlias('v2-model', 'champion', version.version);
    assert.equal((await client.registry.getVersionByAlias('v2-model', 'champion')).version, '1');
  });

  it("refuses MLflow 3 calls with a message naming the server's version, before sending them", async () => {
    const expected = (what: string) => (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.equal(error.kind, 'unsupported');
      assert.match(
        error.message,
        new RegExp(`^${what} need an MLflow 3 server; ${server.url.replace(/\./g, '\\.')} runs MLflow 2\\.22\\.\\d+$`),
      );
      return true;
    };
    await assert.rejects(client.loggedModels.create({ experimentId: '0', name: 'x' }), expected('Logged models'));
    await assert.rejects(client.loggedModels.get('m-0'), expected('Logged models'));
    await assert.rejects(client.runs.logOutputs('r', [{ modelId: 'm-0' }]), expected("A run's model outputs"));
  });
});
