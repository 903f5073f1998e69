/**
 * The same in-host suite through @vscode/test-electron, for machines that can download a desktop
 * VS Code (this project's CI cannot, and runs it through code-server: see host.test.ts).
 * `npm run test:electron`; VSCODE_TEST_VERSION picks the VS Code version (default: the engine's minimum).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from '../harness/paths';
import { startHostTestServers } from './hostTestServers';
import type { HostTestReport } from './index';

async function main(): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-electron-'));
  const resultsFile = join(scratch, 'results.json');
  const servers = await startHostTestServers();
  try {
    const engine = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { engines: { vscode: string } }).engines.vscode;
    const exitCode = await runTests({
      version: process.env.VSCODE_TEST_VERSION ?? engine.replace(/^\^/, ''),
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: join(repoRoot, 'out', 'test', 'host', 'index'),
      launchArgs: [mkdtempSync(join(scratch, 'workspace-')), '--disable-extensions', '--disable-workspace-trust'],
      extensionTestsEnv: { PHI3_MLFLOW_HOST_RESULTS: resultsFile, ...servers.env },
    });
    const report = JSON.parse(readFileSync(resultsFile, 'utf8')) as HostTestReport;
    console.log(`in-host: ${report.passed} passed, ${report.failed} failed`);
    return exitCode;
  } finally {
    await servers.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
