import * as vscode from 'vscode';
import { type CellData, type CellOutputData, parseNotebook, serializeNotebook } from './ipynb';

/** The extension's own notebook type: `.ipynb` files, opened by choice ("Reopen Editor With…"). */
export const notebookType = 'phi3-mlflow-notebook';
/** The Jupyter extension's notebook type, for which the controller is offered too. */
export const jupyterNotebookType = 'jupyter-notebook';

/** Turns the plain shapes of ipynb.ts into the API's classes and back; the format itself lives there. */
export class IpynbSerializer implements vscode.NotebookSerializer {
  deserializeNotebook(content: Uint8Array): vscode.NotebookData {
    const parsed = parseNotebook(content);
    const data = new vscode.NotebookData(parsed.cells.map(toCellData));
    data.metadata = parsed.metadata;
    return data;
  }

  serializeNotebook(data: vscode.NotebookData): Uint8Array {
    return serializeNotebook({
      metadata: data.metadata,
      cells: data.cells.map((cell) => ({
        kind: cell.kind as number,
        value: cell.value,
        languageId: cell.languageId,
        metadata: cell.metadata,
        executionSummary: cell.executionSummary,
        outputs: (cell.outputs ?? []).map((output) => ({
          items: output.items.map((item) => ({ mime: item.mime, data: item.data })),
          metadata: output.metadata,
        })),
      })),
    });
  }
}

export function toCellData(cell: CellData): vscode.NotebookCellData {
  const data = new vscode.NotebookCellData(cell.kind as number as vscode.NotebookCellKind, cell.value, cell.languageId);
  data.metadata = cell.metadata;
  data.outputs = (cell.outputs ?? []).map(toCellOutput);
  if (cell.executionSummary) data.executionSummary = cell.executionSummary;
  return data;
}

export function toCellOutput(output: CellOutputData): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput(
    output.items.map((item) => new vscode.NotebookCellOutputItem(item.data, item.mime)),
    output.metadata,
  );
}
