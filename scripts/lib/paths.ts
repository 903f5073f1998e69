import { join, resolve } from 'node:path';

/** The repository root, from out/scripts/lib or scripts/lib alike. */
export const repoRoot = resolve(__dirname, __dirname.includes(`${join('out', 'scripts')}`) ? '../../..' : '../..');
export const venvBin = join(repoRoot, '.venv', 'bin');
export const venvPython = join(venvBin, 'python');
/** A venv with MLflow 2, for compatibility tests against an older server. */
export const mlflow2VenvBin = join(repoRoot, '.venv-mlflow2', 'bin');
export const codeServerEntry = join(repoRoot, '.tools', 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
