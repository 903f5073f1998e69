import * as vscode from 'vscode';
import type { ArtifactSource } from '../mlflow/artifacts';
import type { MlflowClient } from '../mlflow/client';
import type { MlflowModelSpec } from '../mlflow/mlflowModelSource';

/** A model Register Model… can make a version of: its source URI, and the run / logged model it comes from. */
export interface RegistrableModel {
  readonly client: MlflowClient;
  readonly source: string;
  readonly runId?: string;
  readonly modelId?: string;
  readonly label: string;
  /** A run's artifact folder, not yet known to hold an MLmodel (a model folder must): where to look. */
  readonly unchecked?: { readonly artifacts: ArtifactSource; readonly folder: string };
}

/**
 * A node of the explorer trees. Each kind of MLflow object has its node class (experimentNodes.ts,
 * runNodes.ts, artifactNodes.ts, modelNodes.ts); a node knows how to show itself and how to list its
 * children through the REST services, and nothing else. Providers catch what `children()` throws.
 */
export abstract class ExplorerNode {
  constructor(readonly parent: ExplorerNode | undefined) {}

  abstract treeItem(): vscode.TreeItem;

  /**
   * Children of an expandable node; throwing shows an error node with Retry in their place. The
   * signal is aborted when the listing is no longer wanted (Refresh, Cancel, the node collapsed).
   */
  children(_signal?: AbortSignal): Promise<ExplorerNode[]> {
    return Promise.resolve([]);
  }

  /** Drops what the node has loaded, so the next expansion asks the server again. */
  reset(): void {}

  /** The node's page in MLflow's web UI, as the part after `#` (e.g. `/experiments/1`). */
  webUiPath(): string | undefined {
    return this.parent?.webUiPath();
  }

  /** The MLflow model the node stands for, as the chat opens it: a run, logged model, version or alias. */
  modelSpec(): MlflowModelSpec | undefined {
    return undefined;
  }

  /**
   * The URIs MLflow loads the node's model from (`mlflow.pyfunc.load_model(uri)`), the node's own
   * first (a version's aliases and logged model follow it); none when the node is no model.
   */
  modelUris(): readonly string[] {
    return [];
  }

  /** What registering the node's model sends; undefined when the node is nothing to register. */
  registrable(): RegistrableModel | undefined {
    return undefined;
  }
}

/** A fixed line of text: an empty listing, a "not on MLflow 2" note. */
export class MessageNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode | undefined,
    private readonly message: string,
    private readonly icon = 'info',
  ) {
    super(parent);
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.message, vscode.TreeItemCollapsibleState.None);
    item.iconPath = new vscode.ThemeIcon(this.icon);
    item.contextValue = 'message';
    return item;
  }
}

/**
 * What a failed listing shows in its place: the server's message and a Retry action (the node's
 * click and its inline button), so a server that is down, a rejected password or an object deleted
 * elsewhere never leaves a blank or spinning tree.
 */
export class ErrorNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode | undefined,
    readonly message: string,
    /** Reloads what failed: the parent node, or the whole tree. */
    readonly retry: () => void,
    /** A listing the user stopped is no error: it shows a plain stop icon. */
    private readonly stopped = false,
  ) {
    super(parent);
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.message, vscode.TreeItemCollapsibleState.None);
    item.iconPath = this.stopped
      ? new vscode.ThemeIcon('debug-stop')
      : new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    item.tooltip = `${this.message}\n\nClick to retry.`;
    item.contextValue = 'error';
    item.command = { command: 'phi3Mlflow.retry', title: 'Retry', arguments: [this] };
    return item;
  }
}

/**
 * Stands in for a listing the server has not answered for a few seconds: says so, and stops it when
 * clicked (or with its inline Cancel button). The listing replaces it when the answer comes.
 */
export class LoadingNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode | undefined,
    readonly cancel: () => void,
    private readonly timeLimitSeconds: number | undefined,
  ) {
    super(parent);
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Still loading… (server slow)', vscode.TreeItemCollapsibleState.None);
    item.description = 'click to cancel';
    item.iconPath = new vscode.ThemeIcon('loading~spin');
    const limit = this.timeLimitSeconds ? `It gives up after ${this.timeLimitSeconds} s (setting phi3Mlflow.requestTimeoutSeconds).` : '';
    item.tooltip = `The server has not answered yet. ${limit}\n\nClick to stop loading; Retry loads again.`;
    item.contextValue = 'loading';
    item.command = { command: 'phi3Mlflow.cancelLoading', title: 'Cancel Loading', arguments: [this] };
    return item;
  }
}

/** The last item of a paged listing: loads the next page into its parent. */
export class LoadMoreNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode | undefined,
    readonly loadMore: () => Promise<void>,
    private readonly what: string,
  ) {
    super(parent);
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
    item.description = this.what;
    item.iconPath = new vscode.ThemeIcon('ellipsis');
    item.contextValue = 'loadMore';
    item.command = { command: 'phi3Mlflow.loadMore', title: 'Load more', arguments: [this] };
    return item;
  }
}

/** A `key = value` line: a param, a latest metric, a tag. */
export class KeyValueNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode | undefined,
    readonly key: string,
    readonly value: string,
    readonly contextValue: string,
    private readonly icon: string,
    private readonly detail?: string,
  ) {
    super(parent);
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.key, vscode.TreeItemCollapsibleState.None);
    item.description = this.value;
    item.tooltip = `${this.key} = ${this.value}${this.detail ? `\n${this.detail}` : ''}`;
    item.iconPath = new vscode.ThemeIcon(this.icon);
    item.contextValue = this.contextValue;
    return item;
  }
}

/** A group of already loaded children under a fixed label (Parameters, Metrics, Tags). */
export class GroupNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode | undefined,
    readonly label: string,
    private readonly icon: string,
    private readonly makeChildren: (group: GroupNode) => ExplorerNode[] | Promise<ExplorerNode[]>,
    private readonly description?: string,
    readonly contextValue = 'group',
  ) {
    super(parent);
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.iconPath = new vscode.ThemeIcon(this.icon);
    item.description = this.description;
    item.contextValue = this.contextValue;
    return item;
  }

  override async children(): Promise<ExplorerNode[]> {
    const found = await this.makeChildren(this);
    return found.length ? found : [new MessageNode(this, `No ${this.label.toLowerCase()}`)];
  }
}
