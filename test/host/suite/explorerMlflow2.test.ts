import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { MlflowClient } from '../../../src/mlflow/client';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { ExperimentsRoot } from '../../../src/views/experimentNodes';
import { ErrorNode, type ExplorerNode } from '../../../src/views/explorerNode';
import { ExplorerTreeDataProvider } from '../../../src/views/explorerTreeDataProvider';
import { startForwardingProxy } from '../../harness/forwardingProxy';
import { type MlflowServer, startMlflowServer } from '../../harness/mlflowServer';
import { child, childrenOf, connected, contextOf, descriptionOf, labelOf, nodeAt, tooltipOf } from './explorerHelpers';

async function post<T>(base: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${base}/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return (await response.json()) as T;
}

/** Every node below `node`, expanding all of them (the explorer's own listings, as a user would open them). */
async function expandAll(provider: ExplorerTreeDataProvider<ExplorerNode>, node: ExplorerNode, depth = 3): Promise<ExplorerNode[]> {
  const children = await childrenOf(provider, node);
  const below = depth > 1 ? await Promise.all(children.map((c) => expandAll(provider, c, depth - 1))) : [];
  return [...children, ...below.flat()];
}

describe('the explorer on an MLflow 2 server', function () {
  // Starting a second real server (MLflow 2, from .venv-mlflow2) takes a while on a busy machine.
  this.timeout(180_000);
  let server: MlflowServer | undefined;
  let log: vscode.LogOutputChannel;
  before(async () => {
    log = vscode.window.createOutputChannel('explorer MLflow 2 tests', { log: true });
    server = await startMlflowServer({ mlflowMajor: 2 });
    const { experiment_id: experimentId } = await post<{ experiment_id: string }>(server.url, 'experiments/create', {
      name: 'On MLflow 2',
    });
    const { run } = await post<{ run: { info: { run_id: string } } }>(server.url, 'runs/create', {
      experiment_id: experimentId,
      run_name: 'mlflow2-run',
      start_time: 1_700_000_000_000,
    });
    await post(server.url, 'runs/log-parameter', { run_id: run.info.run_id, key: 'lr', value: '0.01' });
    await post(server.url, 'runs/log-metric', { run_id: run.info.run_id, key: 'loss', value: 0.5, timestamp: 1_700_000_000_000, step: 0 });
  });
  after(async () => {
    log?.dispose();
    await server?.stop();
  });

  it('shows a run without "Logged models", and nothing under it fails; on MLflow 3 the run has them', async () => {
    const client = new MlflowClient({ uri: parseTrackingUri(server!.url), auth: { kind: 'none' } }, { maxRetries: 0 });
    assert.match(await client.serverVersion(), /^2\./);
    const provider = new ExplorerTreeDataProvider(new ExperimentsRoot(() => client), log);
    const run = await nodeAt(provider, 'On MLflow 2', 'mlflow2-run');
    assert.deepEqual((await childrenOf(provider, run)).map(labelOf), ['Parameters', 'Metrics', 'Tags', 'Artifacts']);
    const below = await expandAll(provider, run);
    assert.deepEqual(below.filter((n) => n instanceof ErrorNode).map(labelOf), []);
    assert.ok(below.map(labelOf).includes('lr'));
    assert.ok(below.map(labelOf).includes('loss'));
    provider.dispose();

    // The same run shape on the harness's MLflow 3 server shows its logged models.
    const api = await connected();
    const mlflow3Run = await nodeAt(api.explorer.experiments, 'Phi-3 Mini wrappers', 'onnx-cpu-int4');
    assert.deepEqual((await childrenOf(api.explorer.experiments, mlflow3Run)).map(labelOf), [
      'Parameters',
      'Metrics',
      'Tags',
      'Artifacts',
      'Logged models',
    ]);
  });

  it('says Traces need MLflow 3 under each experiment, and sends no trace request', async () => {
    // Through a proxy that records every request, to see that none is about traces.
    const proxy = await startForwardingProxy(server!.url);
    const client = new MlflowClient({ uri: parseTrackingUri(proxy.url), auth: { kind: 'none' } }, { maxRetries: 0 });
    const provider = new ExplorerTreeDataProvider(new ExperimentsRoot(() => client), log);
    try {
      const experiment = await child(provider, undefined, 'On MLflow 2');
      const children = await childrenOf(provider, experiment);
      assert.deepEqual(children.map(labelOf), ['Traces', 'mlflow2-run']);
      const traces = children[0]!;
      assert.equal(descriptionOf(traces), 'needs MLflow 3');
      assert.equal(tooltipOf(traces), 'Traces need an MLflow 3 server; this one runs MLflow 2.22.5');
      assert.equal(contextOf(traces), 'traces.unsupported');
      assert.equal(traces.treeItem().collapsibleState, vscode.TreeItemCollapsibleState.None);
      assert.deepEqual((await childrenOf(provider, traces)).map(labelOf), ['Traces need an MLflow 3 server; this one runs MLflow 2.22.5']);
      assert.deepEqual(
        proxy.requests.filter((r) => r.path.includes('trace')),
        [],
      );
      assert.ok(
        proxy.requests.some((r) => r.path === '/api/2.0/mlflow/runs/search'),
        JSON.stringify(proxy.requests),
      );
    } finally {
      provider.dispose();
      await proxy.stop();
    }
  });
});
