import * as vscode from 'vscode';
import { loggedModelArtifacts, runArtifacts } from '../mlflow/artifacts';
import type { MlflowClient } from '../mlflow/client';
import type { LoggedModel, Run } from '../mlflow/entities';
import type { MlflowModelSpec } from '../mlflow/mlflowModelSource';
import { loggedModelUri, webUiPaths } from '../mlflow/modelUris';
import { ArtifactFolderNode, artifactNodes } from './artifactNodes';
import { ExplorerNode, GroupNode, KeyValueNode, MessageNode, type RegistrableModel } from './explorerNode';
import { formatNumber, formatTime, runDescription, runStatusIcon, runTooltipText } from './runPresentation';

/** Tags MLflow sets itself (run name, user, source) go after the user's own. */
const byUserTagsFirst = ([a]: [string, string], [b]: [string, string]) =>
  Number(a.startsWith('mlflow.')) - Number(b.startsWith('mlflow.')) || a.localeCompare(b);

/**
 * A run: its name, status icon, start time and duration; expanded, it asks the server for the run
 * again (so a run deleted elsewhere shows "does not exist" with Retry) and shows its Parameters,
 * Metrics (latest values), Tags, Artifacts and, on MLflow 3, its Logged models.
 */
export class RunNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode,
    readonly client: MlflowClient,
    public run: Run,
    /** "Source run" under a model version. */
    private readonly role?: string,
  ) {
    super(parent);
  }

  get runId(): string {
    return this.run.info.runId;
  }

  get label(): string {
    return this.run.info.runName || this.run.info.runId;
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.role ? `${this.role}: ${this.label}` : this.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.description = runDescription(this.run);
    item.iconPath = runStatusIcon(this.run);
    item.tooltip = runTooltipText(this.run);
    item.contextValue = this.run.info.lifecycleStage === 'deleted' ? 'run.deleted' : 'run';
    return item;
  }

  override webUiPath(): string {
    return webUiPaths.run(this.run.info.experimentId, this.runId);
  }

  override modelSpec(): MlflowModelSpec {
    return { kind: 'run', runId: this.runId };
  }

  override async children(signal?: AbortSignal): Promise<ExplorerNode[]> {
    this.run = await this.client.runs.get(this.runId, signal);
    const run = this.run;
    const nodes: ExplorerNode[] = [
      new GroupNode(
        this,
        'Parameters',
        'symbol-parameter',
        (group) =>
          Object.entries(run.params)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([key, value]) => new KeyValueNode(group, key, value, 'param', 'symbol-constant')),
        String(Object.keys(run.params).length),
      ),
      new GroupNode(
        this,
        'Metrics',
        'graph-line',
        (group) =>
          [...run.metrics]
            .sort((a, b) => a.key.localeCompare(b.key))
            .map((m) => new MetricNode(group, this, m.key, m.value, `step ${m.step}, ${formatTime(m.timestamp)}`)),
        String(run.metrics.length),
        'metrics',
      ),
      new GroupNode(
        this,
        'Tags',
        'tag',
        (group) =>
          Object.entries(run.tags)
            .sort(byUserTagsFirst)
            .map(([key, value]) => new KeyValueNode(group, key, value, 'tag.run', 'tag')),
        String(Object.keys(run.tags).length),
      ),
      new ArtifactFolderNode(this, this.client, runArtifacts(this.runId, run.info.artifactUri), '', 'Artifacts'),
    ];
    if ((await this.client.features()).loggedModels) nodes.push(new LoggedModelsGroupNode(this, this.client, run));
    return nodes;
  }
}

/** A metric's latest value; clicking opens its history as a chart. */
export class MetricNode extends KeyValueNode {
  constructor(
    parent: ExplorerNode,
    readonly runNode: RunNode,
    key: string,
    value: number,
    detail: string,
  ) {
    super(parent, key, formatNumber(value), 'metric', 'graph-line', detail);
  }

  override treeItem(): vscode.TreeItem {
    const item = super.treeItem();
    item.command = { command: 'phi3Mlflow.showMetricCharts', title: 'Show Metric Chart', arguments: [this] };
    return item;
  }
}

/** MLflow 3: the logged models a run produced (searched by source run). */
export class LoggedModelsGroupNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode,
    readonly client: MlflowClient,
    readonly run: Run,
  ) {
    super(parent);
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Logged models', vscode.TreeItemCollapsibleState.Collapsed);
    item.iconPath = new vscode.ThemeIcon('package');
    item.contextValue = 'loggedModels';
    return item;
  }

  override async children(signal?: AbortSignal): Promise<ExplorerNode[]> {
    const search = {
      experimentIds: [this.run.info.experimentId],
      filter: `source_run_id = '${this.run.info.runId}'`,
      orderBy: [{ field: 'creation_timestamp', ascending: false }],
      maxResults: 100,
    };
    const page = await this.client.loggedModels.searchPage(search, undefined, signal);
    if (page.items.length === 0) return [new MessageNode(this, 'No logged models')];
    return page.items.map((model) => new LoggedModelNode(this, this.client, model));
  }
}

/** An MLflow 3 logged model (`models:/<model_id>`); its children are its artifacts. */
export class LoggedModelNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode,
    readonly client: MlflowClient,
    readonly model: LoggedModel,
    private readonly role?: string,
  ) {
    super(parent);
  }

  treeItem(): vscode.TreeItem {
    const m = this.model;
    const item = new vscode.TreeItem(this.role ? `${this.role}: ${m.name}` : m.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.description = [m.modelId, m.status === 'LOGGED_MODEL_READY' ? '' : m.status.replace('LOGGED_MODEL_', '').toLowerCase()]
      .filter(Boolean)
      .join(' · ');
    item.iconPath = new vscode.ThemeIcon('package');
    item.contextValue = 'loggedModel';
    const lines = [m.name, `Model ID: ${m.modelId}`, `Status: ${m.status}`, `Created: ${formatTime(m.creationTimestampMs)}`];
    if (m.sourceRunId) lines.push(`Source run: ${m.sourceRunId}`);
    item.tooltip = lines.join('\n');
    return item;
  }

  override webUiPath(): string {
    return webUiPaths.loggedModel(this.model.experimentId, this.model.modelId);
  }

  override modelSpec(): MlflowModelSpec {
    return { kind: 'loggedModel', modelId: this.model.modelId };
  }

  override modelUris(): readonly string[] {
    return [loggedModelUri(this.model.modelId)];
  }

  override registrable(): RegistrableModel {
    return {
      client: this.client,
      source: loggedModelUri(this.model.modelId),
      modelId: this.model.modelId,
      runId: this.model.sourceRunId,
      label: this.model.name,
    };
  }

  override async children(signal?: AbortSignal): Promise<ExplorerNode[]> {
    const source = loggedModelArtifacts(this.model.modelId, this.model.artifactUri);
    const entries = [];
    for await (const entry of this.client.artifacts.list(source, undefined, signal)) entries.push(entry);
    if (entries.length === 0) return [new MessageNode(this, 'No artifacts')];
    return artifactNodes(this, this.client, source, entries);
  }
}
