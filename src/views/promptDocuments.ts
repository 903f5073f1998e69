import * as vscode from 'vscode';
import { formatPromptFile } from '../formats/phi3PromptFile';
import type { MlflowClient } from '../mlflow/client';

/**
 * The virtual document scheme that shows a prompt version's template read-only:
 * `mlflow-prompt:/<name>/<version>.phi3prompt`, so the editor highlights it as a `.phi3prompt`
 * file (a chat prompt in Phi-3's markup), which Register Prompt… reads back the same.
 */
export const promptScheme = 'mlflow-prompt';

export function promptDocumentUri(name: string, version: string): vscode.Uri {
  return vscode.Uri.from({ scheme: promptScheme, path: `/${name}/${version}.phi3prompt` });
}

export function promptOfUri(uri: vscode.Uri): { name: string; version: string } {
  const match = /^\/([^/]+)\/([0-9]+)\.phi3prompt$/.exec(uri.path);
  if (!match) throw new Error(`Not a prompt version: ${uri.toString()}`);
  return { name: match[1]!, version: match[2]! };
}

/** Serves prompt templates to read-only editors; the editor keeps the text while the document is open. */
export class PromptDocumentProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly clientOf: () => MlflowClient | undefined) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const client = this.clientOf();
    if (!client) throw new Error('Connect to an MLflow tracking server to open its prompts.');
    const { name, version } = promptOfUri(uri);
    return formatPromptFile((await client.prompts.getVersion(name, version)).template);
  }
}
