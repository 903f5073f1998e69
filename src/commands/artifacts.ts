import * as vscode from 'vscode';
import type { CommandFactory } from './commandFactory';
import { type ArtifactSource, type DownloadResult, loggedModelArtifacts } from '../mlflow/artifacts';
import { describeLeftAlone, type ExistingFileAnswer, type ExistingFileCallback } from '../mlflow/downloadPlan';
import type { MlflowClient } from '../mlflow/client';
import { MlflowError } from '../mlflow/errors';
import { ArtifactFileNode, ArtifactFolderNode, MlmodelNode } from '../views/artifactNodes';
import { displayName, notificationText, pickText } from '../views/displayName';
import type { ExplorerNode } from '../views/explorerNode';
import { LoggedModelNode } from '../views/runNodes';
import { textArgument, UserFacingError } from './nodeArgument';

/**
 * Opens an artifact file read-only in an editor (`mlflow-artifact:` scheme); `MLmodel` opens as
 * YAML. The text is fetched first, so a binary or huge file gets a message instead of an editor.
 */
export const openArtifact: CommandFactory =
  (ctx) =>
  async (arg?: unknown): Promise<vscode.TextEditor | undefined> => {
    const node = arg instanceof ArtifactFileNode ? arg : ctx.explorer.experimentsView.selection.find((n) => n instanceof ArtifactFileNode);
    if (!(node instanceof ArtifactFileNode)) throw new UserFacingError('Select an artifact file in the MLflow explorer first.');
    const uri = node.uri;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: pickText(`Fetching ${node.path}…`) }, () =>
      ctx.artifactDocuments.load(uri, node.fileSize),
    );
    let document = await vscode.workspace.openTextDocument(uri);
    if (node instanceof MlmodelNode || node.path.endsWith('/MLmodel') || node.path === 'MLmodel')
      document = await vscode.languages.setTextDocumentLanguage(document, 'yaml');
    return vscode.window.showTextDocument(document, { preview: true });
  };

/** What to download; `size` when the tree already knows it (a file), for progress out of a total. */
type Downloadable = { client: MlflowClient; source: ArtifactSource; path: string; label: string; size?: number };

function downloadableOf(arg: unknown, selection: readonly ExplorerNode[]): Downloadable {
  for (const node of [arg, ...selection]) {
    if (node instanceof ArtifactFileNode)
      return { client: node.client, source: node.source, path: node.path, label: node.path, size: node.fileSize };
    if (node instanceof ArtifactFolderNode)
      return { client: node.client, source: node.source, path: node.path, label: node.path || 'all artifacts' };
    if (node instanceof LoggedModelNode)
      return {
        client: node.client,
        source: loggedModelArtifacts(node.model.modelId, node.model.artifactUri),
        path: '',
        label: `logged model ${node.model.name}`,
      };
  }
  throw new UserFacingError('Select an artifact, an artifact folder or a logged model in the MLflow explorer first.');
}

/**
 * Asks, in a modal, whether to replace a file the download would overwrite: Overwrite, Skip, or
 * the same for every further one; closing the question cancels the download (nothing written yet).
 */
function askBeforeOverwriting(destination: string): ExistingFileCallback {
  let forAll: ExistingFileAnswer | undefined;
  return async (relativePath) => {
    if (forAll) return forAll;
    const answer = await vscode.window.showWarningMessage(
      displayName(`"${relativePath}" already exists in ${destination}. Overwrite it?`),
      { modal: true, detail: 'Nothing has been written yet. Cancel stops the download.' },
      'Overwrite',
      'Skip',
      'Overwrite All',
      'Skip All',
    );
    if (answer === 'Overwrite All') forAll = 'overwrite';
    if (answer === 'Skip All') forAll = 'skip';
    return forAll ?? (answer === 'Overwrite' ? 'overwrite' : answer === 'Skip' ? 'skip' : 'cancel');
  };
}

/**
 * Downloads a file, a folder or all of a run's or logged model's artifacts into a folder the user
 * picks (or is given), with progress in a notification and a Cancel button. Paths from the server
 * never land outside that folder (the client refuses them before writing anything), nor in a `.git`
 * or `.vscode` folder; an existing file is replaced only when the user says so.
 */
export const downloadArtifacts: CommandFactory =
  (ctx) =>
  async (arg?: unknown, folderArg?: unknown): Promise<DownloadResult | undefined> => {
    const what = downloadableOf(arg, [...ctx.explorer.experimentsView.selection, ...ctx.explorer.modelsView.selection]);
    let folder = textArgument(folderArg);
    if (!folder) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: false,
        openLabel: 'Download Here',
        title: displayName(`Download ${what.label}`),
      });
      folder = picked?.[0]?.fsPath;
    }
    if (!folder) return undefined;
    const destination = folder;
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: notificationText(`Downloading ${what.label}`), cancellable: true },
        async (progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          let reported = 0;
          return what.client.artifacts.download(what.source, what.path, destination, {
            signal: controller.signal,
            onExisting: askBeforeOverwriting(destination),
            onProgress: (done, listedTotal) => {
              const total = listedTotal ?? what.size;
              if (!total) {
                progress.report({ message: `${(done / 1024 / 1024).toFixed(1)} MiB` });
                return;
              }
              const percent = (done / total) * 100;
              progress.report({
                increment: percent - reported,
                message: `${(done / 1024 / 1024).toFixed(1)} of ${(total / 1024 / 1024).toFixed(1)} MiB`,
              });
              reported = percent;
            },
          });
        },
      );
      const leftAlone = describeLeftAlone(result);
      ctx.log.info(
        `Downloaded ${what.label}: ${result.files} files, ${result.bytes} bytes to ${destination}${leftAlone ? `; ${leftAlone}` : ''}`,
      );
      const message = notificationText(
        `Downloaded ${what.label} (${result.files} file${result.files === 1 ? '' : 's'}) to ${destination}${leftAlone ? `; ${leftAlone}` : ''}`,
      );
      void (
        result.refused.length
          ? vscode.window.showWarningMessage(message, 'Reveal')
          : vscode.window.showInformationMessage(message, 'Reveal')
      ).then((answer) => {
        if (answer === 'Reveal') void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(destination));
      });
      return result;
    } catch (error) {
      if (error instanceof MlflowError && error.kind === 'cancelled') {
        // A folder's message says which files were complete and kept (ArtifactsApi.download).
        const folderDetail = error.message.startsWith('Cancelled after ') ? error.message.slice('Cancelled '.length) : undefined;
        void vscode.window.showInformationMessage(
          notificationText(
            folderDetail
              ? `Download of ${what.label} cancelled ${folderDetail}.`
              : `Download of ${what.label} cancelled; no partial files were kept.`,
          ),
        );
        return undefined;
      }
      throw error;
    }
  };
