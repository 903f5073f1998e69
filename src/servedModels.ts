import * as vscode from 'vscode';
import type { ModelServeProcess } from './mlflow/serving/modelServeProcess';
import { ModelServers, type ServeRequest, type ServeResult } from './mlflow/serving/modelServers';
import type { ScoringSignature } from './mlflow/scoring/scoringSignature';
import { displayName } from './views/displayName';

/**
 * The models served from this window, as the editor shows them: the servers (ModelServers, plain
 * Node), one output channel per model with its server's log, and one status bar item per server
 * ("Serving <model> :port", clicking it opens its menu). The signature each model was served
 * with is kept, so a second Serve opens the chat without asking again.
 */
export class ServedModels implements vscode.Disposable {
  readonly servers = new ModelServers();
  private readonly channels = new Map<string, vscode.OutputChannel>();
  private readonly items = new Map<string, vscode.StatusBarItem>();
  private readonly signatures = new Map<string, ScoringSignature>();
  private readonly subscription = this.servers.onDidChange(() => this.render());

  /** The output channel of a model's server ("Phi-3 MLflow: Serve <model>"), made on first use and kept across restarts. */
  channel(modelUri: string): vscode.OutputChannel {
    let channel = this.channels.get(modelUri);
    if (!channel) {
      channel = vscode.window.createOutputChannel(`Phi-3 MLflow: Serve ${displayName(modelUri)}`);
      this.channels.set(modelUri, channel);
    }
    return channel;
  }

  get(modelUri: string): ModelServeProcess | undefined {
    return this.servers.get(modelUri);
  }

  signatureOf(modelUri: string): ScoringSignature | undefined {
    return this.signatures.get(modelUri);
  }

  /** Serves the model (or answers its running server), its log going to its channel. */
  async serve(modelUri: string, request: ServeRequest, signature: ScoringSignature, signal?: AbortSignal): Promise<ServeResult> {
    const channel = this.channel(modelUri);
    const running = this.servers.get(modelUri);
    if (!running && !this.servers.isStarting(modelUri)) {
      // The command line, never the environment: it carries the connection's credentials.
      channel.appendLine(
        `[${new Date().toISOString()}] ${request.python} -m mlflow models serve -m ${modelUri} -h 127.0.0.1 -p <free port> --env-manager ${request.envManager}`,
      );
    }
    const result = await this.servers.serve(
      modelUri,
      {
        ...request,
        onOutput: (text) => channel.append(text),
        onSpawned: (pgid) => channel.appendLine(`[process group ${pgid}]`),
      },
      signal,
    );
    if (!result.reused) {
      this.signatures.set(modelUri, signature);
      result.server.onExit((description) => channel.appendLine(`[${new Date().toISOString()}] mlflow models serve ${description}`));
      this.render();
    }
    return result;
  }

  /** The status bar items' texts, for tests: one per running server. */
  get statusBarTexts(): string[] {
    return [...this.items.values()].map((item) => item.text);
  }

  private render(): void {
    const live = new Map(this.servers.servers.map((server) => [server.modelUri, server]));
    for (const [uri, item] of this.items) {
      if (!live.has(uri)) {
        item.dispose();
        this.items.delete(uri);
      }
    }
    for (const [uri, server] of live) {
      let item = this.items.get(uri);
      if (!item) {
        item = vscode.window.createStatusBarItem(`phi3Mlflow.served.${uri}`, vscode.StatusBarAlignment.Left, 49);
        item.name = `Served Model ${displayName(uri)}`;
        this.items.set(uri, item);
      }
      item.text = `$(server-process) Serving ${displayName(uri)} :${server.port}`;
      item.tooltip = `${displayName(uri)} is served at ${server.url} (mlflow models serve, --env-manager ${server.envManager}, process group ${server.pid}). Click to chat with it, show its log or stop it.`;
      item.command = { title: 'Served Model', command: 'phi3Mlflow.servedModelMenu', arguments: [uri] };
      item.show();
    }
  }

  /** Stops every server and waits for their process groups to be gone (deactivate). */
  stopAll(): Promise<void> {
    return this.servers.stopAll();
  }

  dispose(): void {
    this.subscription.dispose();
    this.servers.dispose();
    for (const item of this.items.values()) item.dispose();
    for (const channel of this.channels.values()) channel.dispose();
    this.items.clear();
    this.channels.clear();
  }
}
