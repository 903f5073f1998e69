// `npm test`: type-check, lint, package the VSIX, then all three test tiers in one node:test run
// (unit in plain Node, in-host in code-server's VS Code, end-to-end in Chromium on the installed
// VSIX), so one summary counts every test. Needs `scripts/setup.sh` to have run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function step(title, command, args) {
  console.log(`\n=== ${title}`);
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`=== ${title}: failed (exit ${result.status ?? result.signal}) after ${seconds} s`);
    process.exit(result.status || 1);
  }
  console.log(`=== ${title}: done in ${seconds} s`);
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const testsIn = (dir) => readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort().map((f) => join(dir, f));

step('type-check (tsc --noEmit)', npm, ['run', '--silent', 'typecheck']);
step('lint (eslint)', npm, ['run', '--silent', 'lint']);
step('package the VSIX', npm, ['run', '--silent', 'package']);
step('transpile tests', process.execPath, ['scripts/build.mjs', '--tests']);
step('unit, in-host and end-to-end tests', process.execPath, [
  '--test',
  '--test-concurrency=1',
  ...testsIn('out/test/unit'),
  'out/test/host/host.test.js',
  ...testsIn('out/test/e2e'),
]);
