import { join, resolve } from 'node:path';

/** The repository root, from out/test/harness or test/harness alike. */
export const repoRoot = resolve(__dirname, __dirname.includes(`${join('out', 'test')}`) ? '../../..' : '../..');
export const venvBin = join(repoRoot, '.venv', 'bin');
export const venvPython = join(venvBin, 'python');
/** A venv with MLflow 2, for compatibility tests against an older server. */
export const mlflow2VenvBin = join(repoRoot, '.venv-mlflow2', 'bin');
/** A venv with MLflow 3, torch and transformers, for the Transformers-pipeline recipe of the wrapper notebook. */
export const transformersVenvPython = join(repoRoot, '.venv-transformers', 'bin', 'python');
export const codeServerEntry = join(repoRoot, '.tools', 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const testResultsDir = join(repoRoot, 'test-results');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
