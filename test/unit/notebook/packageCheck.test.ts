import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { missingModules, pipInstall, recipeModulesImported } from '../../../src/notebook/packageCheck';

describe('packages a notebook needs, found and installed in its Python', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-packages-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('finds the recipe modules the cells import, however they are imported', () => {
    assert.deepEqual(
      recipeModulesImported([
        'import os, mlflow.pyfunc as pf\nprint(1)',
        '  from onnxruntime_genai import Model',
        '# import transformers\nx = "import torch"',
        'import numpy',
      ]),
      ['mlflow', 'onnxruntime_genai'],
    );
    assert.deepEqual(recipeModulesImported(['import transformers\nfrom torch.nn import Linear']), ['transformers', 'torch']);
  });

  it('says which modules an interpreter lacks, and clearly when the interpreter is missing', async () => {
    assert.deepEqual(await missingModules('python3', ['json', 'phi3_mlflow_no_such_module', 'os']), ['phi3_mlflow_no_such_module']);
    assert.deepEqual(await missingModules('python3', []), []);
    await assert.rejects(
      missingModules('/nonexistent/python3', ['json']),
      /^Error: Could not run \/nonexistent\/python3: spawn \/nonexistent\/python3 ENOENT$/,
    );
  });

  it('an interpreter that answers the look-up with something other than JSON is a clear error, not a crash', async () => {
    // A wrapper that prints a banner and nothing else, as a misconfigured pyenv shim or conda hook can.
    const banner = join(scratch, 'banner-python');
    writeFileSync(banner, '#!/bin/sh\necho "Welcome to the cluster"\n', { mode: 0o755 });
    await assert.rejects(missingModules(banner, ['json']), {
      message: `${banner} answered the package look-up with something other than JSON: Welcome to the cluster`,
    });
    const dict = join(scratch, 'dict-python');
    writeFileSync(dict, '#!/bin/sh\necho "{\\"json\\": 1}"\n', { mode: 0o755 });
    await assert.rejects(missingModules(dict, ['json']), {
      message: `${dict} answered the package look-up with something other than a list of names: {"json": 1}`,
    });
  });

  it(
    "installs into that interpreter with pip (from PyPI into a fresh venv), reporting pip's lines; a failure names the package",
    { timeout: 300_000 },
    async () => {
      assert.equal(spawnSync('python3', ['-m', 'venv', join(scratch, 'venv')]).status, 0);
      const python = join(scratch, 'venv', 'bin', 'python');
      assert.deepEqual(await missingModules(python, ['six']), ['six']);
      const lines: string[] = [];
      await pipInstall(python, ['six==1.17.0'], { onLine: (line) => lines.push(line) });
      assert.ok(
        lines.some((line) => /Successfully installed six-1\.17\.0/.test(line)),
        lines.join('\n'),
      );
      assert.deepEqual(await missingModules(python, ['six']), []);
      await assert.rejects(
        pipInstall(python, ['phi3-mlflow-no-such-package-0'], {}),
        /^Error: pip could not install phi3-mlflow-no-such-package-0 \(exit 1\):\n[\s\S]*No matching distribution/,
      );
    },
  );
});
