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
export const restrictedSettings = [
  'trackingUri',
  'connections',
  'pythonPath',
  'chat.openOnStartup',
  'chat.modelCacheDirectory',
  // A workspace must not turn on sending the user's chats to the server as traces.
  'traces.log',
] as const;
export type RestrictedSetting = (typeof restrictedSettings)[number];

const hasWorkspaceValue = (inspected: InspectedSetting<unknown> | undefined) =>
  inspected?.workspaceValue !== undefined || inspected?.workspaceFolderValue !== undefined;

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
export function ignoredWorkspaceSettings(
  inspect: (key: RestrictedSetting) => InspectedSetting<unknown> | undefined,
  trusted: boolean,
): string[] {
  if (trusted) return [];
  return restrictedSettings.filter((key) => hasWorkspaceValue(inspect(key))).map((key) => `phi3Mlflow.${key}`);
}

/**
 * The restricted settings a settings file sets (parsed `settings.json`, or a `.code-workspace`
 * file's `settings`), as `phi3Mlflow.<key>`. VS Code hides these values from extensions in
 * Restricted Mode (`inspect()` shows no workspace value), so the files themselves are read to say
 * which ones are ignored. Dotted keys and nested objects (`"phi3Mlflow": {"chat": {…}}`) both count.
 */
export function restrictedSettingsIn(settings: unknown): string[] {
  const sets = (value: unknown, path: readonly string[]): boolean => {
    if (!path.length) return value !== undefined && value !== null;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const object = value as Record<string, unknown>;
    // "a.b.c" may be written as "a.b.c", or as "a": {"b.c"}, or "a.b": {"c"}, …
    for (let take = path.length; take >= 1; take--) {
      const key = path.slice(0, take).join('.');
      if (Object.hasOwn(object, key) && sets(object[key], path.slice(take))) return true;
    }
    return false;
  };
  return restrictedSettings.filter((key) => sets(settings, ['phi3Mlflow', ...key.split('.')])).map((key) => `phi3Mlflow.${key}`);
}

/**
 * A settings file's JSON with comments (`//`, `/* *\/`) and trailing commas, as VS Code writes and
 * reads them; undefined when it is not JSON even so.
 */
export function parseSettingsText(text: string): unknown {
  let plain = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      plain += text.slice(start, i + 1);
    } else if (char === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      plain += '\n';
    } else if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      plain += ' ';
    } else plain += char;
  }
  // Then the trailing commas, outside strings.
  let json = '';
  for (let i = 0; i < plain.length; i++) {
    const char = plain[i]!;
    if (char === '"') {
      const start = i;
      for (i++; i < plain.length && plain[i] !== '"'; i++) if (plain[i] === '\\') i++;
      json += plain.slice(start, i + 1);
    } else if (char !== ',' || !/^\s*[}\]]/.test(plain.slice(i + 1))) json += char;
  }
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

/** The status bar's word on ignored workspace settings: a text suffix and a tooltip paragraph. */
export function ignoredSettingsNote(ignored: readonly string[]): { text: string; tooltip: string } | undefined {
  if (!ignored.length) return undefined;
  return {
    text: ' · $(workspace-untrusted) workspace setting ignored',
    tooltip: `Workspace setting${ignored.length === 1 ? '' : 's'} ignored (Restricted Mode): ${ignored.join(', ')}. Your user settings are used until you trust this folder.`,
  };
}
