import { join } from 'node:path';
import { repoRoot } from '../../scripts/lib/paths';

// The paths the demo needs too live in scripts/lib/paths.ts; the ones only the tests use are here.
export { codeServerEntry, mlflow2VenvBin, repoRoot, venvBin, venvPython } from '../../scripts/lib/paths';
/** A venv with MLflow 3, torch and transformers, for the Transformers-pipeline recipe of the wrapper notebook. */
export const transformersVenvPython = join(repoRoot, '.venv-transformers', 'bin', 'python');
export const testResultsDir = join(repoRoot, 'test-results');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
