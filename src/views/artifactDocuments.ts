import * as vscode from 'vscode';
import { type ArtifactSource, loggedModelArtifacts, runArtifacts } from '../mlflow/artifacts';
import { readArtifactText } from '../mlflow/artifactText';
import type { MlflowClient } from '../mlflow/client';

/** The virtual document scheme that shows artifacts read-only: `mlflow-artifact:/run/<run id>/<path>` or `/model/<model id>/<path>`. */
export const artifactScheme = 'mlflow-artifact';

export function artifactDocumentUri(source: ArtifactSource, path: string): vscode.Uri {
  const owner = source.kind === 'run' ? `run/${source.runId}` : `model/${source.modelId}`;
  return vscode.Uri.from({ scheme: artifactScheme, path: `/${owner}/${path}` });
}

export function artifactOfUri(uri: vscode.Uri): { source: ArtifactSource; path: string } {
  const match = /^\/(run|model)\/([^/]+)\/(.+)$/.exec(uri.path);
  if (!match) throw new Error(`Not an MLflow artifact: ${uri.toString()}`);
  const [, kind, id, path] = match;
  return { source: kind === 'run' ? runArtifacts(id!) : loggedModelArtifacts(id!), path: path! };
}

/**
 * Serves artifact text to read-only editors. Content is kept per URI while the document is open, so
 * switching tabs does not download again; closing the document forgets it.
 */
export class ArtifactDocumentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly cache = new Map<string, string>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly clientOf: () => MlflowClient | undefined) {
    this.subscription = vscode.workspace.onDidCloseTextDocument((document) => this.cache.delete(document.uri.toString()));
  }

  /** Fetches the text (throwing the server's or the size/binary message), so a command can report it before opening. */
  async load(uri: vscode.Uri, knownSize?: number): Promise<string> {
    const key = uri.toString();
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const client = this.clientOf();
    if (!client) throw new Error('Connect to an MLflow tracking server to open its artifacts.');
    const { source, path } = artifactOfUri(uri);
    const text = await readArtifactText(client.artifacts, source, path, { knownSize });
    this.cache.set(key, text);
    return text;
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    return this.load(uri);
  }

  dispose(): void {
    this.subscription.dispose();
    this.cache.clear();
  }
}
