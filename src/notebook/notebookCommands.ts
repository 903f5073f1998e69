import * as vscode from 'vscode';
import type { CommandFactories } from '../commands/commandFactory';
import type { Ctx } from '../context';
import { pickText } from '../views/displayName';
import { newWrapperNotebook } from './newWrapperNotebook';
import type { NotebookKernels } from './notebookController';
import { registerLoggedModel } from './registerLoggedModel';
import type { WrapperCardFacts } from './wrapperCard';
import { trustedCardFacts } from './wrapperCardActions';

/** What the notebook's commands act on: the shared context, and the Python kernels of the open notebooks. */
export interface NotebookCommandContext {
  readonly ctx: Ctx;
  readonly kernels: NotebookKernels;
}

/** The notebook's commands, for the one command table (commands/commandTable.ts); the wrapper card's buttons call most. */
export const notebookCommands: CommandFactories<NotebookCommandContext> = {
  restartKernel:
    ({ kernels }) =>
    async (arg?: unknown) => {
      const notebook = (arg as { notebookEditor?: { notebookUri?: vscode.Uri } } | undefined)?.notebookEditor?.notebookUri
        ? vscode.workspace.notebookDocuments.find(
            (n) => n.uri.toString() === (arg as { notebookEditor: { notebookUri: vscode.Uri } }).notebookEditor.notebookUri.toString(),
          )
        : vscode.window.activeNotebookEditor?.notebook;
      if (!notebook) {
        void vscode.window.showErrorMessage('Open a notebook first: Restart Python restarts the process of the active notebook.');
        return;
      }
      await kernels.restart(notebook);
      void vscode.window.setStatusBarMessage("Python restarted: the notebook's names are gone.", 4000);
    },
  newWrapperNotebook: () => (options?: unknown) => newWrapperNotebook(options as Parameters<typeof newWrapperNotebook>[0]),
  showLoggedModel:
    ({ ctx }) =>
    async (raw?: unknown) => {
      ctx.explorer.refresh();
      await vscode.commands.executeCommand('workbench.view.extension.phi3Mlflow');
      if (!raw) return;
      const facts = trustedCardFacts(raw as WrapperCardFacts);
      void vscode.window.setStatusBarMessage(
        pickText(`Logged model ${facts.model_uri}: run ${facts.run_id} in experiment ${facts.experiment_id}`),
        8000,
      );
    },
  registerLoggedModel:
    ({ ctx }) =>
    async (facts?: unknown, nameArg?: unknown) =>
      facts ? registerLoggedModel(ctx, trustedCardFacts(facts as WrapperCardFacts), nameArg as string | undefined) : undefined,
  copyLoggedModelUri: () => async (raw?: unknown) => {
    if (!raw) return;
    const facts = trustedCardFacts(raw as WrapperCardFacts);
    await vscode.env.clipboard.writeText(facts.model_uri);
    void vscode.window.setStatusBarMessage(pickText(`Copied ${facts.model_uri}`), 3000);
  },
};
