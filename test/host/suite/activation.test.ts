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

  it('contributes the MLflow container with the Experiments and Models views', () => {
    const manifest = vscode.extensions.getExtension(extensionId)!.packageJSON as {
      contributes: { viewsContainers: { activitybar: { id: string; title: string }[] }; views: Record<string, { id: string; name: string }[]> };
    };
    assert.deepEqual(manifest.contributes.viewsContainers.activitybar.map((c) => [c.id, c.title]), [['phi3Mlflow', 'MLflow']]);
    assert.deepEqual(manifest.contributes.views.phi3Mlflow!.map((v) => [v.id, v.name]), [
      ['phi3Mlflow.experiments', 'Experiments'],
      ['phi3Mlflow.models', 'Models'],
    ]);
  });

  it('opens its log from the Show Log command', async () => {
    await vscode.commands.executeCommand('phi3Mlflow.showLog');
  });
});
