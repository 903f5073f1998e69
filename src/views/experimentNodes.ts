import * as vscode from 'vscode';
import type { MlflowClient } from '../mlflow/client';
import type { Experiment, Page, Run } from '../mlflow/entities';
import { webUiPaths } from '../mlflow/modelUris';
import { searchLiteral } from '../mlflow/searchLiteral';
import { ExplorerNode, LoadMoreNode, MessageNode } from './explorerNode';
import { Pager } from './pager';
import { formatTime } from './runPresentation';
import { RunNode } from './runNodes';
import { TracesNode } from './traceNodes';

export const experimentsPageSize = 100;
export const runsPageSize = 50;

/**
 * The Experiments view's invisible root: experiments by last update, a page at a time, with the
 * view's name filter and whether deleted experiments are shown.
 */
export class ExperimentsRoot extends ExplorerNode {
  nameFilter = '';
  showDeleted = false;
  private pager: Pager<Experiment> | undefined;

  constructor(private readonly clientOf: () => MlflowClient | undefined) {
    super(undefined);
  }

  treeItem(): vscode.TreeItem {
    return new vscode.TreeItem('Experiments');
  }

  override reset(): void {
    this.pager = undefined;
  }

  override async children(signal?: AbortSignal): Promise<ExplorerNode[]> {
    const client = this.clientOf();
    if (!client) return [];
    this.pager ??= new Pager((token, pageSignal) =>
      client.experiments.searchPage(
        {
          maxResults: experimentsPageSize,
          orderBy: ['last_update_time DESC'],
          filter: this.nameFilter ? `name ILIKE ${searchLiteral(`%${this.nameFilter}%`)}` : undefined,
          viewType: this.showDeleted ? 'ALL' : 'ACTIVE_ONLY',
        },
        token,
        pageSignal,
      ),
    );
    const pager = this.pager;
    const { items, more } = await pager.items(signal);
    const nodes: ExplorerNode[] = items.map((experiment) => new ExperimentNode(this, client, experiment));
    if (nodes.length === 0 && this.nameFilter) nodes.push(new MessageNode(this, `No experiment name contains "${this.nameFilter}"`));
    if (more) nodes.push(new LoadMoreNode(this, () => pager.loadMore(), `next ${experimentsPageSize} experiments`));
    return nodes;
  }
}

/**
 * An experiment; its children are its Traces, then its runs, newest first, 50 a page, filtered by
 * MLflow's search syntax.
 */
export class ExperimentNode extends ExplorerNode {
  runFilter = '';
  showDeletedRuns = false;
  private pager: Pager<Run> | undefined;
  /** Made once, so its filter outlives a refresh of the experiment. */
  private traces: TracesNode | undefined;

  constructor(
    parent: ExplorerNode,
    readonly client: MlflowClient,
    readonly experiment: Experiment,
  ) {
    super(parent);
  }

  get deleted(): boolean {
    return this.experiment.lifecycleStage === 'deleted';
  }

  treeItem(): vscode.TreeItem {
    const e = this.experiment;
    const item = new vscode.TreeItem(e.name, vscode.TreeItemCollapsibleState.Collapsed);
    const notes = [
      this.deleted ? 'deleted' : '',
      this.runFilter ? `filter: ${this.runFilter}` : '',
      this.showDeletedRuns ? 'with deleted runs' : '',
    ].filter(Boolean);
    item.description = notes.length ? notes.join(' · ') : formatTime(e.lastUpdateTime);
    item.iconPath = new vscode.ThemeIcon(this.deleted ? 'trash' : 'beaker');
    item.contextValue = this.deleted ? 'experiment.deleted' : 'experiment';
    const lines = [
      e.name,
      `Experiment ID: ${e.experimentId}`,
      `Artifact location: ${e.artifactLocation}`,
      `Last updated: ${formatTime(e.lastUpdateTime)}`,
    ];
    const note = e.tags['mlflow.note.content'];
    if (note) lines.push('', note);
    item.tooltip = lines.join('\n');
    return item;
  }

  override reset(): void {
    this.pager = undefined;
    this.traces?.reset();
  }

  override webUiPath(): string {
    return webUiPaths.experiment(this.experiment.experimentId);
  }

  /** The experiment's Traces node (the version is asked once per client, at connect). */
  async tracesNode(): Promise<TracesNode> {
    if (!this.traces) {
      const [features, serverVersion] = await Promise.all([this.client.features(), this.client.serverVersion()]);
      this.traces ??= new TracesNode(this, this.client, this.experiment.experimentId, { supported: features.traces, serverVersion });
    }
    return this.traces;
  }

  /** One page of runs as the view would show them (also used to check a filter before applying it). */
  searchRuns(filter: string, pageToken?: string, maxResults = runsPageSize, signal?: AbortSignal) {
    return this.client.runs.searchPage(
      {
        experimentIds: [this.experiment.experimentId],
        filter: filter || undefined,
        orderBy: ['attributes.start_time DESC'],
        maxResults,
        runViewType: this.showDeletedRuns ? 'ALL' : 'ACTIVE_ONLY',
      },
      pageToken,
      signal,
    );
  }

  /**
   * Shows runs matching `filter` from `firstPage`, the page fetched to check it: a run filter costs the
   * server one query, not one to check it and one to list (on 10,000 runs a filter query is the slow part).
   * Called right after the tree's refresh of this node dropped what it had, before VS Code asks again.
   */
  showFilteredRuns(filter: string, firstPage: Page<Run>): void {
    this.runFilter = filter;
    this.pager = this.runsPager(firstPage);
  }

  private runsPager(firstPage?: Page<Run>): Pager<Run> {
    return new Pager((token, pageSignal) => this.searchRuns(this.runFilter, token, runsPageSize, pageSignal), firstPage);
  }

  override async children(signal?: AbortSignal): Promise<ExplorerNode[]> {
    this.pager ??= this.runsPager();
    const pager = this.pager;
    const [traces, { items, more }] = await Promise.all([this.tracesNode(), pager.items(signal)]);
    const nodes: ExplorerNode[] = [traces, ...items.map((run) => new RunNode(this, this.client, run))];
    if (items.length === 0) nodes.push(new MessageNode(this, this.runFilter ? `No run matches ${this.runFilter}` : 'No runs'));
    if (more) nodes.push(new LoadMoreNode(this, () => pager.loadMore(), `next ${runsPageSize} runs`));
    return nodes;
  }
}
