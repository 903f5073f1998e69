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
