import * as vscode from 'vscode';
import type { ConnectionState } from './connectionState';

/** The status bar item that says which server is active and in what state; clicking it connects. */
export class ConnectionStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('phi3Mlflow.connection', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = 'MLflow Connection';
    this.item.command = 'phi3Mlflow.connect';
    this.show({ kind: 'disconnected' });
    this.item.show();
  }

  show(state: ConnectionState): void {
    switch (state.kind) {
      case 'disconnected':
        this.item.text = '$(debug-disconnect) MLflow';
        this.item.tooltip = 'Not connected to an MLflow tracking server. Click to connect.';
        this.item.backgroundColor = undefined;
        break;
      case 'connecting':
        this.item.text = `$(sync~spin) MLflow ${state.uri.original}`;
        this.item.tooltip = `Connecting to ${state.uri.original}…`;
        this.item.backgroundColor = undefined;
        break;
      case 'connected':
        this.item.text = `$(pass) MLflow ${state.server.version}`;
        this.item.tooltip = `Connected to ${state.uri.original} (MLflow ${state.server.version}). Click to connect to another server.`;
        this.item.backgroundColor = undefined;
        break;
      case 'unreachable':
        this.item.text = '$(warning) MLflow unreachable';
        this.item.tooltip = `${state.message}. Click to connect.`;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        break;
    }
  }

  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    this.item.dispose();
  }
}
