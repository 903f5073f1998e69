import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { CodeServer } from './codeServer';
import { chromiumPath, testResultsDir } from './paths';

/** Debian's Chromium, headless, with the flags this network-less machine needs (no background fetches). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** The window size every e2e test gives the workbench, so that their screenshots compare. */
export const workbenchViewport = { width: 1400, height: 1000 };

/** The workbench of `codeServer`, opened on its workspace folder. */
export function workbenchUrl(codeServer: Pick<CodeServer, 'url' | 'workspace'>): string {
  return `${codeServer.url}/?folder=${encodeURIComponent(codeServer.workspace)}`;
}

/** A new page in `browser` on the workbench of `codeServer` (not waiting for it to start). */
export async function openWorkbench(browser: Browser, codeServer: Pick<CodeServer, 'url' | 'workspace'>): Promise<Page> {
  const page = await browser.newPage({ viewport: workbenchViewport });
  await page.goto(workbenchUrl(codeServer));
  return page;
}

/** Saves a full-window screenshot as test-results/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(testResultsDir, { recursive: true });
  const path = join(testResultsDir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
