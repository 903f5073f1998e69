import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../harness/paths';

/** The committed random-weight Phi-3 test models (built by scripts/test-models/build.sh). */
export const fixtureModelsDir = join(repoRoot, 'test', 'fixtures', 'models');
export const fixtureModel = (name: string) => join(fixtureModelsDir, name);

/** A scratch copy of a test model, to break on purpose. */
export function copyOfFixtureModel(name: string): string {
  const target = join(mkdtempSync(join(tmpdir(), 'phi3-model-')), name);
  cpSync(fixtureModel(name), target, { recursive: true });
  return target;
}
