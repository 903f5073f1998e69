import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Phi3MlflowApi } from '../../../src/extension';

export const extensionId = 'phi3-mlflow.phi3-mlflow';

export async function activatedApi(): Promise<Phi3MlflowApi> {
  const extension = vscode.extensions.getExtension<Phi3MlflowApi>(extensionId);
  assert.ok(extension, `${extensionId} is not loaded`);
  return extension.activate();
}

describe('activation', () => {
  it('activates and registers its commands', async () => {
    await activatedApi();
    const ours = (await vscode.commands.getCommands(true)).filter((c) => c.startsWith('phi3Mlflow.')).sort();
    for (const id of ['phi3Mlflow.connect', 'phi3Mlflow.openInBrowser', 'phi3Mlflow.showLog']) {
      assert.ok(ours.includes(id), `${id} missing from ${ours.join(', ')}`);
    }
  });

  it('contributes the MLflow container with the Experiments, Models and Prompts views', () => {
    const manifest = vscode.extensions.getExtension(extensionId)!.packageJSON as {
      contributes: {
        viewsContainers: { activitybar: { id: string; title: string }[] };
        views: Record<string, { id: string; name: string }[]>;
      };
    };
    assert.deepEqual(
      manifest.contributes.viewsContainers.activitybar.map((c) => [c.id, c.title]),
      [['phi3Mlflow', 'MLflow']],
    );
    assert.deepEqual(
      manifest.contributes.views.phi3Mlflow!.map((v) => [v.id, v.name]),
      [
        ['phi3Mlflow.experiments', 'Experiments'],
        ['phi3Mlflow.models', 'Models'],
        ['phi3Mlflow.prompts', 'Prompts'],
      ],
    );
  });

  it('opens its log from the Show Log command: the Output panel shows the Phi-3 MLflow channel', async function () {
    this.timeout(30_000);
    await activatedApi();
    // The Output panel's channel is a text document of the output scheme, named after the channel.
    const isOurLog = (document: vscode.TextDocument) =>
      document.uri.scheme === 'output' && decodeURIComponent(document.uri.toString()).includes('Phi-3 MLflow');
    const version = (vscode.extensions.getExtension(extensionId)!.packageJSON as { version: string }).version;
    const activated = `[info] Phi-3 MLflow ${version} activated`;
    assert.equal(vscode.workspace.textDocuments.find(isOurLog), undefined, 'the log is not shown before the command');
    // The panel opens the channel's document first and fills it from the log file after.
    const shows = (document: vscode.TextDocument) => isOurLog(document) && document.getText().includes(activated);
    const document = await new Promise<vscode.TextDocument>((resolve, reject) => {
      const finish = (error: Error | undefined, shown?: vscode.TextDocument) => {
        clearTimeout(timer);
        listeners.forEach((l) => l.dispose());
        if (shown) resolve(shown);
        else reject(error);
      };
      const timer = setTimeout(() => {
        const ours = vscode.workspace.textDocuments.find(isOurLog);
        finish(
          new Error(
            ours
              ? `the log shows: ${ours.getText()}`
              : `no Phi-3 MLflow output document opened; open: ${vscode.workspace.textDocuments.map((d) => d.uri.toString()).join(', ')}`,
          ),
        );
      }, 20_000);
      const look = (document: vscode.TextDocument) => {
        if (shows(document)) finish(undefined, document);
      };
      const listeners = [
        vscode.workspace.onDidOpenTextDocument(look),
        vscode.workspace.onDidChangeTextDocument((event) => look(event.document)),
      ];
      vscode.commands.executeCommand('phi3Mlflow.showLog').then(
        () => vscode.workspace.textDocuments.forEach(look),
        (error: Error) => finish(error),
      );
    });
    assert.equal(document.uri.scheme, 'output');
  });
});
