/** Notebooks in the host's workspace, opened with this extension's controller, and their cells' outputs. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';

export const notebookType = 'phi3-mlflow-notebook';
export const errorMime = 'application/vnd.code.notebook.error';
export const stdoutMime = 'application/vnd.code.notebook.stdout';

export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the host runs with a workspace folder');
  return vscode.Uri.joinPath(folder.uri, name);
}

/** Writes a notebook of code cells (language per cell) and opens it in the extension's notebook editor with its controller. */
export async function openNotebook(name: string, cells: { code: string; language?: string }[]): Promise<vscode.NotebookDocument> {
  const uri = workspaceFile(name);
  const json = {
    cells: cells.map((c, i) => ({
      cell_type: 'code',
      execution_count: null,
      id: `cell${i}`,
      metadata: c.language ? { vscode: { languageId: c.language } } : {},
      outputs: [],
      source: c.code,
    })),
    metadata: { language_info: { name: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  writeFileSync(uri.fsPath, JSON.stringify(json, null, 1) + '\n');
  return openWithOurs(uri);
}

export async function openWithOurs(uri: vscode.Uri): Promise<vscode.NotebookDocument> {
  await vscode.commands.executeCommand('vscode.openWith', uri, notebookType);
  const notebook = await waitFor(
    () => vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === uri.toString() && n.notebookType === notebookType),
    'the notebook to open',
  );
  await vscode.commands.executeCommand('notebook.selectKernel', { id: 'phi3-mlflow-python', extension: 'phi3-mlflow.phi3-mlflow' });
  return notebook;
}

export async function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function startCell(notebook: vscode.NotebookDocument, index: number): void {
  void vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: index, end: index + 1 }], document: notebook.uri });
}

export const finished = (cell: vscode.NotebookCell) => cell.executionSummary?.timing?.endTime !== undefined;

export async function runCell(notebook: vscode.NotebookDocument, index: number, timeoutMs = 60_000): Promise<vscode.NotebookCell> {
  // A new end time marks this run's end (the order number starts again after a restart).
  const before = notebook.cellAt(index).executionSummary?.timing?.endTime;
  startCell(notebook, index);
  return waitFor(
    () => {
      const cell = notebook.cellAt(index);
      return finished(cell) && cell.executionSummary?.timing?.endTime !== before ? cell : undefined;
    },
    `cell ${index} to run`,
    timeoutMs,
  );
}

export const text = (data: Uint8Array) => new TextDecoder().decode(data);
export const itemsOf = (cell: vscode.NotebookCell) => cell.outputs.flatMap((o) => o.items);
export const stdoutOf = (cell: vscode.NotebookCell) =>
  itemsOf(cell)
    .filter((i) => i.mime === stdoutMime)
    .map((i) => text(i.data))
    .join('');
export const errorOf = (cell: vscode.NotebookCell) => {
  const item = itemsOf(cell).find((i) => i.mime === errorMime);
  return item ? (JSON.parse(text(item.data)) as { name: string; message: string; stack: string }) : undefined;
};

/**
 * Resolves with what `probe` finds once the notebook holds it: looked at now and after each change
 * to the notebook (outputs, execution summaries), so nothing waits longer than the change itself.
 */
export function whenNotebook<T>(
  notebook: vscode.NotebookDocument,
  probe: () => T | undefined | false,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const look = () => {
      const value = probe();
      if (!value) return;
      done();
      resolve(value);
    };
    const listener = vscode.workspace.onDidChangeNotebookDocument((event) => {
      if (event.notebook === notebook) look();
    });
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const done = () => {
      listener.dispose();
      clearTimeout(timer);
    };
    look();
  });
}

/** Asks VS Code to run cells [start, end) as one request; resolves when the controller has handled all of them. */
export function executeCells(notebook: vscode.NotebookDocument, start: number, end: number): Thenable<unknown> {
  return vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start, end }], document: notebook.uri });
}
