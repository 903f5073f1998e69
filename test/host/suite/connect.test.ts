import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activatedApi } from './activation.test';

/** The harness's real MLflow server, started by the outer test process (test/host/host.test.ts). */
const serverUrl = process.env.PHI3_MLFLOW_TEST_SERVER_URL ?? '';
const serverVersion = process.env.PHI3_MLFLOW_TEST_SERVER_VERSION ?? '';

function savedTrackingUri(): string | undefined {
  return vscode.workspace.getConfiguration('phi3Mlflow').inspect<string>('trackingUri')?.globalValue;
}

describe('the Connect command', () => {
  before(function () {
    if (!serverUrl) throw new Error('PHI3_MLFLOW_TEST_SERVER_URL is not set: run the in-host tests through npm run test:host');
  });

  afterEach(async () => {
    await vscode.workspace.getConfiguration('phi3Mlflow').update('trackingUri', undefined, vscode.ConfigurationTarget.Global);
  });

  it('connects to a real server, shows its version and saves the URI', async () => {
    const api = await activatedApi();
    const state = await vscode.commands.executeCommand<{ kind: string; server?: { version: string } }>('phi3Mlflow.connect', serverUrl);
    assert.equal(state.kind, 'connected');
    assert.equal(state.server?.version, serverVersion);
    assert.equal(api.connection().kind, 'connected');
    assert.equal(api.statusBarText(), `$(pass) MLflow ${serverVersion} · ${serverUrl.replace('http://', '')}`);
    assert.equal(savedTrackingUri(), serverUrl);
  });

  it('reports an unreachable server and keeps the saved URI as it was', async () => {
    const api = await activatedApi();
    await vscode.commands.executeCommand('phi3Mlflow.connect', serverUrl);
    const closed = 'http://127.0.0.1:9'; // the discard port: nothing listens there
    const state = await vscode.commands.executeCommand<{ kind: string; message?: string }>('phi3Mlflow.connect', closed);
    assert.equal(state.kind, 'unreachable');
    assert.equal(state.message, `Cannot reach ${closed} (connection refused)`);
    assert.equal(api.statusBarText(), '$(warning) MLflow unreachable · 127.0.0.1:9');
    assert.equal(savedTrackingUri(), serverUrl);
  });

  it('refuses a local store URI, staying connected and saving nothing', async () => {
    const api = await activatedApi();
    await vscode.commands.executeCommand('phi3Mlflow.connect', serverUrl);
    const state = await vscode.commands.executeCommand<{ kind: string }>('phi3Mlflow.connect', 'sqlite:///mlflow.db');
    assert.equal(state.kind, 'connected');
    assert.equal(api.connection().kind, 'connected');
    assert.equal(savedTrackingUri(), serverUrl);
  });
});
