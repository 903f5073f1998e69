import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths';

/** The extensions test/fixtures/extension-standins holds: ms-python.python and ms-toolsai.jupyter. */
export type StandinExtension = 'python' | 'jupyter';

/**
 * Packages a stand-in for a marketplace extension this machine cannot download (the Python
 * extension's interpreter API, the Jupyter extension's notebook type) into a VSIX in `into`, for
 * code-server to install. Each holds only the part of the real one that this extension uses.
 */
export function packStandinExtension(name: StandinExtension, into: string): string {
  const source = join(into, `${name}-standin`);
  cpSync(join(repoRoot, 'test', 'fixtures', 'extension-standins', name), source, { recursive: true });
  const vsix = join(into, `${name}-standin.vsix`);
  execFileSync(
    process.execPath,
    [
      join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce'),
      'package',
      '--no-dependencies',
      '--skip-license',
      '--allow-missing-repository',
      '--out',
      vsix,
    ],
    { cwd: source, stdio: 'pipe' },
  );
  return vsix;
}
