/**
 * Runs the in-host suite (test/host/suite) inside a real VS Code extension host: the VS Code
 * 1.100.3 that code-server bundles, opened by headless Chromium with the `payload` parameter that
 * @vscode/test-electron's runTests would pass on the command line. Each in-host test is reported
 * here as a test of its own; a failing one fails this run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, saveScreenshot } from '../harness/browser';
import { type CodeServer, startCodeServer } from '../harness/codeServer';
import { repoRoot } from '../harness/paths';
import { packStandinExtension } from '../harness/extensionStandins';
import { type HostTestServers, startHostTestServers } from './hostTestServers';
import type { HostTestReport } from './index';

const hostTimeoutMs = 12 * 60_000;

describe('in-host tests in VS Code (code-server)', () => {
  let servers: HostTestServers | undefined;
  let codeServer: CodeServer;
  let browser: Browser;
  let scratch: string;
  let report: HostTestReport;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'phi3-mlflow-host-'));
    const resultsFile = join(scratch, 'results.json');
    servers = await startHostTestServers();
    codeServer = await startCodeServer({
      workspace: mkdtempSync(join(scratch, 'workspace-')),
      // Stand-ins for the Python extension (its interpreter API) and the Jupyter extension (its notebook type).
      installVsix: (['python', 'jupyter'] as const).map((name) => packStandinExtension(name, scratch)),
      env: {
        PHI3_MLFLOW_HOST_RESULTS: resultsFile,
        ...(process.env.PHI3_HOST_SUITES ? { PHI3_HOST_SUITES: process.env.PHI3_HOST_SUITES } : {}),
        ...servers.env,
      },
    });
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const payload = [
      ['extensionDevelopmentPath', codeServer.remoteUri(repoRoot)],
      ['extensionTestsPath', codeServer.remoteUri(join(repoRoot, 'out', 'test', 'host', 'index'))],
      ['skipWelcome', 'true'],
    ];
    await page.goto(
      `${codeServer.url}/?folder=${encodeURIComponent(codeServer.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
    );
    const deadline = Date.now() + hostTimeoutMs;
    while (!existsSync(resultsFile)) {
      const exited = /Extension Host Process exited with code: (\d+)/.exec(codeServer.log());
      if (exited || Date.now() > deadline) {
        await saveScreenshot(page, 'host-no-results');
        throw new Error(
          `the extension host ${exited ? `exited with code ${exited[1]}` : 'did not finish'} without writing results; server log:\n${codeServer.log().slice(-4000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    report = JSON.parse(readFileSync(resultsFile, 'utf8')) as HostTestReport;
    await saveScreenshot(page, 'host-after-tests');
  });

  after(async () => {
    await browser?.close();
    await codeServer?.stop();
    await servers?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('ran the in-host suite', () => {
    assert.ok(report.results.length > 0, 'the in-host suite ran no test');
    assert.equal(report.passed + report.failed + report.results.filter((r) => r.state === 'pending').length, report.results.length);
  });

  // One test here for each test that ran in the host, named the same.
  it('in-host results', async (t) => {
    for (const result of report.results) {
      await t.test(result.title, { skip: result.state === 'pending' }, () => {
        if (result.state === 'failed') throw new Error(result.error);
      });
    }
  });
});
