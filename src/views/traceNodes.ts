import * as vscode from 'vscode';
import type { MlflowClient } from '../mlflow/client';
import type { Page } from '../mlflow/entities';
import { webUiPaths } from '../mlflow/modelUris';
import type { SpanNode, TraceInfo } from '../mlflow/traces/traceEntities';
import { ExplorerNode, LoadMoreNode, MessageNode } from './explorerNode';
import { Pager } from './pager';
import { describeTraceFilter, isTraceFilterEmpty, noTraceFilter, type TraceFilter, traceFilterString } from './traceFilter';
import { spanDescription, spanIcon, spanTooltip, traceDescription, traceLabel, traceStateIcon, traceTooltip } from './tracePresentation';

export const tracesPageSize = 50;

/** Whether the server can list traces (MLflow 3), and its version for the note when it cannot. */
export interface TraceSupport {
  readonly supported: boolean;
  readonly serverVersion: string;
}

/**
 * An experiment's traces, newest first, 50 a page, with the Filter Traces… filter (state and `phi3`
 * tags). On a server before MLflow 3 the node says so and lists nothing: no trace call is made.
 */
export class TracesNode extends ExplorerNode {
  filter: TraceFilter = noTraceFilter;
  private pager: Pager<TraceInfo> | undefined;

  constructor(
    parent: ExplorerNode,
    readonly client: MlflowClient,
    readonly experimentId: string,
    readonly support: TraceSupport,
  ) {
    super(parent);
  }

  get unsupportedMessage(): string | undefined {
    return this.support.supported ? undefined : `Traces need an MLflow 3 server; this one runs MLflow ${this.support.serverVersion}`;
  }

  treeItem(): vscode.TreeItem {
    const unsupported = this.unsupportedMessage;
    const item = new vscode.TreeItem(
      'Traces',
      unsupported ? vscode.TreeItemCollapsibleState.None : vscode.TreeItemCollapsibleState.Collapsed,
    );
    if (unsupported) {
      item.description = 'needs MLflow 3';
      item.tooltip = unsupported;
      item.iconPath = new vscode.ThemeIcon('warning');
      item.contextValue = 'traces.unsupported';
      return item;
    }
    const filtered = !isTraceFilterEmpty(this.filter);
    item.description = filtered ? `filter: ${describeTraceFilter(this.filter)}` : undefined;
    item.tooltip = `The experiment's traces, newest first${filtered ? `, filtered by ${traceFilterString(this.filter)}` : ''}`;
    item.iconPath = new vscode.ThemeIcon('pulse');
    item.contextValue = filtered ? 'traces.filtered' : 'traces';
    return item;
  }

  override reset(): void {
    this.pager = undefined;
  }

  override webUiPath(): string {
    return `${webUiPaths.experiment(this.experimentId)}/traces`;
  }

  /**
   * Shows traces matching `filter` from `firstPage`, the page fetched to check it (one query, as
   * Filter Runs… does). Called right after the tree's refresh of this node dropped what it had.
   */
  showFilteredTraces(filter: TraceFilter, firstPage: Page<TraceInfo>): void {
    this.filter = filter;
    this.pager = this.tracesPager(firstPage);
  }

  private tracesPager(firstPage?: Page<TraceInfo>): Pager<TraceInfo> {
    return new Pager((token, pageSignal) => this.searchTraces(this.filter, token, tracesPageSize, pageSignal), firstPage);
  }

  /** One page of traces as the node would show them under a filter (also the page that checks a new filter). */
  searchTraces(filter: TraceFilter, pageToken?: string, maxResults = tracesPageSize, signal?: AbortSignal) {
    return this.client.traces.searchPage(
      { experimentIds: [this.experimentId], filter: traceFilterString(filter), orderBy: ['timestamp_ms DESC'], maxResults },
      pageToken,
      signal,
    );
  }

  override async children(signal?: AbortSignal): Promise<ExplorerNode[]> {
    const unsupported = this.unsupportedMessage;
    if (unsupported) return [new MessageNode(this, unsupported, 'warning')];
    this.pager ??= this.tracesPager();
    const pager = this.pager;
    const { items, more } = await pager.items(signal);
    const nodes: ExplorerNode[] = items.map((info) => new TraceNode(this, this.client, info));
    if (nodes.length === 0)
      nodes.push(
        new MessageNode(this, isTraceFilterEmpty(this.filter) ? 'No traces' : `No trace matches ${describeTraceFilter(this.filter)}`),
      );
    if (more) nodes.push(new LoadMoreNode(this, () => pager.loadMore(), `next ${tracesPageSize} traces`));
    return nodes;
  }
}

/** A trace: its request preview, state, time and execution time; expanded, its span tree. */
export class TraceNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode,
    readonly client: MlflowClient,
    readonly info: TraceInfo,
  ) {
    super(parent);
  }

  get traceId(): string {
    return this.info.traceId;
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(traceLabel(this.info), vscode.TreeItemCollapsibleState.Collapsed);
    item.description = traceDescription(this.info);
    item.tooltip = traceTooltip(this.info);
    item.iconPath = traceStateIcon(this.info.state);
    item.contextValue = 'trace';
    return item;
  }

  override webUiPath(): string {
    return webUiPaths.trace(this.info.experimentId, this.traceId);
  }

  override async children(signal?: AbortSignal): Promise<ExplorerNode[]> {
    const trace = await this.client.traces.get(this.traceId, signal);
    if (trace.roots.length === 0) return [new MessageNode(this, 'No spans')];
    return trace.roots.map((root) => new TraceSpanNode(this, this, root));
  }
}

/** A span of a trace: name, type, duration and status; its children are its child spans. Clicking shows its details. */
export class TraceSpanNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode,
    readonly trace: TraceNode,
    readonly node: SpanNode,
  ) {
    super(parent);
  }

  treeItem(): vscode.TreeItem {
    const span = this.node.span;
    const item = new vscode.TreeItem(
      span.name,
      this.node.children.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
    );
    item.description = spanDescription(span);
    item.tooltip = spanTooltip(span);
    item.iconPath = spanIcon(span);
    item.contextValue = 'traceSpan';
    item.command = { command: 'phi3Mlflow.showTrace', title: 'Show Trace Details', arguments: [this] };
    return item;
  }

  override children(): Promise<ExplorerNode[]> {
    return Promise.resolve(this.node.children.map((child) => new TraceSpanNode(this, this.trace, child)));
  }
}
