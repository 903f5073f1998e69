import type { AuthKind } from './connectionState';

/**
 * What settings logic needs from a `WorkspaceConfiguration.inspect()` answer, without vscode (so it
 * is tested in plain Node): the value at each level.
 */
export interface InspectedSetting<T> {
  readonly defaultValue?: T;
  readonly globalValue?: T;
  readonly workspaceValue?: T;
  readonly workspaceFolderValue?: T;
}

/** A connection as settings keep it: the server and how it signs in, never the secret itself. */
export interface SavedConnection {
  readonly uri: string;
  readonly auth: AuthKind;
}

const authKinds: readonly AuthKind[] = ['none', 'basic', 'token'];
/** How many saved connections the list keeps. */
export const maxSavedConnections = 20;

/** The connections in a settings value; malformed entries (hand-edited settings) are skipped. */
export function parseConnections(raw: unknown): SavedConnection[] {
  const found: SavedConnection[] = [];
  for (const entry of Array.isArray(raw) ? raw : []) {
    const { uri, auth } = (entry ?? {}) as { uri?: unknown; auth?: unknown };
    if (typeof uri !== 'string' || !uri.trim()) continue;
    found.push({ uri: uri.trim(), auth: authKinds.includes(auth as AuthKind) ? (auth as AuthKind) : 'none' });
  }
  return found;
}

/**
 * The user's saved connections: the user (global) value only. A workspace's `connections` would
 * otherwise be merged in, and written back to user settings by the next Connect, replacing the list.
 */
export function userConnections(inspected: InspectedSetting<unknown> | undefined): SavedConnection[] {
  return parseConnections(inspected?.globalValue);
}

/** The user's list with `connection` first (an entry for the same URI replaced). */
export function withConnectionFirst(list: readonly SavedConnection[], connection: SavedConnection): SavedConnection[] {
  return [connection, ...list.filter((c) => c.uri !== connection.uri)].slice(0, maxSavedConnections);
}

/** The user's list without `uri`; undefined (the setting removed) when nothing is left. */
export function withoutConnection(list: readonly SavedConnection[], uri: string): SavedConnection[] | undefined {
  const others = list.filter((c) => c.uri !== uri);
  return others.length ? others : undefined;
}

/**
 * Settings a workspace must not choose while untrusted (package.json
 * `capabilities.untrustedWorkspaces.restrictedConfigurations`): which server to talk to, which
 * Python to run, what to open and where to write. In Restricted Mode only the user's value counts.
 */
export const restrictedSettings = ['trackingUri', 'connections', 'pythonPath', 'chat.openOnStartup', 'chat.modelCacheDirectory'] as const;
export type RestrictedSetting = (typeof restrictedSettings)[number];

const hasWorkspaceValue = (inspected: InspectedSetting<unknown> | undefined) => inspected?.workspaceValue !== undefined || inspected?.workspaceFolderValue !== undefined;

/**
 * A restricted setting's value: with the workspace trusted, the merged one (`merged`, what `get()`
 * gave); untrusted, the user's (global) value, else the setting's default, else `fallback` — never
 * the workspace's.
 */
export function restrictedValue<T>(inspected: InspectedSetting<T> | undefined, merged: T, trusted: boolean, fallback: T): T {
  if (trusted) return merged;
  return inspected?.globalValue ?? inspected?.defaultValue ?? fallback;
}

/** The restricted settings a workspace sets while untrusted: their workspace values are ignored. */
export function ignoredWorkspaceSettings(inspect: (key: RestrictedSetting) => InspectedSetting<unknown> | undefined, trusted: boolean): string[] {
  if (trusted) return [];
  return restrictedSettings.filter((key) => hasWorkspaceValue(inspect(key))).map((key) => `phi3Mlflow.${key}`);
}

/** The status bar's word on ignored workspace settings: a text suffix and a tooltip paragraph. */
export function ignoredSettingsNote(ignored: readonly string[]): { text: string; tooltip: string } | undefined {
  if (!ignored.length) return undefined;
  return {
    text: ' · $(workspace-untrusted) workspace setting ignored',
    tooltip: `Workspace setting${ignored.length === 1 ? '' : 's'} ignored (Restricted Mode): ${ignored.join(', ')}. Your user settings are used until you trust this folder.`,
  };
}
