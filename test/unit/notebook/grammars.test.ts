import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../harness/paths';

/** VS Code's own Python and YAML grammars, from the code-server that scripts/setup.sh installs for the host tests. */
const builtinExtensions = join(repoRoot, '.tools', 'code-server', 'node_modules', 'code-server', 'lib', 'vscode', 'extensions');
const hostGrammars = [
  join(builtinExtensions, 'python', 'syntaxes', 'MagicPython.tmLanguage.json'),
  join(builtinExtensions, 'python', 'syntaxes', 'MagicRegExp.tmLanguage.json'),
  ...(existsSync(join(builtinExtensions, 'yaml', 'syntaxes'))
    ? readdirSync(join(builtinExtensions, 'yaml', 'syntaxes')).map((f) => join(builtinExtensions, 'yaml', 'syntaxes', f))
    : []),
];

describe('grammars (syntaxes/): scope assertions with vscode-tmgrammar-test', () => {
  const cases = readdirSync(join(repoRoot, 'test', 'grammars'))
    .filter((f) => f.includes('.test.'))
    .sort();

  it('has a test file for each grammar', () => {
    assert.deepEqual(cases, ['chat-markup.test.py', 'prompt.test.phi3prompt', 'wrapper.test.mlflow-wrapper']);
  });

  it('tokenizes the Phi-3 chat markup in Python strings, prompt files and mlflow-wrapper cells as asserted', () => {
    for (const grammar of hostGrammars)
      assert.ok(existsSync(grammar), `${grammar} is missing: run scripts/setup.sh (it installs code-server)`);
    // The grammars of package.json (read by the tool from --config), plus Python's and YAML's they inject into or include.
    const result = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'node_modules', 'vscode-tmgrammar-test', 'dist', 'unit.js'),
        '--config',
        join(repoRoot, 'package.json'),
        ...hostGrammars.flatMap((g) => ['-g', g]),
        ...cases.map((c) => join('test', 'grammars', c)),
      ],
      { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    for (const file of cases) assert.match(result.stdout, new RegExp(`✓ test/grammars/${file.replace(/\./g, '\\.')} run successfuly`));
  });
});
