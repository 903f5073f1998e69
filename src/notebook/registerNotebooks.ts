import * as vscode from 'vscode';
import type { Ctx } from '../context';
import { newWrapperNotebook } from './newWrapperNotebook';
import { NotebookKernels } from './notebookController';
import { IpynbSerializer, jupyterNotebookType, notebookType } from './notebookSerializer';
import type { WrapperCardFacts } from './wrapperCard';
import { trustedCardFacts, WrapperCardActions } from './wrapperCardActions';
import { registerWrapperCellEditing } from './wrapperCellEditing';
import { registerLoggedModel } from './registerLoggedModel';
import { errorMessage } from '../errorMessage';

/** Everything the notebook support registers, as one Disposable for extension.ts to keep. */
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
    vscode.commands.registerCommand('phi3Mlflow.restartKernel', async (arg?: unknown) => {
      const notebook = (arg as { notebookEditor?: { notebookUri?: vscode.Uri } } | undefined)?.notebookEditor?.notebookUri
        ? vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === (arg as { notebookEditor: { notebookUri: vscode.Uri } }).notebookEditor.notebookUri.toString())
        : vscode.window.activeNotebookEditor?.notebook;
      if (!notebook) {
        void vscode.window.showErrorMessage('Open a notebook first: Restart Python restarts the process of the active notebook.');
        return;
      }
      await kernels.restart(notebook);
      void vscode.window.setStatusBarMessage('Python restarted: the notebook\'s names are gone.', 4000);
    }),
    vscode.commands.registerCommand('phi3Mlflow.newWrapperNotebook', (options?: Parameters<typeof newWrapperNotebook>[0]) => newWrapperNotebook(options)),
    vscode.commands.registerCommand('phi3Mlflow.showLoggedModel', async (raw?: WrapperCardFacts) => {
      ctx.explorer.refresh();
      await vscode.commands.executeCommand('workbench.view.extension.phi3Mlflow');
      if (!raw) return;
      const facts = trustedCardFacts(raw);
      void vscode.window.setStatusBarMessage(`Logged model ${facts.model_uri}: run ${facts.run_id} in experiment ${facts.experiment_id}`, 8000);
    }),
    vscode.commands.registerCommand('phi3Mlflow.registerLoggedModel', async (facts?: WrapperCardFacts, nameArg?: string) => {
      try {
        return facts ? await registerLoggedModel(ctx, trustedCardFacts(facts), nameArg) : undefined;
      } catch (error) {
        void vscode.window.showErrorMessage(errorMessage(error));
        return undefined;
      }
    }),
    vscode.commands.registerCommand('phi3Mlflow.copyLoggedModelUri', async (raw?: WrapperCardFacts) => {
      if (!raw) return;
      const facts = trustedCardFacts(raw);
      await vscode.env.clipboard.writeText(facts.model_uri);
      void vscode.window.setStatusBarMessage(`Copied ${facts.model_uri}`, 3000);
    }),
  );
  return Object.assign(disposable, { kernels });
}
