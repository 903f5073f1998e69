import * as vscode from 'vscode';
import type { Ctx } from '../context';
import { IpynbSerializer, notebookType } from './notebookSerializer';

/** Everything the notebook support registers, as one Disposable for extension.ts to keep. */
export function registerNotebooks(_ctx: Ctx): vscode.Disposable {
  return vscode.Disposable.from(
    // Outputs are part of the file (transientOutputs false): a saved notebook keeps what its cells showed.
    vscode.workspace.registerNotebookSerializer(notebookType, new IpynbSerializer(), { transientOutputs: false }),
  );
}
