import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RunNode } from '../../../src/views/runNodes';
import { connected, seededExperiment } from './explorerHelpers';

describe('revealing a run in the Experiments view (as the chat does after Log to MLflow)', () => {
  before(async function () {
    this.timeout(120_000);
    await connected();
  });

  it('expands its experiment and selects the run', async function () {
    this.timeout(60_000);
    const { explorer } = await connected();
    // As the chat's Reveal does: the view is shown first, so VS Code asks for its children.
    await vscode.commands.executeCommand('phi3Mlflow.experiments.focus');
    const experiment = seededExperiment('Phi-3 Mini wrappers');
    const run = experiment.runs.find((r) => r.name === 'onnx-cpu-int4');
    assert.ok(run);
    assert.equal(await explorer.revealRun(experiment.id, run.id), true);
    const selected = explorer.experimentsView.selection;
    // The extension's classes come from its bundle, not from out/src: the node is known by its run id.
    assert.deepEqual(
      selected.map((node) => (node as RunNode).runId),
      [run.id],
    );
  });

  it('answers false for a run the view does not list', async function () {
    this.timeout(60_000);
    const { explorer } = await connected();
    await vscode.commands.executeCommand('phi3Mlflow.experiments.focus');
    const experiment = seededExperiment('Phi-3 Mini wrappers');
    assert.equal(await explorer.revealRun(experiment.id, '0123456789abcdef0123456789abcdef'), false);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
  });
});
