import * as vscode from 'vscode';
import type { MlflowClient } from '../mlflow/client';
import { ExperimentNode, ExperimentsRoot } from './experimentNodes';
import type { ExplorerNode } from './explorerNode';
import { type ExplorerTreeOptions, ExplorerTreeDataProvider } from './explorerTreeDataProvider';
import { RegisteredModelsRoot } from './modelNodes';
import { PromptsRoot } from './promptNodes';
import { RunNode } from './runNodes';

/** The sidebar trees (Experiments, Models, Prompts), their providers and tree views. */
export class Explorer implements vscode.Disposable {
  readonly experiments: ExplorerTreeDataProvider<ExperimentsRoot>;
  readonly models: ExplorerTreeDataProvider<RegisteredModelsRoot>;
  readonly experimentsView: vscode.TreeView<ExplorerNode>;
  readonly modelsView: vscode.TreeView<ExplorerNode>;
  readonly prompts: ExplorerTreeDataProvider<PromptsRoot>;
  readonly promptsView: vscode.TreeView<ExplorerNode>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(clientOf: () => MlflowClient | undefined, log: vscode.LogOutputChannel, options: ExplorerTreeOptions = {}) {
    this.experiments = new ExplorerTreeDataProvider(new ExperimentsRoot(clientOf), log, options);
    this.models = new ExplorerTreeDataProvider(new RegisteredModelsRoot(clientOf), log, options);
    this.prompts = new ExplorerTreeDataProvider(new PromptsRoot(clientOf), log, options);
    this.experimentsView = vscode.window.createTreeView('phi3Mlflow.experiments', {
      treeDataProvider: this.experiments,
      canSelectMany: true,
      showCollapseAll: true,
    });
    this.modelsView = vscode.window.createTreeView('phi3Mlflow.models', {
      treeDataProvider: this.models,
      canSelectMany: true,
      showCollapseAll: true,
    });
    this.promptsView = vscode.window.createTreeView('phi3Mlflow.prompts', { treeDataProvider: this.prompts, showCollapseAll: true });
    this.disposables.push(
      this.experiments,
      this.models,
      this.prompts,
      this.experimentsView,
      this.modelsView,
      this.promptsView,
      // Collapsing a node that is still loading stops the listing (and "Collapse All" stops them all).
      this.experimentsView.onDidCollapseElement(({ element }) => this.experiments.collapsed(element)),
      this.modelsView.onDidCollapseElement(({ element }) => this.models.collapsed(element)),
      this.promptsView.onDidCollapseElement(({ element }) => this.prompts.collapsed(element)),
    );
  }

  private get trees(): ExplorerTreeDataProvider<ExplorerNode>[] {
    return [this.experiments, this.models, this.prompts];
  }

  /** The tree that holds the node, and its view's id (for progress shown on the view). */
  ownerOf(node: ExplorerNode): { tree: ExplorerTreeDataProvider<ExplorerNode>; viewId: string } | undefined {
    const ids = ['phi3Mlflow.experiments', 'phi3Mlflow.models', 'phi3Mlflow.prompts'];
    const index = this.trees.findIndex((tree) => tree.owns(node));
    return index < 0 ? undefined : { tree: this.trees[index]!, viewId: ids[index]! };
  }

  /** Reloads a node in whichever tree holds it, or every tree. */
  refresh(node?: ExplorerNode): void {
    if (!node) for (const tree of this.trees) tree.refresh();
    else this.ownerOf(node)?.tree.refresh(node);
  }

  redraw(node: ExplorerNode): void {
    this.ownerOf(node)?.tree.redraw(node);
  }

  /**
   * Reloads the Experiments tree and selects a run in it (one just logged): its experiment is
   * expanded and the run selected, once the view has listed them. False when it did not show up
   * within a few seconds (filtered out, or beyond the first page).
   */
  async revealRun(experimentId: string, runId: string): Promise<boolean> {
    this.experiments.refresh();
    // The view may list the root twice (once as it opens, once for the refresh): an experiment node
    // from the listing it dropped cannot be revealed, so look again in the newest listing.
    for (let attempt = 0; attempt < 3; attempt++) {
      const experiment = await this.waitForShown(
        undefined,
        (node) => node instanceof ExperimentNode && node.experiment.experimentId === experimentId,
        5_000,
      );
      if (!experiment) return false;
      this.experiments.refresh(experiment);
      try {
        await this.experimentsView.reveal(experiment, { expand: true, select: false, focus: false });
      } catch {
        continue; // a node the view no longer holds: the next attempt finds the one it does
      }
      const run = await this.waitForShown(experiment, (node) => node instanceof RunNode && node.runId === runId, 2_000);
      if (run) {
        await this.experimentsView.reveal(run, { select: true, focus: true });
        return true;
      }
    }
    return false;
  }

  /**
   * The child of `parent` that matches, once the Experiments view has listed it (looked at now and
   * each time the view takes children in); undefined when it has not within `timeoutMs`.
   */
  private waitForShown(
    parent: ExplorerNode | undefined,
    matches: (node: ExplorerNode) => boolean,
    timeoutMs: number,
  ): Promise<ExplorerNode | undefined> {
    const target = parent ?? this.experiments.root;
    return new Promise((resolve) => {
      const now = this.experiments.shownChildren(parent)?.find(matches);
      if (now) return resolve(now);
      const finish = (found: ExplorerNode | undefined) => {
        clearTimeout(timer);
        listener.dispose();
        resolve(found);
      };
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      const listener = this.experiments.onDidShowChildren((shown) => {
        if (shown !== target) return;
        const found = this.experiments.shownChildren(parent)?.find(matches);
        if (found) finish(found);
      });
    });
  }

  /** Shows the active filters above each tree. */
  updateMessages(): void {
    const experimentsRoot = this.experiments.root;
    const notes = [
      experimentsRoot.nameFilter ? `Name contains "${experimentsRoot.nameFilter}"` : '',
      experimentsRoot.showDeleted ? 'showing deleted experiments' : '',
    ].filter(Boolean);
    this.experimentsView.message = notes.length ? notes.join(' · ') : undefined;
    this.modelsView.message = this.models.root.nameFilter ? `Name contains "${this.models.root.nameFilter}"` : undefined;
    this.promptsView.message = this.prompts.root.nameFilter ? `Name contains "${this.prompts.root.nameFilter}"` : undefined;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
