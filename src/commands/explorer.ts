import * as vscode from 'vscode';
import type { CommandFactory } from './commandFactory';
import type { Ctx } from '../context';
import { ErrorNode, ExplorerNode, LoadingNode, LoadMoreNode } from '../views/explorerNode';
import { textArgument } from './nodeArgument';

/** Refreshes the node it is run on, or both trees. */
export const refresh: CommandFactory =
  (ctx) =>
  (node?: unknown): void => {
    ctx.explorer.refresh(node instanceof ExplorerNode ? node : undefined);
  };

/** The Retry action of an error node: reloads what failed. */
export const retry: CommandFactory =
  (ctx) =>
  (node?: unknown): void => {
    if (node instanceof ErrorNode) node.retry();
    else ctx.explorer.refresh();
  };

/** The Cancel of a "Still loading…" node: stops the listing, which then offers Retry. */
export const cancelLoading: CommandFactory =
  () =>
  (node?: unknown): void => {
    if (node instanceof LoadingNode) node.cancel();
  };

/** Loads the next page into the listing the "Load more…" item ends. */
export const loadMore: CommandFactory =
  (ctx) =>
  async (node?: unknown): Promise<void> => {
    if (!(node instanceof LoadMoreNode)) return;
    const owner = ctx.explorer.ownerOf(node);
    if (!owner) return;
    await vscode.window.withProgress({ location: { viewId: owner.viewId } }, () => node.loadMore());
    // Redraw, not refresh: the listing keeps what it has and shows the new page after it.
    owner.tree.redraw(node.parent);
  };

async function nameFilter(current: string, what: string, arg: unknown): Promise<string | undefined> {
  return (
    textArgument(arg) ??
    vscode.window.showInputBox({
      title: `Filter ${what} by Name`,
      prompt: `Show ${what} whose name contains this text (case-insensitive); empty shows all`,
      value: current,
      ignoreFocusOut: true,
    })
  );
}

export const filterExperiments: CommandFactory =
  (ctx) =>
  async (arg?: unknown): Promise<void> => {
    const root = ctx.explorer.experiments.root;
    const value = await nameFilter(root.nameFilter, 'experiments', arg);
    if (value === undefined) return;
    root.nameFilter = value.trim();
    ctx.explorer.experiments.refresh();
    await syncFilterContext(ctx);
  };

export const clearExperimentFilter: CommandFactory = (ctx) => async (): Promise<void> => {
  ctx.explorer.experiments.root.nameFilter = '';
  ctx.explorer.experiments.refresh();
  await syncFilterContext(ctx);
};

export const showDeletedExperiments: CommandFactory = (ctx) => async (): Promise<void> => {
  ctx.explorer.experiments.root.showDeleted = true;
  ctx.explorer.experiments.refresh();
  await syncFilterContext(ctx);
};

export const hideDeletedExperiments: CommandFactory = (ctx) => async (): Promise<void> => {
  ctx.explorer.experiments.root.showDeleted = false;
  ctx.explorer.experiments.refresh();
  await syncFilterContext(ctx);
};

export const filterModels: CommandFactory =
  (ctx) =>
  async (arg?: unknown): Promise<void> => {
    const root = ctx.explorer.models.root;
    const value = await nameFilter(root.nameFilter, 'registered models', arg);
    if (value === undefined) return;
    root.nameFilter = value.trim();
    ctx.explorer.models.refresh();
    await syncFilterContext(ctx);
  };

export const filterPrompts: CommandFactory =
  (ctx) =>
  async (arg?: unknown): Promise<void> => {
    const root = ctx.explorer.prompts.root;
    const value = await nameFilter(root.nameFilter, 'prompts', arg);
    if (value === undefined) return;
    root.nameFilter = value.trim();
    ctx.explorer.prompts.refresh();
    await syncFilterContext(ctx);
  };

/**
 * Context keys for the view title buttons (filter set, deleted shown) and the message above each tree.
 * Called after the tree's refresh, not before: each setContext is a round trip to the window, and the
 * listing's request need not wait for them (bench:explorer's "to call" column).
 */
async function syncFilterContext(ctx: Ctx): Promise<void> {
  ctx.explorer.updateMessages();
  await Promise.all([
    vscode.commands.executeCommand('setContext', 'phi3Mlflow.experimentFilter', ctx.explorer.experiments.root.nameFilter !== ''),
    vscode.commands.executeCommand('setContext', 'phi3Mlflow.showDeletedExperiments', ctx.explorer.experiments.root.showDeleted),
  ]);
}
