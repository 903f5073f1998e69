import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../harness/paths';

/**
 * What `eslint` (the repository's, with eslint.config.mjs) says of one import line, as if it were
 * written in a file at `filePath`: the messages of no-restricted-imports.
 */
function restrictedImports(filePath: string, source: string): string[] {
  const eslint = spawnSync(
    process.execPath,
    [join(repoRoot, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--format', 'json', '--stdin', '--stdin-filename', filePath],
    {
      cwd: repoRoot,
      input: `${source}\nexport const used = [probe];\n`,
      encoding: 'utf8',
    },
  );
  const [result] = JSON.parse(eslint.stdout) as { messages: { ruleId: string | null; message: string }[] }[];
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe("the libraries' import boundaries (eslint.config.mjs)", () => {
  it('refuse src/inference in src/mlflow', () => {
    assert.deepEqual(restrictedImports('src/mlflow/scoring/probe.ts', "import { probe } from '../../inference/localModel';"), [
      "'../../inference/localModel' import is restricted from being used by a pattern. src/mlflow is the MLflow client library: no vscode or src/inference import (shared formats live in src/formats).",
    ]);
    assert.deepEqual(restrictedImports('src/mlflow/probe.ts', "import * as probe from 'vscode';"), [
      "'vscode' import is restricted from being used. src/mlflow is the MLflow client library: no vscode or src/inference import (shared formats live in src/formats).",
    ]);
  });

  it('refuse src/mlflow and src/inference in src/formats', () => {
    const message = 'src/formats is shared by src/mlflow and src/inference: no vscode, src/mlflow or src/inference import.';
    assert.deepEqual(restrictedImports('src/formats/probe.ts', "import { probe } from '../mlflow/client';"), [
      `'../mlflow/client' import is restricted from being used by a pattern. ${message}`,
    ]);
    assert.deepEqual(restrictedImports('src/formats/probe.ts', "import { probe } from '../inference';"), [
      `'../inference' import is restricted from being used by a pattern. ${message}`,
    ]);
  });

  it('refuse vscode, src/mlflow and src/chat in src/evaluation', () => {
    const message = 'src/evaluation is the plain scorer library: no vscode, src/mlflow, src/inference or src/chat import.';
    assert.deepEqual(restrictedImports('src/evaluation/probe.ts', "import * as probe from 'vscode';"), [
      `'vscode' import is restricted from being used. ${message}`,
    ]);
    assert.deepEqual(restrictedImports('src/evaluation/probe.ts', "import { probe } from '../chat/chatBackend';"), [
      `'../chat/chatBackend' import is restricted from being used by a pattern. ${message}`,
    ]);
    assert.deepEqual(restrictedImports('src/evaluation/probe.ts', "import { probe } from '../mlflow/client';"), [
      `'../mlflow/client' import is restricted from being used by a pattern. ${message}`,
    ]);
    assert.deepEqual(
      restrictedImports('src/evaluation/probe.ts', "import { formatPhi3Chat as probe } from '../formats/phi3ChatFormat';"),
      [],
    );
  });

  it('let both libraries import src/formats', () => {
    assert.deepEqual(
      restrictedImports('src/mlflow/scoring/probe.ts', "import { formatPhi3Chat as probe } from '../../formats/phi3ChatFormat';"),
      [],
    );
    assert.deepEqual(restrictedImports('src/inference/probe.ts', "import { isLfsPointer as probe } from '../formats/lfsPointer';"), []);
  });
});
