import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loggedModelArtifacts } from '../../../src/mlflow/artifacts';
import { MlflowClient } from '../../../src/mlflow/client';
import { MlflowError } from '../../../src/mlflow/errors';
import { collect } from '../../../src/mlflow/paging';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';

describe('MlflowClient registry and logged models, against a real server', () => {
  let server: MlflowServer;
  let client: MlflowClient;
  let scratch: string;
  let experimentId: string;

  before(async () => {
    server = await startMlflowServer();
    client = new MlflowClient({ uri: parseTrackingUri(server.url), auth: { kind: 'none' } });
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-registry-'));
    experimentId = await client.experiments.create('registry');
  });
  after(async () => {
    await server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('logs a model as an MLflow 3 logged model: create, upload, finalize, link to its run, search', async () => {
    const run = await client.runs.create(experimentId, { runName: 'wrap-phi3' });
    const created = await client.loggedModels.create({
      experimentId,
      name: 'phi3-mini-onnx',
      modelType: 'pyfunc',
      sourceRunId: run.info.runId,
      params: { max_length: '2048' },
      tags: { recipe: 'onnx' },
    });
    assert.match(created.modelId, /^m-[0-9a-f]{32}$/);
    assert.equal(created.status, 'LOGGED_MODEL_PENDING');
    assert.equal(created.artifactUri, `mlflow-artifacts:/${experimentId}/models/${created.modelId}/artifacts`);
    assert.deepEqual(created.params, { max_length: '2048' });

    const folder = join(scratch, 'model');
    mkdirSync(join(folder, 'artifacts'), { recursive: true });
    writeFileSync(join(folder, 'MLmodel'), 'artifact_path: model\n');
    writeFileSync(join(folder, 'artifacts', 'genai_config.json'), '{}');
    // The folder's contents go to the model's artifact root, as mlflow.pyfunc.log_model puts them.
    await client.artifacts.upload(created, join(folder, 'MLmodel'));
    await client.artifacts.upload(created, join(folder, 'artifacts'));
    const files = await collect(client.artifacts.listFiles(loggedModelArtifacts(created.modelId)));
    assert.deepEqual(
      files.map((f) => [f.path, f.fileSize]),
      [
        ['MLmodel', 21],
        ['artifacts/genai_config.json', 2],
      ],
    );
    const target = join(scratch, 'download');
    await client.artifacts.download(loggedModelArtifacts(created.modelId), 'MLmodel', target);
    assert.equal(readFileSync(join(target, 'MLmodel'), 'utf8'), 'artifact_path: model\n');
    await client.artifacts.download(loggedModelArtifacts(created.modelId, created.artifactUri), 'artifacts/genai_config.json', target);
    assert.equal(readFileSync(join(target, 'genai_config.json'), 'utf8'), '{}');

    const ready = await client.loggedModels.finalize(created.modelId, 'LOGGED_MODEL_READY');
    assert.equal(ready.status, 'LOGGED_MODEL_READY');
    await client.loggedModels.setTags(created.modelId, { reviewed: 'yes' });
    await client.loggedModels.deleteTag(created.modelId, 'recipe');
    await client.loggedModels.logParams(created.modelId, { temperature: '0.6' });
    const fetched = await client.loggedModels.get(created.modelId);
    assert.deepEqual(fetched.tags.reviewed, 'yes');
    assert.equal(fetched.tags.recipe, undefined);
    assert.deepEqual(fetched.params, { max_length: '2048', temperature: '0.6' });
    assert.equal(fetched.sourceRunId, run.info.runId);

    await client.runs.logOutputs(run.info.runId, [{ modelId: created.modelId, step: 0 }]);
    assert.deepEqual((await client.runs.get(run.info.runId)).modelOutputs, [{ modelId: created.modelId, step: 0 }]);

    const found = await collect(client.loggedModels.search({ experimentIds: [experimentId], filter: "name = 'phi3-mini-onnx'" }));
    assert.deepEqual(
      found.map((m) => m.modelId),
      [created.modelId],
    );

    // A version registered from the logged model.
    await client.registry.createModel('phi3-from-logged-model');
    const version = await client.registry.createVersion({
      name: 'phi3-from-logged-model',
      source: `models:/${created.modelId}`,
      modelId: created.modelId,
      runId: run.info.runId,
    });
    assert.equal(version.version, '1');
    assert.equal(version.modelId, created.modelId);
    assert.equal(version.source, `models:/${created.modelId}`);
    assert.equal(version.runId, run.info.runId);
  });

  it('registered models: create, read, rename, describe, tag, and delete', async () => {
    const created = await client.registry.createModel('phi3-mini', { description: 'Phi-3 Mini', tags: { team: 'nlp' } });
    assert.deepEqual([created.name, created.description, created.tags], ['phi3-mini', 'Phi-3 Mini', { team: 'nlp' }]);
    await client.registry.updateModelDescription('phi3-mini', 'Phi-3 Mini 4k instruct');
    await client.registry.setModelTag('phi3-mini', 'owner', 'me');
    await client.registry.deleteModelTag('phi3-mini', 'team');
    const renamed = await client.registry.renameModel('phi3-mini', 'phi3-mini-4k');
    assert.equal(renamed.name, 'phi3-mini-4k');
    const fetched = await client.registry.getModel('phi3-mini-4k');
    assert.equal(fetched.description, 'Phi-3 Mini 4k instruct');
    assert.deepEqual(fetched.tags, { owner: 'me' });
    await assert.rejects(client.registry.getModel('phi3-mini'), {
      name: 'MlflowError',
      message: 'Registered model "phi3-mini" does not exist',
    });
    const listed = await collect(client.registry.searchModels({ filter: "name LIKE 'phi3-mini%'" }));
    assert.deepEqual(
      listed.map((m) => m.name),
      ['phi3-mini-4k'],
    );
    await client.registry.deleteModel('phi3-mini-4k');
    await assert.rejects(client.registry.getModel('phi3-mini-4k'), (error: unknown) => error instanceof MlflowError && error.isNotFound);
  });

  it('model versions: create from a run, describe, tag, stage, alias, download URI, delete', async () => {
    const run = await client.runs.create(experimentId, { runName: 'versions' });
    await client.registry.createModel('phi3-versions');
    const source = `runs:/${run.info.runId}/model`;
    const v1 = await client.registry.createVersion({
      name: 'phi3-versions',
      source,
      runId: run.info.runId,
      description: 'first',
      tags: { quant: 'int4' },
    });
    const v2 = await client.registry.createVersion({ name: 'phi3-versions', source, runId: run.info.runId });
    assert.deepEqual([v1.version, v2.version], ['1', '2']);
    assert.equal(v1.status, 'READY');
    assert.deepEqual(v1.tags, { quant: 'int4' });

    assert.equal((await client.registry.updateVersionDescription('phi3-versions', '2', 'second')).description, 'second');
    await client.registry.setVersionTag('phi3-versions', '2', 'quant', 'fp32');
    await client.registry.deleteVersionTag('phi3-versions', '1', 'quant');
    assert.deepEqual((await client.registry.getVersion('phi3-versions', '1')).tags, {});
    assert.deepEqual((await client.registry.getVersion('phi3-versions', '2')).tags, { quant: 'fp32' });

    await client.registry.transitionStage('phi3-versions', '1', 'Production');
    const promoted = await client.registry.transitionStage('phi3-versions', '2', 'Production', true);
    assert.equal(promoted.currentStage, 'Production');
    assert.equal((await client.registry.getVersion('phi3-versions', '1')).currentStage, 'Archived');

    await client.registry.setAlias('phi3-versions', 'champion', '1');
    await client.registry.setAlias('phi3-versions', 'challenger', '2');
    assert.equal((await client.registry.getVersionByAlias('phi3-versions', 'champion')).version, '1');
    assert.deepEqual((await client.registry.getModel('phi3-versions')).aliases, { champion: '1', challenger: '2' });
    assert.deepEqual((await client.registry.getVersion('phi3-versions', '1')).aliases, ['champion']);
    await client.registry.deleteAlias('phi3-versions', 'champion');
    // MLflow answers a missing alias with 400, not 404.
    await assert.rejects(client.registry.getVersionByAlias('phi3-versions', 'champion'), {
      name: 'MlflowError',
      status: 400,
      message: 'Registered model alias champion not found. (400 INVALID_PARAMETER_VALUE)',
    });

    assert.equal(await client.registry.downloadUri('phi3-versions', '1'), source);
    const versions = await collect(client.registry.searchVersions({ filter: "name = 'phi3-versions'", orderBy: ['version_number ASC'] }));
    assert.deepEqual(
      versions.map((v) => v.version),
      ['1', '2'],
    );

    await client.registry.deleteVersion('phi3-versions', '1');
    await assert.rejects(client.registry.getVersion('phi3-versions', '1'), {
      message: 'Version 1 of registered model "phi3-versions" does not exist',
    });
  });

  it('registerVersion: creates the registered model when missing, returns the READY version, then adds versions to it', async () => {
    const run = await client.runs.create(experimentId, { runName: 'register-version' });
    const source = `runs:/${run.info.runId}/model`;
    await assert.rejects(client.registry.getModel('phi3-registered'), (error: unknown) => error instanceof MlflowError && error.isNotFound);
    const first = await client.registry.registerVersion({ name: 'phi3-registered', source, runId: run.info.runId, description: 'first' });
    assert.deepEqual(
      [first.name, first.version, first.status, first.source, first.runId, first.description, first.aliases],
      ['phi3-registered', '1', 'READY', source, run.info.runId, 'first', []],
    );
    assert.equal((await client.registry.getModel('phi3-registered')).name, 'phi3-registered');
    // The registered model exists now: a second registration is its version 2, with the alias asked for.
    const second = await client.registry.registerVersion({ name: 'phi3-registered', source, runId: run.info.runId, alias: 'champion' });
    assert.deepEqual([second.version, second.status, second.aliases], ['2', 'READY', ['champion']]);
    assert.equal((await client.registry.getVersionByAlias('phi3-registered', 'champion')).version, '2');
    // The alias moves from the version that had it.
    const third = await client.registry.registerVersion({ name: 'phi3-registered', source, runId: run.info.runId, alias: 'champion' });
    assert.deepEqual([third.version, third.aliases], ['3', ['champion']]);
    assert.deepEqual((await client.registry.getVersion('phi3-registered', '2')).aliases, []);
  });

  it('registerVersion: a cancel before it starts creates nothing; a refused alias keeps the version', async () => {
    const run = await client.runs.create(experimentId, { runName: 'register-cancelled' });
    const source = `runs:/${run.info.runId}/model`;
    const cancelled = new AbortController();
    cancelled.abort();
    await assert.rejects(
      client.registry.registerVersion({ name: 'phi3-never', source, runId: run.info.runId }, { signal: cancelled.signal }),
      {
        name: 'MlflowError',
        kind: 'cancelled',
        message: 'Cancelled: POST /api/2.0/mlflow/registered-models/create',
      },
    );
    await assert.rejects(client.registry.getModel('phi3-never'), (error: unknown) => error instanceof MlflowError && error.isNotFound);

    // MLflow reserves "latest" (models:/name@latest means the newest version): the alias is refused after the version is made.
    await assert.rejects(client.registry.registerVersion({ name: 'phi3-alias-refused', source, runId: run.info.runId, alias: 'latest' }), {
      name: 'MlflowError',
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
    const kept = await client.registry.getVersion('phi3-alias-refused', '1');
    assert.deepEqual([kept.status, kept.aliases], ['READY', []]);
  });
});
