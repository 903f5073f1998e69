import * as vscode from 'vscode';
import type { Ctx } from '../context';
import { NotebookKernels } from './notebookController';
import { IpynbSerializer, jupyterNotebookType, notebookType } from './notebookSerializer';
import { WrapperCardActions } from './wrapperCardActions';
import { registerWrapperCellEditing } from './wrapperCellEditing';

/**
 * What the notebook support registers besides its commands (notebookCommands.ts), as one Disposable
 * for extension.ts to keep; its kernels are what those commands act on.
 */
export function registerNotebooks(ctx: Ctx): vscode.Disposable & { readonly kernels: NotebookKernels } {
  const kernels = new NotebookKernels(ctx);
  const actions = new WrapperCardActions();
  const disposable = vscode.Disposable.from(
    // Outputs are part of the file (transientOutputs false): a saved notebook keeps what its cells showed.
    vscode.workspace.registerNotebookSerializer(notebookType, new IpynbSerializer(), { transientOutputs: false }),
    kernels,
    actions,
    registerWrapperCellEditing(),
    vscode.notebooks.registerNotebookCellStatusBarItemProvider(notebookType, actions),
    vscode.notebooks.registerNotebookCellStatusBarItemProvider(jupyterNotebookType, actions),
  );
  return Object.assign(disposable, { kernels });
}
