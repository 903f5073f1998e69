import * as vscode from 'vscode';
import type { MlflowClient } from '../mlflow/client';
import { ExperimentsRoot } from './experimentNodes';
import type { ExplorerNode } from './explorerNode';
import { type ExplorerTreeOptions, ExplorerTreeDataProvider } from './explorerTreeDataProvider';
import { RegisteredModelsRoot } from './modelNodes';

/** The two sidebar trees (Experiments, Models), their providers and tree views. */
export class Explorer implements vscode.Disposable {
  readonly experiments: ExplorerTreeDataProvider<ExperimentsRoot>;
  readonly models: ExplorerTreeDataProvider<RegisteredModelsRoot>;
  readonly experimentsView: vscode.TreeView<ExplorerNode>;
  readonly modelsView: vscode.TreeView<ExplorerNode>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(clientOf: () => MlflowClient | undefined, log: vscode.LogOutputChannel, options: ExplorerTreeOptions = {}) {
    this.experiments = new ExplorerTreeDataProvider(new ExperimentsRoot(clientOf), log, options);
    this.models = new ExplorerTreeDataProvider(new RegisteredModelsRoot(clientOf), log, options);
    this.experimentsView = vscode.window.createTreeView('phi3Mlflow.experiments', { treeDataProvider: this.experiments, canSelectMany: true, showCollapseAll: true });
    this.modelsView = vscode.window.createTreeView('phi3Mlflow.models', { treeDataProvider: this.models, canSelectMany: true, showCollapseAll: true });
    this.disposables.push(
      this.experiments,
      this.models,
      this.experimentsView,
      this.modelsView,
      // Collapsing a node that is still loading stops the listing (and "Collapse All" stops them all).
      this.experimentsView.onDidCollapseElement(({ element }) => this.experiments.collapsed(element)),
      this.modelsView.onDidCollapseElement(({ element }) => this.models.collapsed(element)),
    );
  }

  /** Reloads a node in whichever tree holds it, or both trees. */
  refresh(node?: ExplorerNode): void {
    if (!node) {
      this.experiments.refresh();
      this.models.refresh();
    } else if (this.experiments.owns(node)) this.experiments.refresh(node);
    else if (this.models.owns(node)) this.models.refresh(node);
  }

  redraw(node: ExplorerNode): void {
    if (this.experiments.owns(node)) this.experiments.redraw(node);
    else if (this.models.owns(node)) this.models.redraw(node);
  }

  /** Shows the active filters above each tree. */
  updateMessages(): void {
    const experimentsRoot = this.experiments.root;
    const notes = [experimentsRoot.nameFilter ? `Name contains "${experimentsRoot.nameFilter}"` : '', experimentsRoot.showDeleted ? 'showing deleted experiments' : ''].filter(Boolean);
    this.experimentsView.message = notes.length ? notes.join(' · ') : undefined;
    this.modelsView.message = this.models.root.nameFilter ? `Name contains "${this.models.root.nameFilter}"` : undefined;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
