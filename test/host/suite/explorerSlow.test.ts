import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as vscode from 'vscode';
import { MlflowClient } from '../../../src/mlflow/client';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { ExperimentNode, ExperimentsRoot } from '../../../src/views/experimentNodes';
import type { ExplorerNode } from '../../../src/views/explorerNode';
import { ExplorerTreeDataProvider } from '../../../src/views/explorerTreeDataProvider';
import { json, type StubServer, startStubServer } from '../../harness/stubServer';
import { activatedApi } from './activation.test';
import { childrenOf, connected, contextOf, descriptionOf, labelOf, serverUrl } from './explorerHelpers';
import { until } from '../../harness/until';

const wireExperiment = {
  experiment_id: '7',
  name: 'late answer',
  artifact_location: 'mlflow-artifacts:/7',
  lifecycle_stage: 'active',
  last_update_time: 1_700_000_000_000,
  tags: [],
};

/**
 * A server that answers /version and the connect probe (an experiment search for one result) at
 * once, and holds every other request (with `lateMs`, it answers the experiment search that late).
 * Each held request is kept with whether its connection was closed, to see a cancel reach the wire.
 */
async function slowServer(options: { lateMs?: number } = {}) {
  const held: Array<{ url: string; closed: boolean }> = [];
  const stub = await startStubServer((request: IncomingMessage, response: ServerResponse) => {
    const url = request.url ?? '';
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (url.startsWith('/version')) {
        response.writeHead(200, { 'Content-Type': 'text/plain' });
        response.end('3.1.0');
        return;
      }
      const experimentSearch = url.startsWith('/api/2.0/mlflow/experiments/search');
      if (experimentSearch && (JSON.parse(body || '{}') as { max_results?: number }).max_results === 1) {
        json(response, 200, { experiments: [] });
        return;
      }
      if (experimentSearch && options.lateMs !== undefined) {
        setTimeout(() => json(response, 200, { experiments: [wireExperiment] }), options.lateMs);
        return;
      }
      const entry = { url, closed: false };
      held.push(entry);
      response.on('close', () => (entry.closed = true));
    });
  });
  return { stub, held };
}

/** The next change event of a provider (the node it names, undefined for the whole tree). */
function nextChange(provider: ExplorerTreeDataProvider<ExplorerNode>): Promise<ExplorerNode | undefined> {
  return new Promise((resolveChange) => {
    const subscription = provider.onDidChangeTreeData((node) => {
      subscription.dispose();
      resolveChange(node ?? undefined);
    });
  });
}

