import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, venvPython } from './paths';

/**
 * The one VSIX `npm run package` made, unpacked into a new temporary folder as VS Code unpacks it
 * (Python's zipfile, since the machine has no unzip). Returns the folder and the archive's entries.
 */
export function unpackPackagedVsix(): { readonly folder: string; readonly files: string[] } {
  const vsix = readdirSync(repoRoot).filter((f) => /^phi3-mlflow-.*\.vsix$/.test(f));
  assert.equal(vsix.length, 1, `expected one VSIX (npm run package), found: ${vsix.join(', ') || 'none'}`);
  const folder = mkdtempSync(join(tmpdir(), 'phi3-mlflow-vsix-'));
  const unzip = spawnSync(
    venvPython,
    [
      '-c',
      'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); z.extractall(sys.argv[2]); print("\\n".join(z.namelist()))',
      join(repoRoot, vsix[0]!),
      folder,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(unzip.status, 0, unzip.stderr);
  return { folder, files: unzip.stdout.trim().split('\n') };
}
