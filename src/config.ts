import * as vscode from 'vscode';

const section = 'phi3Mlflow';

/** The tracking server from settings, else MLflow's own `MLFLOW_TRACKING_URI`, as MLflow clients do. */
export function configuredTrackingUri(): string | undefined {
  const fromSettings = vscode.workspace.getConfiguration(section).get<string>('trackingUri', '').trim();
  if (fromSettings) return fromSettings;
  const fromEnvironment = process.env.MLFLOW_TRACKING_URI?.trim();
  return fromEnvironment || undefined;
}

export async function saveTrackingUri(uri: string): Promise<void> {
  await vscode.workspace.getConfiguration(section).update('trackingUri', uri, vscode.ConfigurationTarget.Global);
}

export function affectsTrackingUri(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(`${section}.trackingUri`);
}
