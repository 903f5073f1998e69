import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { markupRunName } from '../../harness/explorerSeed';
import type { ExperimentNode } from '../../../src/views/experimentNodes';
import type { ExplorerNode } from '../../../src/views/explorerNode';
import {
  child,
  childrenOf,
  connected,
  contextOf,
  descriptionOf,
  labelOf,
  nodeAt,
  seeded,
  seededExperiment,
  tooltipOf,
} from './explorerHelpers';

const wrappers = 'Phi-3 Mini wrappers';

describe('the Experiments tree on a seeded server', () => {
  before(async function () {
    this.timeout(120_000);
    await connected();
  });

  it('lists active experiments by last update, hiding the deleted one', async () => {
    const { explorer } = await connected();
    const labels = (await childrenOf(explorer.experiments)).map(labelOf);
    assert.ok(!labels.includes('Old experiment'), labels.join(', '));
    // MLflow bumps an experiment's last_update_time when it is created or changed: newest first.
    assert.deepEqual(
      labels.filter((l) => ['Paging', wrappers, 'Default'].includes(l)),
      [wrappers, 'Paging', 'Default'],
    );
  });

  it('shows deleted experiments on request, marked deleted', async () => {
    const { explorer } = await connected();
    await vscode.commands.executeCommand('phi3Mlflow.showDeletedExperiments');
    try {
      const old = await child(explorer.experiments, undefined, 'Old experiment');
      assert.equal(contextOf(old), 'experiment.deleted');
      assert.equal(descriptionOf(old), 'deleted');
    } finally {
      await vscode.commands.executeCommand('phi3Mlflow.hideDeletedExperiments');
    }
    assert.ok(!(await childrenOf(explorer.experiments)).map(labelOf).includes('Old experiment'));
  });

  it('filters experiments by name, case-insensitively', async () => {
    const { explorer } = await connected();
    await vscode.commands.executeCommand('phi3Mlflow.filterExperiments', 'phi-3');
    try {
      assert.deepEqual((await childrenOf(explorer.experiments)).map(labelOf), [wrappers]);
      assert.equal(explorer.experimentsView.message, 'Name contains "phi-3"');
    } finally {
      await vscode.commands.executeCommand('phi3Mlflow.clearExperimentFilter');
    }
    assert.equal(explorer.experimentsView.message, undefined);
  });

  it('lists runs newest first with status icon, start time and duration, and a tooltip with id and metrics', async () => {
    const { explorer } = await connected();
    const [traces, ...runs] = await childrenOf(explorer.experiments, await child(explorer.experiments, undefined, wrappers));
    assert.equal(labelOf(traces!), 'Traces');
    assert.deepEqual(runs.map(labelOf), [markupRunName, 'onnx-cpu-fp32', 'onnx-cpu-int4']);
    const [markup, fp32, int4] = runs as [ExplorerNode, ExplorerNode, ExplorerNode];
    const start = new Date(1_700_000_000_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    const day = `${start.getFullYear()}-${pad(start.getMonth() + 1)}-${pad(start.getDate())}`;
    assert.equal(descriptionOf(int4), `${day} ${pad(start.getHours())}:${pad(start.getMinutes())} · 1m 30s`);
    assert.match(descriptionOf(fp32), / · 45s$/);
    assert.match(descriptionOf(markup), / · 1h 02m$/);
    assert.equal((int4.treeItem().iconPath as vscode.ThemeIcon).id, 'pass');
    assert.equal((markup.treeItem().iconPath as vscode.ThemeIcon).id, 'error');
    const runId = seededExperiment(wrappers).runs.find((r) => r.name === 'onnx-cpu-int4')!.id;
    const tooltip = tooltipOf(int4);
    assert.ok(tooltip.includes(`Run ID: ${runId}`), tooltip);
    assert.ok(tooltip.includes('loss = 0.3'), tooltip);
    assert.ok(tooltip.includes('tokens_per_second = 11.2'), tooltip);
  });

  it('shows a run named as markup as text: label and tooltip are plain strings, never Markdown or HTML', async () => {
    const { explorer } = await connected();
    const markup = await nodeAt(explorer.experiments, wrappers, markupRunName);
    const item = markup.treeItem();
    assert.equal(item.label, markupRunName);
    assert.equal(typeof item.tooltip, 'string');
    assert.ok((item.tooltip as string).startsWith(`${markupRunName}\nRun ID: `), item.tooltip as string);
    const tags = await childrenOf(explorer.experiments, (await childrenOf(explorer.experiments, markup))[2]);
    const note = tags.find((t) => labelOf(t) === 'note')!;
    assert.equal(descriptionOf(note), '<b>bold</b>');
    assert.equal(typeof note.treeItem().tooltip, 'string');
  });

  it('pages runs 50 at a time with a Load more item', async () => {
    const { explorer } = await connected();
    const paging = await child(explorer.experiments, undefined, 'Paging');
    // After the experiment's Traces node.
    let runs = (await childrenOf(explorer.experiments, paging)).slice(1);
    assert.equal(runs.length, 51);
    assert.equal(labelOf(runs[0]!), 'run-54');
    assert.equal(labelOf(runs[49]!), 'run-05');
    assert.equal(labelOf(runs[50]!), 'Load more…');
    assert.equal(contextOf(runs[50]!), 'loadMore');
    await vscode.commands.executeCommand('phi3Mlflow.loadMore', runs[50]);
    runs = (await childrenOf(explorer.experiments, paging)).slice(1);
    assert.equal(runs.length, 55);
    assert.deepEqual(runs.slice(50).map(labelOf), ['run-04', 'run-03', 'run-02', 'run-01', 'run-00']);
  });

  it('filters runs with MLflow search syntax; an invalid filter keeps the old one and says why', async () => {
    const { explorer } = await connected();
    const experiment = await child(explorer.experiments, undefined, wrappers);
    assert.equal(
      await vscode.commands.executeCommand('phi3Mlflow.filterRuns', experiment, "metrics.loss < 0.5 and params.lr = '0.01'"),
      true,
    );
    assert.deepEqual((await childrenOf(explorer.experiments, experiment)).map(labelOf), ['Traces', 'onnx-cpu-int4']);
    assert.equal(descriptionOf(experiment), "filter: metrics.loss < 0.5 and params.lr = '0.01'");
    assert.equal(await vscode.commands.executeCommand('phi3Mlflow.filterRuns', experiment, 'metrics.loss <<< 1'), false);
    assert.deepEqual((await childrenOf(explorer.experiments, experiment)).map(labelOf), ['Traces', 'onnx-cpu-int4']);
    await vscode.commands.executeCommand('phi3Mlflow.filterRuns', experiment, 'params.lr = 42');
    await vscode.commands.executeCommand('phi3Mlflow.clearRunFilter', experiment);
    assert.equal((await childrenOf(explorer.experiments, experiment)).length, 4);
  });

  it('asks the server once for a run filter: the page that checks it is the page shown', async () => {
    const { explorer } = await connected();
    const experiment = (await child(explorer.experiments, undefined, wrappers)) as ExperimentNode;
    // Counted on the real client, whose answers stay the real server's.
    const runs = experiment.client.runs;
    const searchPage = runs.searchPage.bind(runs);
    const filters: Array<string | undefined> = [];
    runs.searchPage = (search, ...rest) => {
      filters.push(search.filter);
      return searchPage(search, ...rest);
    };
    try {
      assert.equal(await vscode.commands.executeCommand('phi3Mlflow.filterRuns', experiment, "params.lr = '0.01'"), true);
      assert.deepEqual((await childrenOf(explorer.experiments, experiment)).map(labelOf), ['Traces', 'onnx-cpu-int4']);
      assert.deepEqual(filters, ["params.lr = '0.01'"]);
    } finally {
      runs.searchPage = searchPage;
      await vscode.commands.executeCommand('phi3Mlflow.clearRunFilter', experiment);
    }
  });

  it("shows a run's parameters, latest metrics, tags, artifacts and logged models", async () => {
    const { explorer } = await connected();
    const run = await nodeAt(explorer.experiments, wrappers, 'onnx-cpu-int4');
    const groups = await childrenOf(explorer.experiments, run);
    assert.deepEqual(groups.map(labelOf), ['Parameters', 'Metrics', 'Tags', 'Artifacts', 'Logged models']);
    const params = await childrenOf(explorer.experiments, groups[0]);
    assert.deepEqual(
      params.map((p) => `${labelOf(p)}=${descriptionOf(p)}`),
      ['lr=0.01', 'max_length=2048', 'recipe=custom ONNX pyfunc'],
    );
    const metrics = await childrenOf(explorer.experiments, groups[1]);
    assert.deepEqual(
      metrics.map((m) => `${labelOf(m)}=${descriptionOf(m)}`),
      ['loss=0.3', 'tokens_per_second=11.2'],
    );
    const tags = (await childrenOf(explorer.experiments, groups[2])).map(labelOf);
    assert.equal(tags[0], 'phi3.recipe');
    assert.ok(tags.includes('mlflow.runName'), tags.join(', '));
    const artifacts = await childrenOf(explorer.experiments, groups[3]);
    assert.deepEqual(artifacts.map(labelOf), ['eval', 'README.md']);
    assert.deepEqual((await childrenOf(explorer.experiments, artifacts[0])).map(labelOf), ['prompts.jsonl']);
    const models = await childrenOf(explorer.experiments, groups[4]);
    const logged = seededExperiment(wrappers).loggedModel!;
    assert.deepEqual(models.map(labelOf), ['phi3-echo']);
    assert.ok(descriptionOf(models[0]!).startsWith(logged.id));
    const files = (await childrenOf(explorer.experiments, models[0])).map(labelOf);
    assert.ok(files.includes('MLmodel') && files.includes('python_model.pkl'), files.join(', '));
  });

  it('opens a text artifact read-only through the mlflow-artifact scheme', async () => {
    const { explorer } = await connected();
    const readme = await nodeAt(explorer.experiments, wrappers, 'onnx-cpu-int4', 'Artifacts', 'README.md');
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('phi3Mlflow.openArtifact', readme);
    assert.equal(editor.document.uri.scheme, 'mlflow-artifact');
    assert.equal(editor.document.getText(), '# onnx-cpu-int4\nPhi-3 Mini, int4, CPU.\n');
    assert.equal(editor.document.languageId, 'markdown');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('opens MLmodel as YAML and shows its signature', async () => {
    const { explorer } = await connected();
    const mlmodel = await nodeAt(explorer.experiments, wrappers, 'onnx-cpu-int4', 'Logged models', 'phi3-echo', 'MLmodel');
    assert.equal(contextOf(mlmodel), 'mlmodel');
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('phi3Mlflow.openArtifact', mlmodel);
    assert.equal(editor.document.languageId, 'yaml');
    assert.match(editor.document.getText(), /python_function:/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    const parts = await childrenOf(explorer.experiments, mlmodel);
    assert.deepEqual(parts.map(labelOf), ['Flavors: python_function', 'Signature inputs', 'Signature outputs']);
    assert.equal(descriptionOf(parts[1]!), 'prompt: string');
    assert.equal(descriptionOf(parts[2]!), 'string');
  });
});

describe('the Models tree on a seeded server', () => {
  it('lists registered models with their latest version and aliases', async () => {
    const { explorer } = await connected();
    const model = await child(explorer.models, undefined, 'phi3-echo');
    assert.equal(descriptionOf(model), 'latest v2 · @champion');
    assert.ok(tooltipOf(model).includes('An echo model standing in for Phi-3.'));
    assert.equal(seeded.registeredModels[0]!.name, 'phi3-echo');
  });

  it('lists versions newest first with aliases, stage and tags', async () => {
    const { explorer } = await connected();
    const versions = await childrenOf(explorer.models, await child(explorer.models, undefined, 'phi3-echo'));
    assert.deepEqual(versions.map(labelOf), ['Tags', 'Version 2', 'Version 1']);
    assert.equal(descriptionOf(versions[1]!), 'Staging');
    assert.equal(descriptionOf(versions[2]!), '@champion');
    assert.ok(tooltipOf(versions[2]!).includes('validated = yes'), tooltipOf(versions[2]!));
  });

  it("shows a version's source run, logged model, MLmodel signature, aliases and tags", async () => {
    const { explorer } = await connected();
    const version = await nodeAt(explorer.models, 'phi3-echo', 'Version 1');
    const parts = await childrenOf(explorer.models, version);
    assert.deepEqual(parts.map(labelOf), ['Source run: onnx-cpu-int4', 'Logged model: phi3-echo', 'MLmodel', 'Aliases', 'Tags']);
    const signature = await childrenOf(explorer.models, parts[2]);
    assert.equal(descriptionOf(signature[1]!), 'prompt: string');
    const aliases = await childrenOf(explorer.models, parts[3]);
    assert.deepEqual(aliases.map(labelOf), ['@champion']);
    const tags = await childrenOf(explorer.models, parts[4]);
    assert.deepEqual(
      tags.map((t) => `${labelOf(t)}=${descriptionOf(t)}`),
      ['validated=yes'],
    );
    // The source run expands like any run.
    assert.deepEqual((await childrenOf(explorer.models, parts[0])).map(labelOf), [
      'Parameters',
      'Metrics',
      'Tags',
      'Artifacts',
      'Logged models',
    ]);
  });
});
