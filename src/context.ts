import * as vscode from 'vscode';
import type { MetricChartsPanel } from './charts/metricChartsPanel';
import type { OnnxLogPanel } from './onnxLog/onnxLogPanel';
import type { ChatPanel } from './chat/chatPanel';
import { configuredTrackingUri, ignoredSettings, requestTimeoutSeconds, savedConnection } from './config';
import type { AuthKind, ConnectionState } from './connectionState';
import { authKindOf, CredentialStore } from './credentials';
import { MlflowClient } from './mlflow/client';
import { authFromEnvironment, type MlflowAuth, tlsFromEnvironment } from './mlflow/connection';
import { MlflowError } from './mlflow/errors';
import { TraceBatcher } from './mlflow/traces/traceBatcher';
import { parseTrackingUri } from './mlflow/trackingUri';
import { ServedModels } from './servedModels';
import { ConnectionStatusBar } from './statusBar';
import { ArtifactDocumentProvider } from './views/artifactDocuments';
import { Explorer } from './views/explorer';
import { TraceDocumentProvider } from './views/traceDocuments';
import { PanelSlot } from './webview/panelSlot';
import { errorMessage } from './errorMessage';

/**
 * The one object the commands and views share: the log, the connection, its client and what shows it.
 * Commands are factories over it (see commands/commandFactory.ts); nothing else holds global state.
 */
