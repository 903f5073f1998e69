// `npm test`: type-check, lint, check the formatting, package the VSIX, then all three test tiers in one node:test run
// (unit in plain Node, in-host in code-server's VS Code, end-to-end in Chromium on the installed
// VSIX), so one summary counts every test. Needs `scripts/setup.sh` to have run.
//   --only unit|host|e2e   one tier, without the type-check, lint and format check
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const tiers = values.only ? [values.only] : ['unit', 'host', 'e2e'];
for (const tier of tiers) if (!['unit', 'host', 'e2e'].includes(tier)) throw new Error(`unknown tier ${tier}: unit, host or e2e`);

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

function testsUnder(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return testsUnder(path);
      return name.endsWith('.test.js') ? [path] : [];
    });
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
if (!values.only) {
  step('type-check (tsc --noEmit)', npm, ['run', '--silent', 'typecheck']);
  step('lint (eslint)', npm, ['run', '--silent', 'lint']);
  step('format (prettier --check; `npm run format` fixes it)', npm, ['run', '--silent', 'format:check']);
}
// The in-host tests load dist/extension.js from the repository; the e2e tests install the VSIX.
if (tiers.includes('e2e')) step('package the VSIX', npm, ['run', '--silent', 'package']);
else if (tiers.includes('host')) step('bundle the extension', process.execPath, ['scripts/build.mjs']);
step('transpile tests', process.execPath, ['scripts/build.mjs', '--tests']);
const files = {
  unit: () => testsUnder('out/test/unit'),
  // The suite files under test/host/suite run inside VS Code, through host.test.js.
  host: () => ['out/test/host/host.test.js'],
  e2e: () => testsUnder('out/test/e2e'),
};
step(`${tiers.join(', ')} tests`, process.execPath, ['--test', '--test-concurrency=1', ...tiers.flatMap((tier) => files[tier]())]);
