import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';

/** The context key listing the workspace's onnxruntime-genai folders, as `resourcePath` has them (package.json's when clauses). */
export const onnxFoldersContextKey = 'phi3Mlflow.onnxFolders';

/** The workspace's onnxruntime-genai model folders: those holding genai_config.json, sorted. */
export async function findOnnxFolders(): Promise<string[]> {
  const configs = await vscode.workspace.findFiles('**/genai_config.json', '**/node_modules/**', 100);
  return [...new Set(configs.map((uri) => dirname(uri.fsPath)))].sort();
}

/**
 * Keeps `phi3Mlflow.onnxFolders` up to date as genai_config.json files come and go, so "Log ONNX
 * Folder as MLflow Model…" shows in the file explorer on those folders only. (Test in Chat's key,
 * `phi3Mlflow.modelFolders`, also lists transformers.js folders, which the wrapper cannot run.)
 */
export class OnnxFolderContext implements vscode.Disposable {
  private found: readonly string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly changed = new vscode.EventEmitter<readonly string[]>();
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher('**/genai_config.json', false, true, false);
    // A folder copied or unpacked into the workspace: on Linux the watcher can see the new folder and
    // miss the files written into it before it watched it (inotify watches each folder as it appears),
    // so a created folder is searched too. Deleted folders take their genai_config.json events along.
    const created = vscode.workspace.createFileSystemWatcher('**/*', false, true, false);
    this.subscriptions = [
      watcher,
      created,
      watcher.onDidCreate(() => this.update()),
      watcher.onDidDelete(() => this.update()),
      created.onDidCreate((uri) => void this.updateIfFolder(uri)),
      created.onDidDelete((uri) => {
        if (this.found.some((folder) => folder === uri.fsPath || folder.startsWith(`${uri.fsPath}/`))) this.update();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.update()),
      this.changed,
    ];
    this.update();
  }

  /** The folders as last found. */
  get folders(): readonly string[] {
    return this.found;
  }

  private async updateIfFolder(uri: vscode.Uri): Promise<void> {
    if (basename(uri.fsPath) === 'genai_config.json') return; // the first watcher has it
    const isFolder = await stat(uri.fsPath).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
    if (isFolder) this.update();
  }

  private update(): void {
    clearTimeout(this.timer);
    // A copy or checkout makes many files at once: one search after they settle.
    this.timer = setTimeout(() => {
      void findOnnxFolders().then(async (folders) => {
        this.found = folders;
        await vscode.commands.executeCommand(
          'setContext',
          onnxFoldersContextKey,
          folders.map((folder) => vscode.Uri.file(folder).path),
        );
        this.changed.fire(folders);
      });
    }, 300);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscriptions.forEach((s) => s.dispose());
  }
}
