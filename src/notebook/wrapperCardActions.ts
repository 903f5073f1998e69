import * as vscode from 'vscode';
import { cardActionsFor, checkedCardFacts, type WrapperCardFacts } from './wrapperCard';

/**
 * The card's actions, as items in the cell's status bar. Notebook outputs cannot run an extension's
 * commands (VS Code follows `command:` links in outputs only for a fixed list of its own), so the
 * links live here, under the cell, read from the card's output metadata (kept in the .ipynb too).
 */
export class WrapperCardActions implements vscode.NotebookCellStatusBarItemProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCellStatusBarItems = this.changed.event;
  /** Once the folder is trusted, the cards' actions appear. */
  private readonly trustGranted = vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire());

  provideCellStatusBarItems(cell: vscode.NotebookCell): vscode.NotebookCellStatusBarItem[] {
    const allowed = cardActionsFor(rawCardFactsOf(cell), vscode.workspace.isTrusted);
    if (!allowed) return [];
    if (allowed.kind === 'untrusted') {
      const statusItem = new vscode.NotebookCellStatusBarItem(
        '$(workspace-untrusted) Card actions need a trusted folder',
        vscode.NotebookCellStatusBarAlignment.Left,
      );
      statusItem.tooltip =
        'This card was read from the notebook file: its actions (Register…, Test in Chat) run only once you trust the folder.';
      statusItem.command = { title: 'Manage Workspace Trust', command: 'workbench.trust.manage' };
      return [statusItem];
    }
    if (allowed.kind === 'refused') {
      const statusItem = new vscode.NotebookCellStatusBarItem(
        '$(warning) Card actions unavailable',
        vscode.NotebookCellStatusBarAlignment.Left,
      );
      statusItem.tooltip = `The card's saved details were refused: ${allowed.problem}.`;
      return [statusItem];
    }
    const facts = allowed.facts;
    const item = (text: string, tooltip: string, command: vscode.Command) => {
      const statusItem = new vscode.NotebookCellStatusBarItem(text, vscode.NotebookCellStatusBarAlignment.Left);
      statusItem.tooltip = tooltip;
      statusItem.command = command;
      return statusItem;
    };
    return [
      item('$(eye) Show in MLflow Explorer', `Refresh the MLflow explorer and show it: run ${facts.run_id}`, {
        title: 'Show in MLflow Explorer',
        command: 'phi3Mlflow.showLoggedModel',
        arguments: [facts],
      }),
      // A model without an ONNX folder (a transformers pipeline) has nothing the local chat can run.
      ...(facts.onnx_folder
        ? [
            item('$(comment-discussion) Test in Chat', `Chat with the wrapped ONNX model (${facts.onnx_folder})`, {
              title: 'Test in Chat',
              command: 'phi3Mlflow.openChat',
              arguments: [facts.onnx_folder],
            }),
          ]
        : []),
      item('$(copy) Copy Model URI', facts.model_uri, {
        title: 'Copy Model URI',
        command: 'phi3Mlflow.copyLoggedModelUri',
        arguments: [facts],
      }),
      item('$(versions) Register…', 'Register this logged model as a new version of a registered model', {
        title: 'Register…',
        command: 'phi3Mlflow.registerLoggedModel',
        arguments: [facts],
      }),
    ];
  }

  dispose(): void {
    this.trustGranted.dispose();
    this.changed.dispose();
  }
}

/** The card's facts as the output's metadata has them: unchecked (a saved file's). */
function rawCardFactsOf(cell: vscode.NotebookCell): unknown {
  for (const output of cell.outputs) {
    const facts = (output.metadata?.ipynb as { metadata?: { phi3_mlflow?: { model_uri?: unknown } } } | undefined)?.metadata?.phi3_mlflow;
    if (facts?.model_uri) return facts;
  }
  return undefined;
}

/** The card's facts, when the folder is trusted and they pass the checks (checkedCardFacts). */
export function cardFactsOf(cell: vscode.NotebookCell): WrapperCardFacts | undefined {
  const allowed = cardActionsFor(rawCardFactsOf(cell), vscode.workspace.isTrusted);
  return allowed?.kind === 'actions' ? allowed.facts : undefined;
}

/** The facts a card command was given, checked again: commands can be run with any argument. */
export function trustedCardFacts(raw: unknown): WrapperCardFacts {
  if (!vscode.workspace.isTrusted)
    throw new Error("The logged-model card's actions run only in a trusted folder: trust it first (Manage Workspace Trust).");
  const checked = checkedCardFacts(raw);
  if ('problem' in checked) throw new Error(`The logged-model card's details were refused: ${checked.problem}.`);
  return checked.facts;
}
