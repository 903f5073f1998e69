import * as vscode from 'vscode';
import * as commands from './commands';
import { affectsTrackingUri } from './config';
import type { ConnectionState } from './connectionState';
import { Ctx } from './context';
import { EmptyTreeDataProvider } from './views/emptyTreeDataProvider';

/** What activate() returns: read by the in-host tests, and by other extensions that depend on this one. */
export interface Phi3MlflowApi {
  readonly connection: () => ConnectionState;
  readonly statusBarText: () => string;
}

export function activate(context: vscode.ExtensionContext): Phi3MlflowApi {
  const ctx = new Ctx();
  context.subscriptions.push(ctx);

  const register = (id: string, factory: commands.CommandFactory) =>
    context.subscriptions.push(vscode.commands.registerCommand(`phi3Mlflow.${id}`, factory(ctx)));
  register('connect', commands.connect);
  register('openInBrowser', commands.openInBrowser);
  register('showLog', commands.showLog);

  for (const view of ['phi3Mlflow.experiments', 'phi3Mlflow.models']) {
    context.subscriptions.push(vscode.window.registerTreeDataProvider(view, new EmptyTreeDataProvider()));
  }

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (affectsTrackingUri(event)) void ctx.connectToConfigured().catch(() => undefined);
    }),
  );
  // The probe runs in the background: activation never waits on the network.
  void ctx.connectToConfigured().catch(() => undefined);
  ctx.log.info(`Phi-3 MLflow ${context.extension.packageJSON.version as string} activated`);

  return {
    connection: () => ctx.connection,
    statusBarText: () => ctx.statusBarText,
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
