import * as vscode from 'vscode';
import type { AuthKind } from './connectionState';

const section = 'phi3Mlflow';

/** A connection as settings keep it: the server and how it signs in, never the secret itself. */
export interface SavedConnection {
  readonly uri: string;
  readonly auth: AuthKind;
}

/** The tracking server from settings, else MLflow's own `MLFLOW_TRACKING_URI`, as MLflow clients do. */
export function configuredTrackingUri(): string | undefined {
  const fromSettings = vscode.workspace.getConfiguration(section).get<string>('trackingUri', '').trim();
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

const authKinds: readonly AuthKind[] = ['none', 'basic', 'token'];

/** Saved connections, most recently used first; malformed entries (hand-edited settings) are skipped. */
export function savedConnections(): SavedConnection[] {
  const raw = vscode.workspace.getConfiguration(section).get<unknown[]>('connections', []);
  const found: SavedConnection[] = [];
  for (const entry of Array.isArray(raw) ? raw : []) {
    const { uri, auth } = (entry ?? {}) as { uri?: unknown; auth?: unknown };
    if (typeof uri !== 'string' || !uri.trim()) continue;
    found.push({ uri: uri.trim(), auth: authKinds.includes(auth as AuthKind) ? (auth as AuthKind) : 'none' });
  }
  return found;
}

export function savedConnection(uri: string): SavedConnection | undefined {
  return savedConnections().find((c) => c.uri === uri.trim());
}

/** Puts the connection first in the list (replacing an entry for the same URI). */
export async function rememberConnection(connection: SavedConnection): Promise<void> {
  const others = savedConnections().filter((c) => c.uri !== connection.uri);
  await vscode.workspace.getConfiguration(section).update('connections', [connection, ...others].slice(0, 20), vscode.ConfigurationTarget.Global);
}

export async function forgetConnection(uri: string): Promise<void> {
  const others = savedConnections().filter((c) => c.uri !== uri);
  await vscode.workspace.getConfiguration(section).update('connections', others.length ? others : undefined, vscode.ConfigurationTarget.Global);
}
