import * as vscode from 'vscode';
import type { CommandFactory } from '../commands/commandFactory';
import { UserFacingError } from '../commands/nodeArgument';
import { pickText } from '../views/displayName';
import { findOnnxFolders } from './onnxFolderContext';
import { OnnxLogPanel, untrustedLogMessage } from './onnxLogPanel';

/**
 * "Log ONNX Folder as MLflow Model…": on a folder of the file explorer (a Uri), a path, or, from the
 * palette, one of the workspace's onnxruntime-genai folders or one chosen in a dialog. Opens the form
 * (OnnxLogPanel) and answers it. Refused in Restricted Mode, as a notebook's uploads are.
 */
export const logOnnxFolder: CommandFactory =
  (ctx) =>
  async (arg?: unknown): Promise<OnnxLogPanel | undefined> => {
    if (!vscode.workspace.isTrusted) throw new UserFacingError(untrustedLogMessage);
    const folder = arg instanceof vscode.Uri ? arg.fsPath : typeof arg === 'string' && arg.trim() ? arg.trim() : await pickOnnxFolder();
    if (!folder) return undefined;
    const open = ctx.onnxLog.current;
    if (open?.busy) {
      open.panel.reveal();
      throw new UserFacingError(`A model is being logged from ${open.folder}: wait for it, or cancel it in its form, first.`);
    }
    if (open?.folder === folder && !open.disposed) {
      open.panel.reveal();
      return open;
    }
    return ctx.onnxLog.show(() => OnnxLogPanel.create(ctx, folder));
  };

async function pickOnnxFolder(): Promise<string | undefined> {
  type Item = vscode.QuickPickItem & { folder?: string };
  const folders = await findOnnxFolders();
  const items: Item[] = [
    ...folders.map((folder) => ({
      label: `$(folder) ${pickText(vscode.workspace.asRelativePath(folder))}`,
      description: pickText(folder),
      folder,
    })),
    {
      label: '$(folder-opened) Choose a Folder…',
      detail: 'An onnxruntime-genai model folder: genai_config.json, the .onnx graph, the tokenizer',
    },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Log ONNX Folder as MLflow Model: which folder?',
    placeHolder: folders.length
      ? "The workspace's folders holding genai_config.json"
      : 'No folder in the workspace holds genai_config.json',
    ignoreFocusOut: true,
    matchOnDescription: true,
  });
  if (!picked) return undefined;
  if (picked.folder) return picked.folder;
  const chosen = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    title: 'The onnxruntime-genai folder to log',
    openLabel: 'Log This Folder',
  });
  return chosen?.[0]?.fsPath;
}