describe('the explorer with a slow server', () => {
  let log: vscode.LogOutputChannel;
  let stub: StubServer | undefined;
  before(() => {
    log = vscode.window.createOutputChannel('explorer slow-server tests', { log: true });
  });
  afterEach(async () => {
    await stub?.stop();
    stub = undefined;
  });
  after(() => log.dispose());

  function treeOver(url: string) {
    const client = new MlflowClient({ uri: parseTrackingUri(url), auth: { kind: 'none' } }, { timeoutMs: 120_000, maxRetries: 0 });
    return new ExplorerTreeDataProvider(new ExperimentsRoot(() => client), log, { slowAfterMs: 300, timeLimitSeconds: () => 120 });
  }

  it('shows "Still loading…" when the server is slow; Cancel stops the request and offers Retry; Refresh stops it too', async () => {
    const server = await slowServer();
    stub = server.stub;
    const api = await activatedApi();
    try {
      assert.equal((await vscode.commands.executeCommand<{ kind: string }>('phi3Mlflow.connect', stub.url)).kind, 'connected');
      const provider = api.explorer.experiments;
      // Only the experiment searches: the Models view, if shown, lists registered models too.
      const searches = () => server.held.filter((h) => h.url.startsWith('/api/2.0/mlflow/experiments/search'));
      // The extension's own tree: "Still loading…" after its few seconds.
      const [loading, ...others] = await provider.getChildren();
      assert.equal(others.length, 0);
      assert.equal(labelOf(loading!), 'Still loading… (server slow)');
      assert.equal(descriptionOf(loading!), 'click to cancel');
      assert.equal(contextOf(loading!), 'loading');
      assert.match(String(loading!.treeItem().tooltip), /gives up after 30 s \(setting phi3Mlflow\.requestTimeoutSeconds\)/);
      assert.equal(loading!.treeItem().command?.command, 'phi3Mlflow.cancelLoading');
      assert.ok(provider.isLoading());
      assert.deepEqual(
        searches().map((h) => h.closed),
        [false],
      );

      // The node's own command, as its click or inline button runs it.
      const changed = nextChange(provider);
      await vscode.commands.executeCommand('phi3Mlflow.cancelLoading', loading);
      assert.equal(await changed, undefined); // the whole tree (the root's listing) redraws
      await until('the held request to be closed', () => searches()[0]!.closed);
      const [cancelled, ...rest] = await provider.getChildren();
      assert.equal(rest.length, 0);
      assert.equal(labelOf(cancelled!), 'Loading cancelled');
      assert.equal(contextOf(cancelled!), 'error');
      assert.equal(cancelled!.treeItem().command?.command, 'phi3Mlflow.retry');
      assert.equal(provider.isLoading(), false);

      await vscode.commands.executeCommand('phi3Mlflow.retry', cancelled);
      const again = provider.getChildren();
      await until('the second search', () => searches().length === 2);
      await vscode.commands.executeCommand('phi3Mlflow.refresh');
      assert.deepEqual((await again).map(labelOf), ['Loading cancelled']);
      await until('Refresh to stop the second search', () => searches()[1]!.closed);
    } finally {
      assert.equal((await vscode.commands.executeCommand<{ kind: string }>('phi3Mlflow.connect', serverUrl)).kind, 'connected');
    }
  });

  it('puts the answer in place of "Still loading…" when it comes', async () => {
    const server = await slowServer({ lateMs: 1500 });
    stub = server.stub;
    const provider = treeOver(stub.url);
    const changes: Array<ExplorerNode | undefined> = [];
    const subscription = provider.onDidChangeTreeData((node) => changes.push(node ?? undefined));
    // Asked twice while loading (the view, and a reveal): one request, one redraw when the answer comes.
    const [first, second] = await Promise.all([provider.getChildren(), provider.getChildren()]);
    assert.deepEqual([...first!, ...second!].map(labelOf), ['Still loading… (server slow)', 'Still loading… (server slow)']);
    await until('the late answer', () => changes.length > 0);
    // Any second redraw would have been queued with the first.
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(changes, [undefined]);
    assert.equal(stub.requests.filter((r) => r.url.startsWith('/api/2.0/mlflow/experiments/search')).length, 1);
    subscription.dispose();
    assert.deepEqual((await provider.getChildren()).map(labelOf), ['late answer']);
    assert.equal(provider.isLoading(), false);
    provider.dispose();
  });

  it('stops a listing when its node is refreshed or collapsed, before it shows as slow', async () => {
    const server = await slowServer();
    stub = server.stub;
    const client = new MlflowClient({ uri: parseTrackingUri(stub.url), auth: { kind: 'none' } }, { timeoutMs: 120_000, maxRetries: 0 });
    const provider = new ExplorerTreeDataProvider(new ExperimentsRoot(() => client), log, { slowAfterMs: 60_000 });
    const experiment = new ExperimentNode(provider.root, client, {
      experimentId: '7',
      name: 'held',
      artifactLocation: '',
      lifecycleStage: 'active',
      tags: {},
    });

    const first = provider.getChildren(experiment);
    await until('the run search to reach the server', () => server.held.length === 1);
    assert.ok(server.held[0]!.url.startsWith('/api/2.0/mlflow/runs/search'));
    const collapsedChange = nextChange(provider);
    provider.collapsed(experiment);
    assert.deepEqual((await first).map(labelOf), ['Loading cancelled']);
    assert.equal(await collapsedChange, experiment); // so the next expansion lists it again
    await until('the collapsed listing to close its request', () => server.held[0]!.closed);

    const second = provider.getChildren(experiment);
    await until('the second run search', () => server.held.length === 2);
    provider.refresh(experiment);
    assert.deepEqual((await second).map(labelOf), ['Loading cancelled']);
    await until('the refreshed listing to close its request', () => server.held[1]!.closed);
    assert.equal(provider.isLoading(experiment), false);
    provider.dispose();
  });

  it('waits phi3Mlflow.requestTimeoutSeconds for an answer, then shows the error with Retry', async () => {
    const server = await slowServer();
    stub = server.stub;
    const settings = vscode.workspace.getConfiguration('phi3Mlflow');
    await settings.update('requestTimeoutSeconds', 2, vscode.ConfigurationTarget.Global);
    const api = await activatedApi();
    try {
      assert.equal((await vscode.commands.executeCommand<{ kind: string }>('phi3Mlflow.connect', stub.url)).kind, 'connected');
      const [error, ...rest] = await childrenOf(api.explorer.experiments);
      assert.equal(rest.length, 0);
      assert.equal(labelOf(error!), `${stub.url} did not answer POST /api/2.0/mlflow/experiments/search within 2 s`);
      assert.equal(contextOf(error!), 'error');
    } finally {
      await settings.update('requestTimeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
      assert.equal((await vscode.commands.executeCommand<{ kind: string }>('phi3Mlflow.connect', serverUrl)).kind, 'connected');
      await connected();
    }
  });
});
