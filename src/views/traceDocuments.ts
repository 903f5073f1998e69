import * as vscode from 'vscode';
import type { MlflowClient } from '../mlflow/client';
import { type TraceDocument, traceDocumentText } from './traceDocumentText';

/** The virtual document scheme that shows a trace read-only: `mlflow-trace:/<trace id>.txt`. */
export const traceScheme = 'mlflow-trace';

export function traceDocumentUri(traceId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: traceScheme, path: `/${traceId}.txt` });
}

function traceIdOfUri(uri: vscode.Uri): string {
  const match = /^\/([^/]+)\.txt$/.exec(uri.path);
  if (!match) throw new Error(`Not an MLflow trace: ${uri.toString()}`);
  return match[1]!;
}

/**
 * Serves a trace's text (traceDocumentText.ts) to read-only editors: fetched with its spans once
 * while the document is open; closing the document forgets it, so opening it again reads the server.
 */
export class TraceDocumentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly cache = new Map<string, TraceDocument>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly clientOf: () => MlflowClient | undefined) {
    this.subscription = vscode.workspace.onDidCloseTextDocument((document) => this.cache.delete(document.uri.toString()));
  }

  /** Fetches the trace (throwing the server's message), so a command can report it before opening. */
  async load(uri: vscode.Uri, signal?: AbortSignal): Promise<TraceDocument> {
    const key = uri.toString();
    const cached = this.cache.get(key);
    if (cached) return cached;
    const client = this.clientOf();
    if (!client) throw new Error('Connect to an MLflow tracking server to open its traces.');
    const document = traceDocumentText(await client.traces.get(traceIdOfUri(uri), signal));
    this.cache.set(key, document);
    return document;
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    return (await this.load(uri)).text;
  }

  dispose(): void {
    this.subscription.dispose();
    this.cache.clear();
  }
}
