/**
 * What every end-to-end test does with the workbench in Chromium: find the packaged VSIX, run a
 * command from the palette, and keep tooltips from taking clicks.
 */
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { saveScreenshot, workbenchViewport } from '../harness/browser';
import { repoRoot } from '../harness/paths';

/** The VSIX `npm run package` made (or PHI3_MLFLOW_VSIX): what the e2e tests install, as a user would. */
export function builtVsix(): string {
  if (process.env.PHI3_MLFLOW_VSIX) return process.env.PHI3_MLFLOW_VSIX;
  const found = readdirSync(repoRoot).filter((f) => /^phi3-mlflow-.*\.vsix$/.test(f));
  assert.equal(found.length, 1, `expected one VSIX in ${repoRoot} (npm run package), found: ${found.join(', ') || 'none'}`);
  return join(repoRoot, found[0]!);
}

/**
 * Waits for code-server's file dialog (VS Code's simple file dialog, a quick input) to show its
 * starting folder, `startFolder` + '/', then types `path` over it.
 *
 * The wait is for this dialog's own starting value: the quick input is one widget reused by every
 * dialog, so the previous one's text (an exported file's path) can still be in it when this one
 * opens, and the dialog writes its starting folder once it has listed it. Typed before that, the
 * path was overwritten on a loaded machine, and OK opened the folder instead of choosing the file.
 */
export async function typeInFileDialog(page: Page, title: string, startFolder: string, path: string): Promise<Locator> {
  const dialog = page.locator('.quick-input-widget').filter({ has: page.locator('.quick-input-title', { hasText: title }) });
  await dialog.waitFor({ timeout: 15_000 });
  await page.waitForFunction(
    (start) => (document.querySelector('.quick-input-widget .quick-input-box input') as HTMLInputElement | null)?.value === start,
    `${startFolder}/`,
    { timeout: 30_000 },
  );
  await dialog.locator('.quick-input-box input').fill(path);
  if (path.endsWith('/')) await waitForFolderListing(page, path.slice(0, -1));
  return dialog;
}

/**
 * Waits for the file dialog to list `folder`, the folder a typed path ending in '/' opens.
 *
 * The dialog checks a typed path (an async stat) before it marks itself busy and lists the folder.
 * An OK pressed in that gap is taken as "open the typed folder": the dialog lists it and stays open,
 * with the accept spent (VS Code's simpleFileDialog.ts, onDidAccept → tryUpdateItems). Once the list
 * shows `..` and only the folder's own entries, the dialog is at that folder and not busy: OK chooses it.
 */
async function waitForFolderListing(page: Page, folder: string): Promise<void> {
  const entries = readdirSync(folder);
  await page.waitForFunction(
    (names) => {
      const labels = Array.from(document.querySelectorAll('.quick-input-widget .quick-input-list .monaco-list-row .label-name'))
        // Only the rows shown: the widget keeps the rows of an earlier quick pick in a hidden list.
        .filter((label) => (label as HTMLElement).offsetParent !== null)
        .map((label) => label.textContent ?? '');
      return labels.includes('..') && labels.every((label) => label === '..' || names.includes(label));
    },
    entries,
    { timeout: 30_000 },
  );
}

/** Chooses `path` in a file dialog (see typeInFileDialog) with its OK button, and waits for the dialog to close. */
export async function chooseInFileDialog(
  page: Page,
  options: { title: string; startFolder: string; path: string; okLabel: string },
): Promise<void> {
  const dialog = await typeInFileDialog(page, options.title, options.startFolder, options.path);
  await dialog.locator('.monaco-button', { hasText: options.okLabel }).click({ timeout: 15_000 });
  await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
}

/** Runs a command from the Command Palette by its exact title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const exactly = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const entry = page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exactly }) })
    .first();
  // The workbench takes F1 only once it has started: try again until it does.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ timeout: 3000 });
      await input.fill(`>${title}`);
      await entry.waitFor({ timeout: 3000 });
      break;
    } catch (error) {
      if (attempt === 20) throw error;
      await page.keyboard.press('Escape');
      await input.waitFor({ state: 'hidden', timeout: 3000 }).catch(() => undefined);
    }
  }
  await entry.click();
}

/**
 * Chooses an item of the open context menu. VS Code's menu items take a click only 100 ms after they
 * are drawn (so that the right-click's own mouse-up chooses nothing), and nothing on the page says
 * when that has passed; the keyboard has no such wait. So: hover the item, wait until the menu has
 * focused it, press Enter, and wait for the menu to close.
 */
export async function chooseMenuItem(page: Page, item: string): Promise<void> {
  const entry = page.locator('.monaco-menu .action-item').filter({ hasText: item }).first();
  await entry.waitFor({ timeout: 15_000 });
  await entry.hover();
  await page.locator('.monaco-menu .action-item.focused').filter({ hasText: item }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator('.monaco-menu').first().waitFor({ state: 'hidden', timeout: 15_000 });
}

/**
 * Moves the mouse off the sidebar and waits for any tooltip to close: a tooltip left open by the last
 * row clicked lies over the rows below it and would take the next click.
 */
export async function clearHovers(page: Page): Promise<void> {
  const viewport = page.viewportSize() ?? workbenchViewport;
  await page.mouse.move(viewport.width - 20, viewport.height / 2);
  await page
    .locator('.context-view .hover-contents, .workbench-hover')
    .first()
    .waitFor({ state: 'hidden', timeout: 5_000 })
    .catch(() => undefined);
}

/** The content of the webview in front (a chat, a chart, a notebook's outputs): VS Code nests it in two frames. */
export function activeWebview(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

/** Anything an e2e suite started that has to be stopped: a code-server, an MLflow server, a proxy. */
interface Stoppable {
  stop(): Promise<void>;
}

/**
 * An e2e suite's teardown, whatever state its `before` got to: the page's last screenshot
 * (test-results/<screenshot>.png, kept for a failure's diagnosis), the browser closed, then each
 * server stopped in the order given (the workbench before the servers it talks to) and the scratch
 * folder removed.
 */
export async function endSuite(suite: {
  page?: Page;
  screenshot: string;
  browser?: Browser;
  servers: (Stoppable | undefined)[];
  scratch?: string;
}): Promise<void> {
  if (suite.page) await saveScreenshot(suite.page, suite.screenshot).catch(() => undefined);
  await suite.browser?.close();
  for (const server of suite.servers) await server?.stop();
  if (suite.scratch) rmSync(suite.scratch, { recursive: true, force: true });
}
