/**
 * How the explorer's end-to-end tests drive the workbench: rows of the Experiments and Models trees
 * by their exact label, clicks that no leftover tooltip can take, and context menu items.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { repoRoot } from '../harness/paths';

export function builtVsix(): string {
  const found = readdirSync(repoRoot).filter((f) => /^phi3-mlflow-.*\.vsix$/.test(f));
  assert.equal(found.length, 1, `expected one VSIX in ${repoRoot} (npm run package), found: ${found.join(', ') || 'none'}`);
  return join(repoRoot, found[0]!);
}

export type View = 'Experiments' | 'Models';

/** A row of one of the explorer's trees, by its exact label. */
export function row(page: Page, label: string, view: View = 'Experiments'): Locator {
  const pane = page.locator('.part.sidebar .pane').filter({ has: page.locator(`.pane-header[aria-label^="${view}"]`) });
  return pane.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first();
}

/**
 * Moves the mouse off the sidebar and waits for any tooltip to close: a tooltip left open by the last
 * row clicked lies over the rows below it and would take the next click.
 */
export async function clearHovers(page: Page): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 1400, height: 1000 };
  await page.mouse.move(viewport.width - 20, viewport.height / 2);
  await page.locator('.context-view .hover-contents, .workbench-hover').first().waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
}

export async function clickRow(page: Page, label: string, view: View = 'Experiments', options: { button?: 'right' } = {}): Promise<void> {
  const target = row(page, label, view);
  await target.waitFor({ timeout: 30_000 });
  await clearHovers(page);
  await target.click(options);
}

export async function expand(page: Page, label: string, view: View = 'Experiments'): Promise<void> {
  const target = row(page, label, view);
  await target.waitFor({ timeout: 30_000 });
  if ((await target.getAttribute('aria-expanded')) !== 'true') await clickRow(page, label, view);
}

export async function contextMenu(page: Page, label: string, item: string): Promise<void> {
  await clickRow(page, label, 'Experiments', { button: 'right' });
  const entry = page.locator('.monaco-menu .action-item').filter({ hasText: item }).first();
  await entry.waitFor({ timeout: 15_000 });
  // VS Code's menus ignore a click that comes right after they open (the right-click's own mouse-up):
  // give it a moment, and if the menu is still open after the click, choose the item with the keyboard.
  await page.waitForTimeout(500);
  await entry.hover();
  await entry.click();
  const menu = page.locator('.monaco-menu').first();
  if (await menu.isVisible().catch(() => false)) {
    await page.waitForTimeout(500);
    if (await menu.isVisible().catch(() => false)) await page.keyboard.press('Enter');
  }
}

/** Opens the MLflow container in the activity bar and waits for its Experiments view. */
export async function openMlflowContainer(page: Page): Promise<void> {
  const container = page.locator('.activitybar [aria-label^="MLflow"]').first();
  await container.waitFor({ timeout: 60_000 });
  await container.click();
  await page.locator('.pane-header[aria-label^="Experiments"]').waitFor({ timeout: 30_000 });
}

/** Runs a command from the Command Palette by its exact title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const exactly = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const entry = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exactly }) }).first();
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
      await page.waitForTimeout(1000);
    }
  }
  await entry.click();
}
