import * as vscode from 'vscode';
import type { ChatPanelParts } from './chatPanelParts';
import { errorMessage } from '../errorMessage';

/** Asks where to save `text` (proposing `name` in the workspace) and writes it; the notice says where. */
export async function saveTextFile(
  parts: ChatPanelParts,
  text: string,
  name: string,
  title: string,
  filters: Record<string, string[]>,
): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    title,
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
    filters,
  });
  if (!target) return;
  try {
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    parts.session.notice = { kind: 'info', message: `Exported to ${target.fsPath}.` };
  } catch (error) {
    parts.session.notice = { kind: 'error', message: `Could not write ${target.fsPath}: ${errorMessage(error)}` };
  }
  parts.show();
}
