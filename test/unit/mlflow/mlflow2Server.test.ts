import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runArtifacts } from '../../../src/mlflow/artifacts';
import { MlflowClient } from '../../../src/mlflow/client';
import { MlflowError } from '../../../src/mlflow/errors';
import { collect } from '../../../src/mlflow/paging';
import { fillTemplate } from '../../../src/mlflow/prompts/promptTemplate';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { runMlflowPython } from '../../harness/mlflowPython';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';

/** MLflow 2.22's own prompt registry client: it registers one prompt and reads the one registered here. */
const prompts22 = `
import json, sys, mlflow
data = json.loads(sys.argv[1])
mlflow.register_prompt('v2-py', 'Summarize {{ text }} in {{n}} words', commit_message='from 2.22', version_metadata={'author': 'alice'}, tags={'app': 'demo'})
ts = mlflow.load_prompt('prompts:/v2-ts/1')
print(json.dumps({'template': ts.template, 'variables': sorted(ts.variables), 'commit': ts.commit_message, 'metadata': ts.version_metadata,
                  'tags': ts.tags, 'filled': ts.format(**data['values']), 'alias': mlflow.load_prompt('prompts:/v2-ts@prod').version}))
`;

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
      traces: false,
      traceSpanIngest: false,
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

  it("keeps text prompts in MLflow 2.22's prompt registry the way its own client does, and refuses chat prompts", async () => {
    const values = { topic: 'the report', n: '20' };
    const registered = await client.prompts.registerPrompt('v2-ts', 'Explain {{ topic }} in {{ n }} words', {
      commitMessage: 'from TypeScript',
      tags: { team: 'nlp' },
    });
    await client.prompts.setAlias('v2-ts', 'prod', registered.version);
    const python = await runMlflowPython(prompts22, { values }, { trackingUri: server.url, mlflowMajor: 2 });
    // MLflow 2 has no prompt types: the type tag MLflow 3's client writes is version metadata to it.
    assert.deepEqual(python, {
      template: 'Explain {{ topic }} in {{ n }} words',
      variables: ['n', 'topic'],
      commit: 'from TypeScript',
      metadata: { team: 'nlp', _mlflow_prompt_type: 'text' },
      tags: { team: 'nlp' },
      filled: fillTemplate(registered.template, values),
      alias: '1',
    });

    // MLflow 2's prompts have no type tag: text, with the version metadata as the version's tags.
    const read = await client.prompts.getVersion('v2-py', '1');
    assert.deepEqual(
      [read.type, read.template, read.variables, read.commitMessage, read.tags],
      ['text', 'Summarize {{ text }} in {{n}} words', ['text', 'n'], 'from 2.22', { author: 'alice' }],
    );
    assert.deepEqual((await client.prompts.getPrompt('v2-py')).tags, { app: 'demo' });
    assert.deepEqual(
      (await collect(client.prompts.allPrompts())).map((p) => p.name),
      ['v2-py', 'v2-ts'],
    );
    assert.deepEqual(
      (await collect(client.registry.searchModels({ orderBy: ['name ASC'] }))).map((m) => m.name),
      ['v2-model'],
    );

    await assert.rejects(client.prompts.registerPrompt('v2-chat', [{ role: 'user', content: 'Hi {{ name }}' }]), (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.equal(error.kind, 'unsupported');
      assert.match(
        error.message,
        new RegExp(
          `^Chat prompts need an MLflow 3 server \\(MLflow 2 reads every prompt template as text\\); ${server.url.replace(/\./g, '\\.')} runs MLflow 2\\.22\\.\\d+$`,
        ),
      );
      return true;
    });
    await assert.rejects(client.prompts.getPrompt('v2-chat'), (error: unknown) => error instanceof MlflowError && error.isNotFound);
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
