import * as vscode from 'vscode';
import { configuredTrackingUri } from './config';
import type { ConnectionState } from './connectionState';
import { probeServer } from './mlflow/serverProbe';
import { parseTrackingUri } from './mlflow/trackingUri';
import { ConnectionStatusBar } from './statusBar';

/**
 * The one object the commands and views share: the log, the connection and what shows it.
 * Commands are factories over it (see commands.ts); nothing else holds global state.
 */
export class Ctx implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel('Phi-3 MLflow', { log: true });
  private readonly statusBar = new ConnectionStatusBar();
  private readonly stateChanged = new vscode.EventEmitter<ConnectionState>();
  readonly onDidChangeConnection = this.stateChanged.event;
  private current: ConnectionState = { kind: 'disconnected' };
  /** Each connect attempt gets a number, so the answer of a slow, superseded probe is dropped. */
  private attempt = 0;

  get connection(): ConnectionState {
    return this.current;
  }

  /** Connects to the configured server, if there is one; called at activation and when the setting changes. */
  async connectToConfigured(): Promise<ConnectionState> {
    const raw = configuredTrackingUri();
    if (!raw) {
      this.setState({ kind: 'disconnected' });
      return this.current;
    }
    // Saving the URI after a successful connect lands here too: do not probe the same server twice.
    if (this.current.kind === 'connected' && this.current.uri.original === raw.trim()) return this.current;
    return this.connect(raw);
  }

  async connect(raw: string): Promise<ConnectionState> {
    let uri;
    try {
      uri = parseTrackingUri(raw);
    } catch (error) {
      // A refused URI leaves the current connection as it is.
      this.log.error(`Tracking URI refused: ${(error as Error).message}`);
      throw error;
    }
    const attempt = ++this.attempt;
    this.setState({ kind: 'connecting', uri });
    let next: ConnectionState;
    try {
      const server = await probeServer(uri);
      next = { kind: 'connected', uri, server };
      this.log.info(`Connected to ${uri.original} (MLflow ${server.version})`);
    } catch (error) {
      next = { kind: 'unreachable', uri, message: (error as Error).message };
      this.log.warn(next.message);
    }
    if (attempt === this.attempt) this.setState(next);
    return next;
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    this.statusBar.show(state);
    void vscode.commands.executeCommand('setContext', 'phi3Mlflow.connected', state.kind === 'connected');
    this.stateChanged.fire(state);
  }

  get statusBarText(): string {
    return this.statusBar.text;
  }

  dispose(): void {
    this.statusBar.dispose();
    this.stateChanged.dispose();
    this.log.dispose();
  }
}
