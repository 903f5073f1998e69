import * as vscode from 'vscode';
import type { WrapperCardFacts } from './wrapperCard';

/**
 * The card's actions, as items in the cell's status bar. Notebook outputs cannot run an extension's
 * commands (VS Code follows `command:` links in outputs only for a fixed list of its own), so the
 * links live here, under the cell, read from the card's output metadata (kept in the .ipynb too).
 */
export class WrapperCardActions implements vscode.NotebookCellStatusBarItemProvider {
  provideCellStatusBarItems(cell: vscode.NotebookCell): vscode.NotebookCellStatusBarItem[] {
    const facts = cardFactsOf(cell);
    if (!facts) return [];
    const item = (text: string, tooltip: string, command: vscode.Command) => {
      const statusItem = new vscode.NotebookCellStatusBarItem(text, vscode.NotebookCellStatusBarAlignment.Left);
      statusItem.tooltip = tooltip;
      statusItem.command = command;
      return statusItem;
    };
    return [
      item('$(eye) Show in MLflow Explorer', `Refresh the MLflow explorer and show it: run ${facts.run_id}`, { title: 'Show in MLflow Explorer', command: 'phi3Mlflow.showLoggedModel', arguments: [facts] }),
      // A model without an ONNX folder (a transformers pipeline) has nothing the local chat can run.
      ...(facts.onnx_folder
        ? [item('$(comment-discussion) Test in Chat', `Chat with the wrapped ONNX model (${facts.onnx_folder})`, { title: 'Test in Chat', command: 'phi3Mlflow.openChat', arguments: [facts.onnx_folder] })]
        : []),
      item('$(copy) Copy Model URI', facts.model_uri, { title: 'Copy Model URI', command: 'phi3Mlflow.copyLoggedModelUri', arguments: [facts] }),
      item('$(versions) Register…', 'Register this logged model as a new version of a registered model', { title: 'Register…', command: 'phi3Mlflow.registerLoggedModel', arguments: [facts] }),
    ];
  }
}

export function cardFactsOf(cell: vscode.NotebookCell): WrapperCardFacts | undefined {
  for (const output of cell.outputs) {
    const facts = ((output.metadata?.ipynb as { metadata?: { phi3_mlflow?: WrapperCardFacts } } | undefined)?.metadata?.phi3_mlflow);
    if (facts?.model_uri) return facts;
  }
  return undefined;
}
