import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths';

/**
 * Packages test/fixtures/python-extension-standin (id ms-python.python: the Python extension's
 * `environments.getActiveEnvironmentPath`, answering with a setting) into a VSIX for code-server to
 * install. The real Python extension comes from a marketplace this machine cannot reach.
 */
export function packPythonExtensionStandin(into: string = mkdtempSync(join(tmpdir(), 'phi3-mlflow-standin-'))): string {
  const source = join(into, 'source');
  cpSync(join(repoRoot, 'test', 'fixtures', 'python-extension-standin'), source, { recursive: true });
  const vsix = join(into, 'python-extension-standin.vsix');
  execFileSync(process.execPath, [join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--out', vsix], { cwd: source, stdio: 'pipe' });
  return vsix;
}
