/**
 * The in-host test entry: VS Code's extension host calls `run()` (the `extensionTestsPath` module,
 * as @vscode/test-electron's runTests does). Mocha runs the suites here, inside the host with the
 * real `vscode` API. Results leave the host two ways: a JSON file named by PHI3_MLFLOW_HOST_RESULTS
 * (every test with its error), and the host's exit code (run() rejects when any test failed).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

export interface HostTestResult {
  readonly title: string;
  readonly state: 'passed' | 'failed' | 'pending';
  readonly durationMs: number;
  readonly error?: string;
}

export interface HostTestReport {
  readonly results: HostTestResult[];
  readonly passed: number;
  readonly failed: number;
}

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  const suiteDir = join(__dirname, 'suite');
  // PHI3_HOST_SUITES=a,b runs only the suite files whose names contain one of the parts (for working on one area).
  const only = (process.env.PHI3_HOST_SUITES ?? '').split(',').filter((part) => part !== '');
  const chosen = (file: string) => only.length === 0 || only.some((part) => file.includes(part));
  for (const file of readdirSync(suiteDir)
    .filter((f) => f.endsWith('.test.js') && chosen(f))
    .sort()) {
    mocha.addFile(join(suiteDir, file));
  }
  const results: HostTestResult[] = [];
  await new Promise<void>((resolveRun) => {
    const runner = mocha.run(() => resolveRun());
    runner.on('pass', (test) => results.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration ?? 0 }));
    runner.on('pending', (test) => results.push({ title: test.fullTitle(), state: 'pending', durationMs: 0 }));
    runner.on('fail', (test, error: Error) =>
      results.push({
        title: test.fullTitle(),
        state: 'failed',
        durationMs: test.duration ?? 0,
        error: `${error.message}\n${error.stack ?? ''}`,
      }),
    );
  });
  const report: HostTestReport = {
    results,
    passed: results.filter((r) => r.state === 'passed').length,
    failed: results.filter((r) => r.state === 'failed').length,
  };
  const resultsFile = process.env.PHI3_MLFLOW_HOST_RESULTS;
  if (resultsFile) writeFileSync(resultsFile, JSON.stringify(report, null, 2));
  if (report.failed > 0) throw new Error(`${report.failed} in-host test(s) failed`);
}
