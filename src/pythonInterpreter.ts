import * as vscode from 'vscode';
import { restrictedSetting } from './config';

/**
 * The Python interpreter the extension runs (notebook cells, `mlflow models serve`): the setting
 * `phi3Mlflow.pythonPath` (for `scope`, a notebook or a folder), else the Python extension's active
 * interpreter, else python3 on PATH.
 */
export async function pythonInterpreter(scope?: vscode.Uri): Promise<string> {
  const configured = restrictedSetting<string>('pythonPath', '', scope).trim();
  if (configured) return configured;
  try {
    const extension = vscode.extensions.getExtension<{
      environments?: { getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } };
    }>('ms-python.python');
    if (extension) {
      const api = extension.isActive ? extension.exports : await extension.activate();
      const active = api.environments?.getActiveEnvironmentPath(scope)?.path;
      if (active) return active;
    }
  } catch {
    // The Python extension's API is a bonus: without it, python3.
  }
  return 'python3';
}
