import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExplorerNode } from '../../../src/views/explorerNode';
import { webUiUrl } from '../../../src/views/webUi';
import { child, childrenOf, connected, contextOf, descriptionOf, labelOf, nodeAt, rest, seededExperiment } from './explorerHelpers';

const wrappers = 'Phi-3 Mini wrappers';

interface WireExperiment {
  experiment: { experiment_id: string; name: string; lifecycle_stage: string; tags?: Array<{ key: string; value: string }> };
}
interface WireVersion {
  model_version: {
    version: string;
    current_stage: string;
    description?: string;
    tags?: Array<{ key: string; value: string }>;
    aliases?: string[];
    source: string;
    run_id?: string;
    model_id?: string;
  };
}

describe('explorer commands, checked against the server', () => {
  let scratch: string;

  before(async function () {
    this.timeout(120_000);
    await connected();
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-commands-'));
  });

  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('creates, renames, deletes and restores an experiment', async () => {
    const { explorer } = await connected();
    const id = await vscode.commands.executeCommand<string>('phi3Mlflow.createExperiment', 'made-by-test');
    assert.match(id, /^\d+$/);
    assert.equal((await rest<WireExperiment>(`experiments/get?experiment_id=${id}`)).body.experiment.name, 'made-by-test');
    const created = await child(explorer.experiments, undefined, 'made-by-test');
    await vscode.commands.executeCommand('phi3Mlflow.renameExperiment', created, 'renamed-by-test');
    assert.equal((await rest<WireExperiment>(`experiments/get?experiment_id=${id}`)).body.experiment.name, 'renamed-by-test');
    const renamed = await child(explorer.experiments, undefined, 'renamed-by-test');
    await vscode.commands.executeCommand('phi3Mlflow.deleteExperiment', renamed);
    assert.equal((await rest<WireExperiment>(`experiments/get?experiment_id=${id}`)).body.experiment.lifecycle_stage, 'deleted');
    assert.ok(!(await childrenOf(explorer.experiments)).map(labelOf).includes('renamed-by-test'));
    await vscode.commands.executeCommand('phi3Mlflow.showDeletedExperiments');
    try {
      const deleted = await child(explorer.experiments, undefined, 'renamed-by-test');
      assert.equal(contextOf(deleted), 'experiment.deleted');
      await vscode.commands.executeCommand('phi3Mlflow.restoreExperiment', deleted);
    } finally {
      await vscode.commands.executeCommand('phi3Mlflow.hideDeletedExperiments');
    }
    assert.equal((await rest<WireExperiment>(`experiments/get?experiment_id=${id}`)).body.experiment.lifecycle_stage, 'active');
  });

  it('edits an experiment description and sets a tag', async () => {
    const { explorer } = await connected();
    const paging = await child(explorer.experiments, undefined, 'Paging');
    await vscode.commands.executeCommand('phi3Mlflow.editDescription', paging, 'Fifty-five runs.');
    await vscode.commands.executeCommand('phi3Mlflow.setTag', paging, 'owner', 'tests');
    const tags = (await rest<WireExperiment>(`experiments/get?experiment_id=${seededExperiment('Paging').id}`)).body.experiment.tags ?? [];
    assert.deepEqual(
      tags.filter((t) => ['mlflow.note.content', 'owner'].includes(t.key)).sort((a, b) => a.key.localeCompare(b.key)),
      [
        { key: 'mlflow.note.content', value: 'Fifty-five runs.' },
        { key: 'owner', value: 'tests' },
      ],
    );
  });

  it('deletes and restores a run, and copies its id', async () => {
    const { explorer } = await connected();
    const runId = seededExperiment('Paging').runs.find((r) => r.name === 'run-54')!.id;
    const paging = await child(explorer.experiments, undefined, 'Paging');
    const run = await child(explorer.experiments, paging, 'run-54');
    assert.equal(await vscode.commands.executeCommand('phi3Mlflow.copyRunId', run), runId);
    assert.equal(await vscode.env.clipboard.readText(), runId);
    await vscode.commands.executeCommand('phi3Mlflow.deleteRun', run);
    assert.equal(
      (await rest<{ run: { info: { lifecycle_stage: string } } }>(`runs/get?run_id=${runId}`)).body.run.info.lifecycle_stage,
      'deleted',
    );
    assert.equal(labelOf((await childrenOf(explorer.experiments, paging))[1]!), 'run-53'); // after Traces
    await vscode.commands.executeCommand('phi3Mlflow.toggleDeletedRuns', paging);
    const deleted = await child(explorer.experiments, paging, 'run-54');
    assert.equal(contextOf(deleted), 'run.deleted');
    assert.match(descriptionOf(deleted), /deleted$/);
    await vscode.commands.executeCommand('phi3Mlflow.restoreRun', deleted);
    await vscode.commands.executeCommand('phi3Mlflow.toggleDeletedRuns', paging);
    assert.equal(
      (await rest<{ run: { info: { lifecycle_stage: string } } }>(`runs/get?run_id=${runId}`)).body.run.info.lifecycle_stage,
      'active',
    );
    assert.equal(labelOf((await childrenOf(explorer.experiments, paging))[1]!), 'run-54');
  });

  it('sets and deletes a run tag', async () => {
    const { explorer } = await connected();
    const run = await nodeAt(explorer.experiments, wrappers, 'onnx-cpu-fp32');
    const runId = seededExperiment(wrappers).runs.find((r) => r.name === 'onnx-cpu-fp32')!.id;
    await vscode.commands.executeCommand('phi3Mlflow.setTag', run, 'reviewed', 'yes');
    const tagOf = async () =>
      (
        await rest<{ run: { data: { tags?: Array<{ key: string; value: string }> } } }>(`runs/get?run_id=${runId}`)
      ).body.run.data.tags?.find((t) => t.key === 'reviewed');
    assert.deepEqual(await tagOf(), { key: 'reviewed', value: 'yes' });
    const tags = await childrenOf(explorer.experiments, (await childrenOf(explorer.experiments, run))[2]);
    const reviewed = tags.find((t) => labelOf(t) === 'reviewed')!;
    await vscode.commands.executeCommand('phi3Mlflow.deleteTag', reviewed);
    assert.equal(await tagOf(), undefined);
  });

  it('downloads a run artifact folder into a chosen folder', async () => {
    const { explorer } = await connected();
    const evalFolder = await nodeAt(explorer.experiments, wrappers, 'onnx-cpu-int4', 'Artifacts', 'eval');
    const target = join(scratch, 'download');
    const result = await vscode.commands.executeCommand<{ files: number; bytes: number }>(
      'phi3Mlflow.downloadArtifacts',
      evalFolder,
      target,
    );
    assert.equal(result.files, 1);
    assert.equal(readFileSync(join(target, 'eval', 'prompts.jsonl'), 'utf8'), '{"prompt": "What is MLflow?"}\n');
    assert.ok(!existsSync(join(target, 'README.md')));
  });

  it('copies model URIs: runs:/, models:/<model_id>, models:/<name>/<version>, models:/<name>@<alias>', async () => {
    const { explorer } = await connected();
    const logged = seededExperiment(wrappers).loggedModel!;
    const loggedNode = await nodeAt(explorer.experiments, wrappers, 'onnx-cpu-int4', 'Logged models', 'phi3-echo');
    assert.equal(await vscode.commands.executeCommand('phi3Mlflow.copyModelUri', loggedNode), `models:/${logged.id}`);
    assert.equal(await vscode.env.clipboard.readText(), `models:/${logged.id}`);
    const evalFolder = await nodeAt(explorer.experiments, wrappers, 'onnx-cpu-int4', 'Artifacts', 'eval');
    assert.equal(await vscode.commands.executeCommand('phi3Mlflow.copyModelUri', evalFolder), `runs:/${logged.runId}/eval`);
    const version1 = await nodeAt(explorer.models, 'phi3-echo', 'Version 1');
    assert.equal(await vscode.commands.executeCommand('phi3Mlflow.copyModelUri', version1, 'version'), 'models:/phi3-echo/1');
    const alias = (await childrenOf(explorer.models, (await childrenOf(explorer.models, version1))[3]))[0]!;
    assert.equal(await vscode.commands.executeCommand('phi3Mlflow.copyModelUri', alias), 'models:/phi3-echo@champion');
  });

  it('registers a logged model under a new name and shows it in the Models view', async () => {
    const { explorer } = await connected();
    const logged = seededExperiment(wrappers).loggedModel!;
    const loggedNode = await nodeAt(explorer.experiments, wrappers, 'onnx-cpu-int4', 'Logged models', 'phi3-echo');
    const version = await vscode.commands.executeCommand<{ version: string }>('phi3Mlflow.registerModel', loggedNode, 'registered-by-test');
    assert.equal(version.version, '1');
    const onServer = (await rest<WireVersion>('model-versions/get?name=registered-by-test&version=1')).body.model_version;
    assert.equal(onServer.source, `models:/${logged.id}`);
    // MLflow 3.17's REST answer leaves model_id out; the source names the logged model.
    assert.equal(onServer.run_id, logged.runId);
    const versions = await childrenOf(explorer.models, await child(explorer.models, undefined, 'registered-by-test'));
    assert.deepEqual(versions.map(labelOf), ['Version 1']);
    // And as a new version of an existing name.
    const again = await vscode.commands.executeCommand<{ version: string }>('phi3Mlflow.registerModel', loggedNode, 'registered-by-test');
    assert.equal(again.version, '2');
  });

  it('sets and removes an alias, transitions a stage, edits description and tags of a version', async () => {
    const { explorer } = await connected();
    let version: ExplorerNode = await nodeAt(explorer.models, 'registered-by-test', 'Version 1');
    await vscode.commands.executeCommand('phi3Mlflow.setAlias', version, 'candidate');
    assert.deepEqual((await rest<WireVersion>('model-versions/get?name=registered-by-test&version=1')).body.model_version.aliases, [
      'candidate',
    ]);
    version = await nodeAt(explorer.models, 'registered-by-test', 'Version 1');
    assert.equal(descriptionOf(version), '@candidate');
    await vscode.commands.executeCommand('phi3Mlflow.removeAlias', version, 'candidate');
    assert.equal((await rest<WireVersion>('model-versions/get?name=registered-by-test&version=1')).body.model_version.aliases, undefined);
    await vscode.commands.executeCommand('phi3Mlflow.transitionStage', version, 'Production');
    assert.equal(
      (await rest<WireVersion>('model-versions/get?name=registered-by-test&version=1')).body.model_version.current_stage,
      'Production',
    );
    await vscode.commands.executeCommand('phi3Mlflow.editDescription', version, 'First <b>version</b>.');
    await vscode.commands.executeCommand('phi3Mlflow.setTag', version, 'validated', 'no');
    const after = (await rest<WireVersion>('model-versions/get?name=registered-by-test&version=1')).body.model_version;
    assert.equal(after.description, 'First <b>version</b>.');
    assert.deepEqual(after.tags, [{ key: 'validated', value: 'no' }]);
    const model = await child(explorer.models, undefined, 'registered-by-test');
    await vscode.commands.executeCommand('phi3Mlflow.editDescription', model, 'Made by the tests.');
    assert.equal(
      (await rest<{ registered_model: { description: string } }>('registered-models/get?name=registered-by-test')).body.registered_model
        .description,
      'Made by the tests.',
    );
  });

  it('deletes a version once confirmed', async () => {
    const { explorer } = await connected();
    const version = await nodeAt(explorer.models, 'registered-by-test', 'Version 2');
    assert.equal(await vscode.commands.executeCommand('phi3Mlflow.deleteModelVersion', version, 'confirmed'), true);
    assert.equal((await rest('model-versions/get?name=registered-by-test&version=2')).status, 404);
    assert.deepEqual((await childrenOf(explorer.models, await child(explorer.models, undefined, 'registered-by-test'))).map(labelOf), [
      'Version 1',
    ]);
  });

  it('opens metric charts: one run, and two runs overlaid', async () => {
    const api = await connected();
    const { explorer } = api;
    const int4 = await nodeAt(explorer.experiments, wrappers, 'onnx-cpu-int4');
    const fp32 = await nodeAt(explorer.experiments, wrappers, 'onnx-cpu-fp32');
    await vscode.commands.executeCommand('phi3Mlflow.showMetricCharts', int4);
    let data = await api.metricCharts()!.whenLoaded();
    assert.deepEqual(
      data?.metrics.map((m) => m.key),
      ['loss', 'tokens_per_second'],
    );
    assert.deepEqual(data?.metrics[0]!.series[0]!.values, [1.0, 0.6, 0.4, 0.3]);
    assert.deepEqual(data?.metrics[0]!.series[0]!.steps, [0, 1, 2, 3]);
    await vscode.commands.executeCommand('phi3Mlflow.showMetricCharts', int4, [int4, fp32]);
    data = await api.metricCharts()!.whenLoaded();
    assert.deepEqual(
      data?.runs.map((r) => r.name),
      ['onnx-cpu-int4', 'onnx-cpu-fp32'],
    );
    assert.deepEqual(
      data?.metrics[0]!.series.map((s) => s.values),
      [
        [1.0, 0.6, 0.4, 0.3],
        [1.2, 0.9, 0.7],
      ],
    );
    assert.equal(api.metricCharts()!.panel.webview.html.includes("script-src 'nonce-"), true);
    assert.equal(/<script(?![^>]*nonce=)/.test(api.metricCharts()!.panel.webview.html), false);
    api.metricCharts()!.dispose();
  });

  it('builds MLflow web UI links for each object', async () => {
    const { explorer } = await connected();
    // The node classes of the running extension are not this bundle's: ask the nodes themselves.
    const run = await nodeAt(explorer.experiments, wrappers, 'onnx-cpu-int4');
    const experimentId = seededExperiment(wrappers).id;
    const runId = seededExperiment(wrappers).runs.find((r) => r.name === 'onnx-cpu-int4')!.id;
    assert.equal(run.webUiPath(), `/experiments/${experimentId}/runs/${runId}`);
    assert.equal((await nodeAt(explorer.models, 'phi3-echo', 'Version 1')).webUiPath(), '/models/phi3-echo/versions/1');
    assert.equal(webUiUrl('http://h:5000', undefined), 'http://h:5000/');
  });
});
