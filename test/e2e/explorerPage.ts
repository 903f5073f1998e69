/**
 * How the explorer's end-to-end tests drive the workbench: rows of the Experiments and Models trees
 * by their exact label, clicks that no leftover tooltip can take, and context menu items.
 */
import type { Locator, Page } from 'playwright-core';
import { chooseMenuItem, clearHovers } from './workbenchPage';

export { builtVsix, chooseMenuItem, clearHovers, runCommand } from './workbenchPage';

export type View = 'Experiments' | 'Models' | 'Prompts';

function viewPane(page: Page, view: View): Locator {
  return page.locator('.part.sidebar .pane').filter({ has: page.locator(`.pane-header[aria-label^="${view}"]`) });
}

/** A row of one of the explorer's trees, by its exact label (or a pattern). */
export function row(page: Page, label: string | RegExp, view: View = 'Experiments'): Locator {
  const name = typeof label === 'string' ? new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : label;
  return viewPane(page, view)
    .locator('.monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: name }) })
    .first();
}

/**
 * Waits for a row, scrolling its tree while it is not drawn: a tree draws only the rows in view, so
 * the children of a node at the bottom of a short pane (three views share the sidebar) are not in the
 * page until the tree is scrolled to them. Scrolls as a user would, with the wheel over the tree: down,
 * and up once the tree no longer moves down.
 */
export async function revealRow(page: Page, label: string | RegExp, view: View = 'Experiments', timeoutMs = 30_000): Promise<Locator> {
  const target = row(page, label, view);
  const tree = viewPane(page, view).locator('.monaco-list').first();
  const scrolledTo = () =>
    tree.evaluate((list) => {
      const rows = list.querySelector('.monaco-list-rows');
      return rows ? `${getComputedStyle(rows).top} ${getComputedStyle(rows).transform}` : '';
    });
  const deadline = Date.now() + timeoutMs;
  let notch = 66;
  while (!(await target.isVisible())) {
    // Past the deadline, the wait fails with the locator in its message.
    if (Date.now() > deadline) await target.waitFor({ timeout: 1 });
    const before = await scrolledTo();
    await tree.hover();
    await page.mouse.wheel(0, notch);
    // A row that is still loading comes in its own time: wait for it a moment before the next notch.
    await target.waitFor({ timeout: 1_000 }).catch(() => undefined);
    if (notch > 0 && (await scrolledTo()) === before) notch = -notch;
  }
  return target;
}

export async function clickRow(
  page: Page,
  label: string | RegExp,
  view: View = 'Experiments',
  options: { button?: 'right' } = {},
): Promise<void> {
  const target = await revealRow(page, label, view);
  await clearHovers(page);
  await target.click(options);
}

export async function expand(page: Page, label: string | RegExp, view: View = 'Experiments'): Promise<void> {
  const target = await revealRow(page, label, view);
  if ((await target.getAttribute('aria-expanded')) !== 'true') await clickRow(page, label, view);
}

export async function contextMenu(page: Page, label: string, item: string, view: View = 'Experiments'): Promise<void> {
  await clickRow(page, label, view, { button: 'right' });
  await chooseMenuItem(page, item);
}

/** Opens the MLflow container in the activity bar and waits for its Experiments view. */
export async function openMlflowContainer(page: Page): Promise<void> {
  const container = page.locator('.activitybar [aria-label^="MLflow"]').first();
  await container.waitFor({ timeout: 60_000 });
  await container.click();
  await page.locator('.pane-header[aria-label^="Experiments"]').waitFor({ timeout: 30_000 });
}
