import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import { MlflowClient } from '../../../src/mlflow/client';
import { parseTrackingUri } from '../../../src/mlflow/trackingUri';
import { ExperimentsRoot } from '../../../src/views/experimentNodes';
import { ExplorerTreeDataProvider } from '../../../src/views/explorerTreeDataProvider';
import { activatedApi } from './activation.test';
import { child, childrenOf, connected, contextOf, labelOf, rest, serverUrl } from './explorerHelpers';

const authServerUrl = process.env.PHI3_MLFLOW_TEST_AUTH_SERVER_URL ?? '';
const authUser = process.env.PHI3_MLFLOW_TEST_AUTH_USER ?? '';
const authPassword = process.env.PHI3_MLFLOW_TEST_AUTH_PASSWORD ?? '';

function connectionsSetting(): unknown {
  return vscode.workspace.getConfiguration('phi3Mlflow').inspect('connections')?.globalValue;
}

describe('the explorer under trouble', () => {
  let log: vscode.LogOutputChannel;
  before(() => {
    log = vscode.window.createOutputChannel('explorer trouble tests', { log: true });
  });
  after(() => log.dispose());

  it('shows an unreachable server as an error node with Retry, not an exception', async () => {
    const client = new MlflowClient({ uri: parseTrackingUri('http://127.0.0.1:9'), auth: { kind: 'none' } }, { maxRetries: 0 });
    const provider = new ExplorerTreeDataProvider(new ExperimentsRoot(() => client), log);
    const [error, ...rest_] = await provider.getChildren();
    assert.equal(rest_.length, 0);
    assert.equal(labelOf(error!), 'Cannot reach http://127.0.0.1:9 (connection refused)');
    assert.equal(contextOf(error!), 'error');
    assert.equal(error!.treeItem().command?.command, 'phi3Mlflow.retry');
    provider.dispose();
  });

  it('shows a slow server as an error node once the time limit passes', async () => {
    const silent: Server = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolveListen) => silent.listen(0, '127.0.0.1', resolveListen));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const client = new MlflowClient({ uri: parseTrackingUri(url), auth: { kind: 'none' } }, { timeoutMs: 1000, maxRetries: 0 });
      const provider = new ExplorerTreeDataProvider(new ExperimentsRoot(() => client), log);
      const [error] = await provider.getChildren();
      assert.equal(labelOf(error!), `${url} did not answer POST /api/2.0/mlflow/experiments/search within 1 s`);
      provider.dispose();
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('shows a registered model deleted elsewhere as "does not exist", and Retry recovers once it is back', async () => {
    const { explorer } = await connected();
    assert.equal((await rest('registered-models/create', { method: 'POST', body: { name: 'short-lived' } })).status, 200);
    explorer.models.refresh();
    const model = await child(explorer.models, undefined, 'short-lived');
    assert.equal((await rest('registered-models/delete', { method: 'DELETE', body: { name: 'short-lived' } })).status, 200);
    const [error] = await childrenOf(explorer.models, model);
    assert.equal(labelOf(error!), 'Registered model "short-lived" does not exist');
    assert.equal((await rest('registered-models/create', { method: 'POST', body: { name: 'short-lived' } })).status, 200);
    await vscode.commands.executeCommand('phi3Mlflow.retry', error);
    assert.deepEqual((await childrenOf(explorer.models, model)).map(labelOf), ['No versions']);
    await rest('registered-models/delete', { method: 'DELETE', body: { name: 'short-lived' } });
  });

  it('reports a wrong password as auth failed, then signs in and keeps the secret out of settings', async () => {
    assert.ok(
      authServerUrl,
      'the runner starts a basic-auth server and names it in PHI3_MLFLOW_TEST_AUTH_SERVER_URL (test/host/hostTestServers.ts)',
    );
    const api = await activatedApi();
    const wrong = await vscode.commands.executeCommand<{ kind: string; message?: string }>('phi3Mlflow.connect', {
      uri: authServerUrl,
      auth: { kind: 'basic', username: authUser, password: 'not-the-password' },
    });
    assert.equal(wrong.kind, 'authFailed');
    assert.equal(wrong.message, 'Authentication required (401): check the username and password for this server');
    assert.equal(api.statusBarText(), `$(lock) MLflow auth failed · ${authServerUrl.replace('http://', '')}`);
    assert.deepEqual(await childrenOf(api.explorer.experiments), []);

    const right = await vscode.commands.executeCommand<{ kind: string; authKind?: string }>('phi3Mlflow.connect', {
      uri: authServerUrl,
      auth: { kind: 'basic', username: authUser, password: authPassword },
    });
    assert.equal(right.kind, 'connected');
    assert.equal(right.authKind, 'basic');
    assert.ok((await childrenOf(api.explorer.experiments)).map(labelOf).includes('Default'));
    const saved = JSON.stringify(vscode.workspace.getConfiguration('phi3Mlflow'));
    assert.ok(!saved.includes(authPassword), 'the password is in settings');
    assert.deepEqual((connectionsSetting() as unknown[])[0], { uri: authServerUrl, auth: 'basic' });

    // Switching away and back: the saved secret signs in without asking.
    assert.equal((await vscode.commands.executeCommand<{ kind: string }>('phi3Mlflow.connect', serverUrl)).kind, 'connected');
    assert.equal((await vscode.commands.executeCommand<{ kind: string }>('phi3Mlflow.connect', authServerUrl)).kind, 'connected');
    assert.equal(api.connection().kind, 'connected');
    assert.match(api.statusBarTooltip(), /signed in with a username and password/);

    await vscode.commands.executeCommand('phi3Mlflow.forgetConnection', authServerUrl);
    assert.ok(!JSON.stringify(connectionsSetting() ?? []).includes(authServerUrl));
    assert.equal(api.connection().kind, 'disconnected');
  });

  it('disconnects: the trees empty (welcome content) and the status bar says so', async () => {
    const api = await connected();
    await vscode.commands.executeCommand('phi3Mlflow.disconnect');
    assert.equal(api.connection().kind, 'disconnected');
    assert.equal(api.statusBarText(), '$(debug-disconnect) MLflow');
    assert.deepEqual(await childrenOf(api.explorer.experiments), []);
    assert.deepEqual(await childrenOf(api.explorer.models), []);
    await connected();
  });
});
