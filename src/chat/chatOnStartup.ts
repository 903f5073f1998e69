import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { configuredTrackingUri, restrictedSetting } from '../config';
import type { ConnectionState } from '../connectionState';
import type { Ctx } from '../context';
import { notificationText } from '../views/displayName';
import type { ChatModelRef } from './chatBackend';

export const openOnStartupSetting = 'chat.openOnStartup';

/** How long a reload has to bring its chat panels back before the startup chat decides it is needed. */
const restoreGraceMs = 5_000;
/** How long an MLflow model waits for the configured server to answer at startup. */
const connectGraceMs = 60_000;

/** What `phi3Mlflow.chat.openOnStartup` names: a folder (relative to the first workspace folder) or an MLflow model URI. */
export type StartupModel = { readonly kind: 'folder'; readonly folder: string } | { readonly kind: 'mlflow'; readonly uri: string };

export function startupModelOf(value: string, workspaceFolder: string | undefined): StartupModel | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^(runs|models):\//.test(trimmed)) return { kind: 'mlflow', uri: trimmed };
  if (isAbsolute(trimmed)) return { kind: 'folder', folder: trimmed };
  return workspaceFolder ? { kind: 'folder', folder: join(workspaceFolder, trimmed) } : undefined;
}

/** True when an open chat already talks to that model (a reload brought it back): no second panel. */
function alreadyOpen(model: StartupModel, refs: readonly (ChatModelRef | undefined)[]): boolean {
  return refs.some((ref) => {
    if (ref?.kind !== 'local') return false;
    return model.kind === 'folder' ? ref.folder === model.folder : ref.mlflow?.requestedUri === model.uri;
  });
}

/**
 * A workspace can name the model its chat opens on (`phi3Mlflow.chat.openOnStartup`): the project's
 * model of record, ready to try as soon as the folder opens (the README's demo opens this way). Not
 * when a reload already brought a chat on it back; an MLflow model waits for the configured server.
 */
export async function openChatOnStartup(ctx: Ctx, open: (target: string) => Promise<unknown>): Promise<void> {
  const value = restrictedSetting<string>('chat.openOnStartup', '');
  const model = startupModelOf(value, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
  if (!model) return;
  if (!vscode.workspace.isTrusted) {
    ctx.log.info(`Startup chat on ${value} not opened: the workspace is not trusted (Restricted Mode).`);
    return;
  }
  const restored = () =>
    alreadyOpen(
      model,
      [...ctx.chatPanels].flatMap((panel) => [panel.model, panel.compareModel]),
    );
  // Said in the log either way, so whoever watches (a user, a test) knows the decision was made.
  const cameBack = () => ctx.log.info(`Startup chat on ${value} not opened: a chat on it came back with the window.`);
  for (const started = Date.now(); Date.now() - started < restoreGraceMs;) {
    if (restored()) return cameBack();
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (restored()) return cameBack();
  if (model.kind === 'mlflow') {
    const state = await settledConnection(ctx);
    if (state.kind !== 'connected') {
      void vscode.window.showWarningMessage(
        notificationText(`The chat on ${model.uri} (phi3Mlflow.chat.openOnStartup) needs an MLflow connection: ${describe(state)}.`),
      );
      return;
    }
  }
  ctx.log.info(`Opening the startup chat on ${value} (phi3Mlflow.chat.openOnStartup).`);
  await open(model.kind === 'folder' ? model.folder : model.uri);
}

/** The connection once it has stopped connecting (or the grace period has passed). */
function settledConnection(ctx: Ctx): Promise<ConnectionState> {
  const pending = ctx.connection.kind === 'connecting' || (ctx.connection.kind === 'disconnected' && configuredTrackingUri() !== undefined);
  if (!pending) return Promise.resolve(ctx.connection);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      resolve(ctx.connection);
    }, connectGraceMs);
    const subscription = ctx.onDidChangeConnection((state) => {
      if (state.kind === 'connecting') return;
      clearTimeout(timer);
      subscription.dispose();
      resolve(state);
    });
  });
}

function describe(state: ConnectionState): string {
  switch (state.kind) {
    case 'disconnected':
      return 'not connected to a tracking server';
    case 'connecting':
      return `still connecting to ${state.uri.original}`;
    case 'connected':
      return `connected to ${state.uri.original}`;
    case 'unreachable':
    case 'authFailed':
      return state.message;
  }
}
