import * as vscode from 'vscode';
import {
  ignoredWorkspaceSettings,
  parseSettingsText,
  type RestrictedSetting,
  restrictedSettings,
  restrictedSettingsIn,
  restrictedValue,
  type SavedConnection,
  userConnections,
  withConnectionFirst,
  withoutConnection,
} from './settingValues';

export type { SavedConnection } from './settingValues';

const section = 'phi3Mlflow';

/**
 * A restricted setting (package.json `restrictedConfigurations`): in an untrusted workspace the
 * user's value, never the workspace's; trusted, the usual merged value. `scope`: a resource, as for
 * getConfiguration.
 */
export function restrictedSetting<T>(key: RestrictedSetting, fallback: T, scope?: vscode.Uri): T {
  const configuration = vscode.workspace.getConfiguration(section, scope);
  return restrictedValue(configuration.inspect<T>(key), configuration.get<T>(key, fallback), vscode.workspace.isTrusted, fallback);
}

/**
 * The restricted settings whose workspace values are ignored now (none when the workspace is
 * trusted). VS Code does not show an extension the workspace's values of restricted settings while
 * untrusted, so the workspace's settings files are read too: each folder's `.vscode/settings.json`
 * and the `.code-workspace` file's `settings`.
 */
export async function ignoredSettings(): Promise<string[]> {
  if (vscode.workspace.isTrusted) return [];
  const configuration = vscode.workspace.getConfiguration(section);
  const found = new Set(ignoredWorkspaceSettings((key) => configuration.inspect(key), false));
  const read = async (uri: vscode.Uri) => {
    try {
      return parseSettingsText(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
    } catch {
      return undefined; // no such file
    }
  };
  const folderFiles = (vscode.workspace.workspaceFolders ?? []).map((folder) =>
    read(vscode.Uri.joinPath(folder.uri, '.vscode', 'settings.json')),
  );
  for (const settings of await Promise.all(folderFiles)) for (const key of restrictedSettingsIn(settings)) found.add(key);
  const workspaceFile = vscode.workspace.workspaceFile;
  if (workspaceFile && workspaceFile.scheme !== 'untitled') {
    for (const key of restrictedSettingsIn(((await read(workspaceFile)) as { settings?: unknown } | undefined)?.settings)) found.add(key);
  }
  return restrictedSettings.map((key) => `phi3Mlflow.${key}`).filter((key) => found.has(key));
}

export function affectsRestrictedSettings(event: vscode.ConfigurationChangeEvent): boolean {
  return ['trackingUri', 'connections', 'pythonPath', 'chat', 'traces.log'].some((key) => event.affectsConfiguration(`${section}.${key}`));
}

/** The tracking server from settings, else MLflow's own `MLFLOW_TRACKING_URI`, as MLflow clients do. */
export function configuredTrackingUri(): string | undefined {
  const fromSettings = restrictedSetting<string>('trackingUri', '').trim();
  if (fromSettings) return fromSettings;
  const fromEnvironment = process.env.MLFLOW_TRACKING_URI?.trim();
  return fromEnvironment || undefined;
}

export async function saveTrackingUri(uri: string | undefined): Promise<void> {
  await vscode.workspace.getConfiguration(section).update('trackingUri', uri, vscode.ConfigurationTarget.Global);
}

/** How long the explorer waits for one answer (seconds, 1–600; 30 unless set). */
export function requestTimeoutSeconds(): number {
  const value = vscode.workspace.getConfiguration(section).get<number>('requestTimeoutSeconds', 30);
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(600, Math.max(1, value)) : 30;
}

export function affectsRequestTimeout(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(`${section}.requestTimeoutSeconds`);
}

export function affectsTrackingUri(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(`${section}.trackingUri`);
}

/**
 * Saved connections, most recently used first: the user's list (global settings) only, never merged
 * with a workspace's, which writing back would copy into the user's settings.
 */
export function savedConnections(): SavedConnection[] {
  return userConnections(vscode.workspace.getConfiguration(section).inspect<unknown>('connections'));
}

export function savedConnection(uri: string): SavedConnection | undefined {
  return savedConnections().find((c) => c.uri === uri.trim());
}

/** Puts the connection first in the user's list (replacing an entry for the same URI). */
export async function rememberConnection(connection: SavedConnection): Promise<void> {
  await vscode.workspace
    .getConfiguration(section)
    .update('connections', withConnectionFirst(savedConnections(), connection), vscode.ConfigurationTarget.Global);
}

export async function forgetConnection(uri: string): Promise<void> {
  await vscode.workspace
    .getConfiguration(section)
    .update('connections', withoutConnection(savedConnections(), uri), vscode.ConfigurationTarget.Global);
}

/**
 * `phi3Mlflow.traces.log`: whether chat answers are logged as MLflow traces ("off" unless set to
 * "ask" or "always"). Restricted: in an untrusted workspace only the user's own value counts.
 */
export function traceLogMode(): 'off' | 'ask' | 'always' {
  const value = restrictedSetting<string>('traces.log', 'off');
  return value === 'ask' || value === 'always' ? value : 'off';
}

/** `phi3Mlflow.traces.experiment`: the experiment chat traces go to, by name; empty: picked once a window. */
export function traceExperimentName(): string {
  const value = vscode.workspace.getConfiguration(section).get<string>('traces.experiment', '');
  return typeof value === 'string' ? value.trim() : '';
}
