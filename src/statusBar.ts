import * as vscode from 'vscode';
import type { ConnectionState } from './connectionState';
import { ignoredSettingsNote } from './settingValues';

/** The status bar item that says which server is active and in what state; clicking it connects. */
export class ConnectionStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('phi3Mlflow.connection', vscode.StatusBarAlignment.Left, 50);
  private state: ConnectionState = { kind: 'disconnected' };
  /** Restricted settings whose workspace values are ignored (Restricted Mode): said after the state. */
  private ignored: readonly string[] = [];

  constructor() {
    this.item.name = 'MLflow Connection';
    this.item.command = 'phi3Mlflow.connect';
    this.show({ kind: 'disconnected' });
    this.item.show();
  }

  /** Says which workspace settings are ignored in Restricted Mode (none: says nothing). */
  setIgnoredSettings(ignored: readonly string[]): void {
    this.ignored = [...ignored];
    this.show(this.state);
  }

  show(state: ConnectionState): void {
    this.state = state;
    this.render(state);
    const note = ignoredSettingsNote(this.ignored);
    if (note) {
      this.item.text += note.text;
      this.item.tooltip = `${this.tooltip}\n\n${note.tooltip}`;
    }
  }

  private render(state: ConnectionState): void {
    switch (state.kind) {
      case 'disconnected':
        this.item.text = '$(debug-disconnect) MLflow';
        this.item.tooltip = 'Not connected to an MLflow tracking server. Click to connect.';
        this.item.backgroundColor = undefined;
        break;
      case 'connecting':
        this.item.text = `$(sync~spin) MLflow ${hostOf(state.uri.restBase)}`;
        this.item.tooltip = `Connecting to ${state.uri.original}…`;
        this.item.backgroundColor = undefined;
        break;
      case 'connected':
        this.item.text = `$(pass) MLflow ${state.server.version} · ${hostOf(state.uri.restBase)}`;
        this.item.tooltip = `Connected to ${state.uri.original} (MLflow ${state.server.version}${state.authKind === 'none' ? '' : `, signed in with a ${state.authKind === 'basic' ? 'username and password' : 'token'}`}). Click to connect to another server.`;
        this.item.backgroundColor = undefined;
        break;
      case 'unreachable':
        this.item.text = `$(warning) MLflow unreachable · ${hostOf(state.uri.restBase)}`;
        this.item.tooltip = `${state.message}. Click to connect.`;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        break;
      case 'authFailed':
        this.item.text = `$(lock) MLflow auth failed · ${hostOf(state.uri.restBase)}`;
        this.item.tooltip = `${state.message}. Click to sign in again.`;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
    }
  }

  get text(): string {
    return this.item.text;
  }

  get tooltip(): string {
    return typeof this.item.tooltip === 'string' ? this.item.tooltip : (this.item.tooltip?.value ?? '');
  }

  dispose(): void {
    this.item.dispose();
  }
}

/** `host:port[/path]` of a server: short enough for the status bar. */
function hostOf(restBase: string): string {
  return restBase.replace(/^https?:\/\//, '');
}
