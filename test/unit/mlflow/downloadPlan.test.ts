import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { describeLeftAlone, type ExistingFileAnswer, planDownload } from '../../../src/mlflow/downloadPlan';
import { MlflowError } from '../../../src/mlflow/errors';
import { refusedArtifactPath } from '../../../src/mlflow/safePath';

describe("a download's plan: .git and .vscode refused, existing files only replaced when the caller says so (no server)", () => {
  const scratch = mkdtempSync(join(tmpdir(), 'phi3-download-plan-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("refuses a .git segment anywhere and .vscode, in any case and with Windows' trailing dots", () => {
    for (const path of [
      '.git/hooks/pre-commit',
      'model/.git/config',
      'a/.GIT/hooks/post-checkout',
      '.git./hooks/x',
      '.vscode/tasks.json',
      'sub/.VSCode/settings.json',
    ]) {
      assert.match(refusedArtifactPath(path) ?? '', /folder is never written by a download/, path);
    }
    for (const path of ['model/MLmodel', '.gitignore', 'git/hooks', '.github/workflows/ci.yml', 'x.git/y', 'vscode/settings.json']) {
      assert.equal(refusedArtifactPath(path), undefined, path);
    }
  });

  it('leaves .git/hooks/pre-commit and .vscode/tasks.json out and says so, writing the rest', async () => {
    const destination = join(scratch, 'refused');
    const plan = await planDownload(destination, ['model/MLmodel', 'model/.git/hooks/pre-commit', '.vscode/tasks.json']);
    assert.deepEqual(plan.targets, [join(destination, 'model', 'MLmodel'), undefined, undefined]);
    assert.deepEqual(
      plan.refused.map((r) => r.path),
      ['model/.git/hooks/pre-commit', '.vscode/tasks.json'],
    );
    assert.match(
      describeLeftAlone(plan),
      /^refused 2 \(model\/\.git\/hooks\/pre-commit, \.vscode\/tasks\.json: a \.git folder is never written by a download\)$/,
    );
  });

  it('asks about each existing file before anything is written: Overwrite, Skip, or Cancel with nothing written', async () => {
    const destination = join(scratch, 'existing');
    mkdirSync(join(destination, 'model'), { recursive: true });
    writeFileSync(join(destination, 'model', 'MLmodel'), 'mine');
    writeFileSync(join(destination, 'model', 'README.md'), 'mine too');
    const paths = ['model/MLmodel', 'model/README.md', 'model/new.txt'];
    const asked: string[] = [];
    const answers: Record<string, ExistingFileAnswer> = { 'model/MLmodel': 'overwrite', 'model/README.md': 'skip' };
    const plan = await planDownload(destination, paths, (path) => {
      asked.push(path);
      return answers[path]!;
    });
    assert.deepEqual(asked, ['model/MLmodel', 'model/README.md'], 'only existing files are asked about');
    assert.deepEqual(plan.targets, [join(destination, 'model', 'MLmodel'), undefined, join(destination, 'model', 'new.txt')]);
    assert.deepEqual(plan.skipped, ['model/README.md']);
    assert.equal(describeLeftAlone(plan), 'skipped 1 existing file (model/README.md)');

    const unasked = await planDownload(destination, paths);
    assert.deepEqual(unasked.skipped, ['model/MLmodel', 'model/README.md'], 'without a callback an existing file is never replaced');

    await assert.rejects(
      planDownload(destination, paths, () => 'cancel'),
      (error: unknown) => error instanceof MlflowError && error.kind === 'cancelled' && /nothing was written/.test(error.message),
    );
    assert.deepEqual(readdirSync(join(destination, 'model')).sort(), ['MLmodel', 'README.md']);
  });
});