export class Ctx implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel('Phi-3 MLflow', { log: true });
  readonly credentials: CredentialStore;
  private readonly statusBar = new ConnectionStatusBar();
  private readonly stateChanged = new vscode.EventEmitter<ConnectionState>();
  readonly onDidChangeConnection = this.stateChanged.event;
  private current: ConnectionState = { kind: 'disconnected' };
  private mlflow: MlflowClient | undefined;
  /** Each connect attempt gets a number, so the answer of a slow, superseded probe is dropped. */
  private attempt = 0;
  /** The connection's one TraceBatcher (chat answers' traces), made on first use for the client it writes with. */
  private traceWriter: { readonly client: MlflowClient; readonly batcher: TraceBatcher } | undefined;

  /** The Experiments and Models trees; reloaded whenever the connection changes. */
  readonly explorer: Explorer;
  /** Artifact text for the read-only `mlflow-artifact:` editors. */
  readonly artifactDocuments: ArtifactDocumentProvider;
  /** Trace text for the read-only `mlflow-trace:` editors. */
  readonly traceDocuments: TraceDocumentProvider;
  /** The metric charts panel: one at a time, a new one replaces it. */
  readonly metricCharts = new PanelSlot<MetricChartsPanel>();
  /** The "Log ONNX Folder as MLflow Model…" form: one at a time (a new one replaces it unless it is logging). */
  readonly onnxLog = new PanelSlot<OnnxLogPanel>();
  /** The open chat panels, the one opened or focused last at the end (their saved chats and settings are kept; the startup chat and Use in Chat look for them). */
  readonly chatPanels = new Set<ChatPanel>();
  /** The models served from this window (Serve This Model): stopped when the extension deactivates. */
  readonly served = new ServedModels();

  constructor(readonly extension: vscode.ExtensionContext) {
    this.credentials = new CredentialStore(extension.secrets);
    this.explorer = new Explorer(() => this.client, this.log, { timeLimitSeconds: requestTimeoutSeconds });
    this.artifactDocuments = new ArtifactDocumentProvider(() => this.client);
    this.traceDocuments = new TraceDocumentProvider(() => this.client);
  }

  get connection(): ConnectionState {
    return this.current;
  }

  /** The client of the connected server; undefined unless connected. */
  get client(): MlflowClient | undefined {
    return this.current.kind === 'connected' ? this.mlflow : undefined;
  }

  /**
   * The connected server and the credentials its client calls with, as resolved once at connect
   * (savedAuth): the notebook's Python gets the same. Undefined unless connected.
   */
  get activeConnection(): { readonly uri: string; readonly auth: MlflowAuth } | undefined {
    const client = this.client;
    return client && this.current.kind === 'connected' ? { uri: this.current.uri.original, auth: client.connection.auth } : undefined;
  }

  /**
   * The connected server's client and its one TraceBatcher, which every chat panel's traces go
   * through; undefined unless connected. A new connection gets a new batcher, and the old one is
   * flushed, then disposed, in the background.
   */
  get traceConnection(): { readonly client: MlflowClient; readonly batcher: TraceBatcher } | undefined {
    const client = this.client;
    if (!client) return undefined;
    if (this.traceWriter?.client !== client) {
      this.closeTraceWriter();
      const batcher = new TraceBatcher(client.traces, {
        onLogged: (info) => this.log.debug(`Trace ${info.traceId} logged to experiment ${info.experimentId}`),
        onFailure: (failure) => this.log.warn(failure.message),
      });
      this.traceWriter = { client, batcher };
    }
    return this.traceWriter;
  }

  private closeTraceWriter(): void {
    const writer = this.traceWriter;
    this.traceWriter = undefined;
    if (writer) void writer.batcher.flush().finally(() => writer.batcher.dispose());
  }

  /**
   * On deactivation: the traces still queued get up to `withinMs` to be sent, then the batcher
   * stops (what is left is reported, and logged, as not sent).
   */
  async flushTraces(withinMs = 3000): Promise<void> {
    const writer = this.traceWriter;
    if (!writer) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([writer.batcher.flush(), new Promise<void>((resolveLater) => (timer = setTimeout(resolveLater, withinMs)))]);
    clearTimeout(timer);
    await writer.batcher.dispose();
  }

  /** The client, or an error a command can show: "connect first". */
  requireClient(): MlflowClient {
    const client = this.client;
    if (!client) throw new Error('Connect to an MLflow tracking server first (MLflow: Connect to Tracking Server…).');
    return client;
  }

  /** After Disconnect, the configured server (or MLFLOW_TRACKING_URI) is not connected again until the user connects. */
  private get userDisconnected(): boolean {
    return this.extension.globalState.get<boolean>('phi3Mlflow.disconnected', false);
  }

  /** Connects to the configured server, if there is one; called at activation and when the setting changes. */
  async connectToConfigured(): Promise<ConnectionState> {
    const raw = configuredTrackingUri();
    if (!raw || this.userDisconnected) {
      if (this.current.kind !== 'disconnected') this.setState({ kind: 'disconnected' });
      return this.current;
    }
    // Saving the URI after a successful connect lands here too: do not probe the same server twice.
    if ((this.current.kind === 'connected' || this.current.kind === 'connecting') && this.current.uri.original === raw.trim())
      return this.current;
    return this.connect(raw);
  }

  /**
   * Probes the server, then makes one authenticated call so a wrong password shows as "auth failed"
   * rather than as a tree full of errors. Without `auth`, a saved connection's credentials are used,
   * else MLflow's own conventions (MLFLOW_TRACKING_USERNAME/PASSWORD/TOKEN) for the environment's server.
   */
  async connect(raw: string, auth?: MlflowAuth): Promise<ConnectionState> {
    let uri;
    try {
      uri = parseTrackingUri(raw);
    } catch (error) {
      // A refused URI leaves the current connection as it is.
      this.log.error(`Tracking URI refused: ${errorMessage(error)}`);
      throw error;
    }
    await this.extension.globalState.update('phi3Mlflow.disconnected', undefined);
    const attempt = ++this.attempt;
    this.setState({ kind: 'connecting', uri });
    const resolvedAuth = auth ?? (await this.savedAuth(uri.original));
    let next: ConnectionState;
    let client: MlflowClient | undefined;
    if (!resolvedAuth) {
      const authKind = savedConnection(uri.original)?.auth ?? 'none';
      next = {
        kind: 'authFailed',
        uri,
        authKind,
        message: `No saved ${authKind === 'token' ? 'token' : 'password'} for ${uri.original}: connect again to sign in`,
      };
    } else {
      try {
        // The time the explorer waits for one answer (phi3Mlflow.requestTimeoutSeconds): a slow server
        // shows "Still loading…" (cancellable), then an error node with Retry, never a frozen tree.
        client = new MlflowClient(
          { uri, auth: resolvedAuth, tls: tlsFromEnvironment() },
          { timeoutMs: requestTimeoutSeconds() * 1000, maxRetries: 1 },
        );
        // Both with the credentials: a basic-auth server refuses even /version without them.
        const server = { version: await client.serverVersion() };
        await client.experiments.searchPage({ maxResults: 1 });
        next = { kind: 'connected', uri, server, authKind: authKindOf(resolvedAuth) };
        this.log.info(`Connected to ${uri.original} (MLflow ${server.version}, auth: ${authKindOf(resolvedAuth)})`);
      } catch (error) {
        const message = errorMessage(error);
        next =
          error instanceof MlflowError && (error.status === 401 || error.status === 403)
            ? { kind: 'authFailed', uri, message, authKind: authKindOf(resolvedAuth) }
            : { kind: 'unreachable', uri, message };
        client?.retire();
        client = undefined;
      }
    }
    if (next.kind !== 'connected') this.log.warn(next.message);
    if (attempt === this.attempt) {
      this.useClient(client);
      this.setState(next);
    } else client?.retire();
    return next;
  }

  private async savedAuth(uri: string): Promise<MlflowAuth | undefined> {
    const saved = savedConnection(uri);
    if (saved) return this.credentials.get(uri, saved.auth);
    if (process.env.MLFLOW_TRACKING_URI?.trim() === uri) return authFromEnvironment();
    return { kind: 'none' };
  }

  /** A changed request time limit takes effect by connecting again (the client is made with it). */
  async applyRequestTimeout(): Promise<void> {
    const state = this.current;
    if (state.kind === 'connected') await this.connect(state.uri.original);
  }

  async disconnect(): Promise<void> {
    this.attempt++;
    await this.extension.globalState.update('phi3Mlflow.disconnected', true);
    this.useClient(undefined);
    this.setState({ kind: 'disconnected' });
    this.log.info('Disconnected');
  }

  /** The client every view uses from now on; the one it replaces closes its sockets as its calls end. */
  private useClient(client: MlflowClient | undefined): void {
    if (this.mlflow !== client) {
      this.closeTraceWriter();
      this.mlflow?.retire();
    }
    this.mlflow = client;
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    this.statusBar.show(state);
    void vscode.commands.executeCommand('setContext', 'phi3Mlflow.connected', state.kind === 'connected');
    this.explorer.refresh();
    this.stateChanged.fire(state);
  }

  private ignored: readonly string[] = [];
  /** Each re-read gets a number, so a slower earlier one does not overwrite a later answer. */
  private ignoredReads = 0;

  /** Re-reads which workspace settings Restricted Mode ignores, for the status bar; returns the ones ignored until now. */
  async updateIgnoredSettings(): Promise<readonly string[]> {
    const read = ++this.ignoredReads;
    const before = this.ignored;
    const now = await ignoredSettings();
    if (read !== this.ignoredReads) return before;
    this.ignored = now;
    if (now.length && now.join() !== before.join()) this.log.info(`Restricted Mode: workspace values ignored for ${now.join(', ')}`);
    this.statusBar.setIgnoredSettings(now);
    return before;
  }

  get statusBarText(): string {
    return this.statusBar.text;
  }

  get statusBarTooltip(): string {
    return this.statusBar.tooltip;
  }

  dispose(): void {
    void this.traceWriter?.batcher.dispose();
    // deactivate() stopped the servers gracefully; what is left (a stop that did not finish) is killed now.
    this.served.dispose();
    this.explorer.dispose();
    this.artifactDocuments.dispose();
    this.traceDocuments.dispose();
    this.statusBar.dispose();
    this.stateChanged.dispose();
    this.log.dispose();
  }
}

export type { AuthKind };
