import * as vscode from 'vscode';
import { configuredTrackingUri, saveTrackingUri } from './config';
import type { ConnectionState } from './connectionState';
import type { Ctx } from './context';
import { parseTrackingUri } from './mlflow/trackingUri';

/** Commands are factories over the shared context: `(ctx) => handler`, registered in extension.ts. */
export type CommandFactory = (ctx: Ctx) => (...args: unknown[]) => unknown;

const defaultLocalServer = 'http://127.0.0.1:5000';

/**
 * Asks for a tracking URI (or takes one as argument, as links and tests pass it), checks the server
 * answers, and saves the URI in settings only once it does, so a typo never replaces a working server.
 */
export const connect: CommandFactory = (ctx) => async (arg?: unknown): Promise<ConnectionState | undefined> => {
  const raw =
    typeof arg === 'string'
      ? arg
      : await vscode.window.showInputBox({
          title: 'Connect to an MLflow Tracking Server',
          prompt: 'The tracking server\'s address, as in MLFLOW_TRACKING_URI',
          value: configuredTrackingUri() ?? defaultLocalServer,
          ignoreFocusOut: true,
          validateInput: (value) => {
            try {
              parseTrackingUri(value);
              return undefined;
            } catch (error) {
              return (error as Error).message;
            }
          },
        });
  if (raw === undefined) return undefined;
  let state: ConnectionState;
  try {
    state = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Connecting to ${raw.trim()}…` },
      () => ctx.connect(raw),
    );
  } catch (error) {
    void vscode.window.showErrorMessage((error as Error).message);
    return ctx.connection;
  }
  if (state.kind === 'connected') {
    await saveTrackingUri(state.uri.original);
  } else if (state.kind === 'unreachable') {
    void vscode.window.showErrorMessage(state.message);
  }
  return state;
};

export const openInBrowser: CommandFactory = (ctx) => async (): Promise<void> => {
  const state = ctx.connection;
  if (state.kind !== 'connected') {
    void vscode.window.showInformationMessage('Connect to an MLflow tracking server first.');
    return;
  }
  await vscode.env.openExternal(vscode.Uri.parse(`${state.uri.restBase}/`));
};

export const showLog: CommandFactory = (ctx) => (): void => {
  ctx.log.show(true);
};
