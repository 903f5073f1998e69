import * as vscode from 'vscode';
import { loggedModelArtifacts, runArtifacts } from '../mlflow/artifacts';
import type { MlflowClient } from '../mlflow/client';
import type { ModelVersion, RegisteredModel } from '../mlflow/entities';
import type { MlflowModelSpec } from '../mlflow/mlflowModelSource';
import { aliasModelUri, loggedModelUri, versionFiles, versionModelUri, webUiPaths } from '../mlflow/modelUris';
import { MlmodelNode } from './artifactNodes';
import { ExplorerNode, GroupNode, KeyValueNode, LoadMoreNode, MessageNode } from './explorerNode';
import { Pager } from './pager';
import { formatTime } from './runPresentation';
import { searchLiteral } from '../mlflow/searchLiteral';
import { LoggedModelNode, RunNode } from './runNodes';
import { errorMessage } from '../errorMessage';

export const modelsPageSize = 100;
export const versionsPageSize = 50;

/** The Models view's invisible root: registered models by name, a page at a time, with a name filter. */
export class RegisteredModelsRoot extends ExplorerNode {
  nameFilter = '';
  private pager: Pager<RegisteredModel> | undefined;

  constructor(private readonly clientOf: () => MlflowClient | undefined) {
    super(undefined);
  }

  treeItem(): vscode.TreeItem {
    return new vscode.TreeItem('Registered models');
  }

  override reset(): void {
    this.pager = undefined;
  }

  override async children(signal?: AbortSignal): Promise<ExplorerNode[]> {
    const client = this.clientOf();
    if (!client) return [];
    this.pager ??= new Pager((token, pageSignal) =>
      client.registry.searchModelsPage(
        {
          maxResults: modelsPageSize,
          orderBy: ['name ASC'],
          filter: this.nameFilter ? `name ILIKE ${searchLiteral(`%${this.nameFilter}%`)}` : undefined,
        },
        token,
        pageSignal,
      ),
    );
    const pager = this.pager;
    const { items, more } = await pager.items(signal);
    const nodes: ExplorerNode[] = items.map((model) => new RegisteredModelNode(this, client, model));
    if (nodes.length === 0 && this.nameFilter) nodes.push(new MessageNode(this, `No registered model name contains "${this.nameFilter}"`));
    if (more) nodes.push(new LoadMoreNode(this, () => pager.loadMore(), `next ${modelsPageSize} models`));
    return nodes;
  }
}

/** A registered model; expanded, it is read again (aliases, tags) and lists its versions, newest first. */
export class RegisteredModelNode extends ExplorerNode {
  private pager: Pager<ModelVersion> | undefined;

  constructor(
    parent: ExplorerNode,
    readonly client: MlflowClient,
    public model: RegisteredModel,
  ) {
    super(parent);
  }

  get name(): string {
    return this.model.name;
  }

  treeItem(): vscode.TreeItem {
    const m = this.model;
    const item = new vscode.TreeItem(m.name, vscode.TreeItemCollapsibleState.Collapsed);
    const aliases = Object.keys(m.aliases).map((a) => `@${a}`);
    const latest = m.latestVersions.reduce((max, v) => Math.max(max, Number(v.version) || 0), 0);
    item.description = [latest ? `latest v${latest}` : '', ...aliases].filter(Boolean).join(' · ');
    item.iconPath = new vscode.ThemeIcon('library');
    item.contextValue = 'registeredModel';
    const lines = [m.name, `Updated: ${formatTime(m.lastUpdatedTimestamp)}`];
    for (const [alias, version] of Object.entries(m.aliases)) lines.push(`@${alias} → version ${version}`);
    if (m.description) lines.push('', m.description);
    const tags = Object.entries(m.tags);
    if (tags.length) lines.push('', ...tags.map(([k, v]) => `${k} = ${v}`));
    item.tooltip = lines.join('\n');
    return item;
  }

  override webUiPath(): string {
    return webUiPaths.registeredModel(this.name);
  }

  override reset(): void {
    this.pager = undefined;
  }

  override async children(signal?: AbortSignal): Promise<ExplorerNode[]> {
    this.model = await this.client.registry.getModel(this.name, signal);
    const name = this.name;
    this.pager ??= new Pager((token, pageSignal) =>
      this.client.registry.searchVersionsPage(
        { filter: `name = ${searchLiteral(name)}`, orderBy: ['version_number DESC'], maxResults: versionsPageSize },
        token,
        pageSignal,
      ),
    );
    const pager = this.pager;
    const { items, more } = await pager.items(signal);
    const nodes: ExplorerNode[] = [];
    const tags = Object.entries(this.model.tags);
    if (tags.length)
      nodes.push(
        new GroupNode(
          this,
          'Tags',
          'tag',
          (group) => tags.map(([k, v]) => new KeyValueNode(group, k, v, 'tag.model', 'tag')),
          String(tags.length),
        ),
      );
    nodes.push(...items.map((version) => new ModelVersionNode(this, this.client, version, aliasesOf(this.model, version.version))));
    if (items.length === 0) nodes.push(new MessageNode(this, 'No versions'));
    if (more) nodes.push(new LoadMoreNode(this, () => pager.loadMore(), `next ${versionsPageSize} versions`));
    return nodes;
  }
}

/** Version search answers carry no aliases: they come from the registered model (alias → version). */
function aliasesOf(model: RegisteredModel, version: string): string[] {
  return Object.entries(model.aliases)
    .filter(([, v]) => v === version)
    .map(([alias]) => alias)
    .sort();
}

/**
 * A model version: aliases, stage and status in its description; children are its source run, its
 * logged model (MLflow 3), its MLmodel with the signature, its aliases and its tags.
 */
export class ModelVersionNode extends ExplorerNode {
  constructor(
    parent: RegisteredModelNode,
    readonly client: MlflowClient,
    readonly version: ModelVersion,
    readonly aliases: readonly string[],
  ) {
    super(parent);
  }

  treeItem(): vscode.TreeItem {
    const v = this.version;
    const item = new vscode.TreeItem(`Version ${v.version}`, vscode.TreeItemCollapsibleState.Collapsed);
    item.description = [
      ...this.aliases.map((a) => `@${a}`),
      v.currentStage !== 'None' ? v.currentStage : '',
      v.status !== 'READY' ? v.status : '',
    ]
      .filter(Boolean)
      .join(' · ');
    item.iconPath = new vscode.ThemeIcon(
      v.status === 'FAILED_REGISTRATION' ? 'error' : v.status === 'PENDING_REGISTRATION' ? 'loading~spin' : 'versions',
    );
    item.contextValue = 'modelVersion';
    const lines = [
      `${v.name} version ${v.version}`,
      `Status: ${v.status}${v.statusMessage ? ` (${v.statusMessage})` : ''}`,
      `Stage: ${v.currentStage}`,
      `Source: ${v.source}`,
    ];
    if (v.runId) lines.push(`Run: ${v.runId}`);
    if (this.aliases.length) lines.push(`Aliases: ${this.aliases.map((a) => `@${a}`).join(', ')}`);
    lines.push(`Created: ${formatTime(v.creationTimestamp)}`);
    if (v.description) lines.push('', v.description);
    const tags = Object.entries(v.tags);
    if (tags.length) lines.push('', ...tags.map(([k, val]) => `${k} = ${val}`));
    item.tooltip = lines.join('\n');
    return item;
  }

  override webUiPath(): string {
    return webUiPaths.modelVersion(this.version.name, this.version.version);
  }

  override modelSpec(): MlflowModelSpec {
    return { kind: 'version', name: this.version.name, version: this.version.version };
  }

  override modelUris(): readonly string[] {
    const { name, version, modelId } = this.version;
    return [
      versionModelUri(name, version),
      ...this.aliases.map((alias) => aliasModelUri(name, alias)),
      ...(modelId ? [loggedModelUri(modelId)] : []),
    ];
  }

  override async children(signal?: AbortSignal): Promise<ExplorerNode[]> {
    const v = this.version;
    const nodes: ExplorerNode[] = [];
    if (v.runId) {
      try {
        nodes.push(new RunNode(this, this.client, await this.client.runs.get(v.runId, signal), 'Source run'));
      } catch (error) {
        nodes.push(new MessageNode(this, `Source run ${v.runId}: ${errorMessage(error)}`, 'warning'));
      }
    }
    if (v.modelId) {
      try {
        nodes.push(new LoggedModelNode(this, this.client, await this.client.loggedModels.get(v.modelId, signal), 'Logged model'));
      } catch (error) {
        nodes.push(new MessageNode(this, `Logged model ${v.modelId}: ${errorMessage(error)}`, 'warning'));
      }
    }
    const files = versionFiles(v.source, v.runId, v.modelId);
    if (files) {
      const source = files.kind === 'run' ? runArtifacts(files.runId) : loggedModelArtifacts(files.modelId);
      nodes.push(new MlmodelNode(this, this.client, source, files.path ? `${files.path}/MLmodel` : 'MLmodel', undefined));
    }
    if (this.aliases.length) {
      nodes.push(
        new GroupNode(
          this,
          'Aliases',
          'bookmark',
          (group) => this.aliases.map((alias) => new AliasNode(group, this, alias)),
          this.aliases.map((a) => `@${a}`).join(' '),
        ),
      );
    }
    const tags = Object.entries(v.tags);
    nodes.push(
      new GroupNode(
        this,
        'Tags',
        'tag',
        (group) => tags.map(([k, val]) => new KeyValueNode(group, k, val, 'tag.version', 'tag')),
        String(tags.length),
      ),
    );
    return nodes;
  }
}

/** `@alias` of a version: copy `models:/<name>@<alias>`, or remove it. */
export class AliasNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode,
    readonly versionNode: ModelVersionNode,
    readonly alias: string,
  ) {
    super(parent);
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(`@${this.alias}`, vscode.TreeItemCollapsibleState.None);
    item.description = `models:/${this.versionNode.version.name}@${this.alias}`;
    item.iconPath = new vscode.ThemeIcon('bookmark');
    item.contextValue = 'alias';
    return item;
  }

  override modelSpec(): MlflowModelSpec {
    return { kind: 'alias', name: this.versionNode.version.name, alias: this.alias };
  }

  override modelUris(): readonly string[] {
    return [aliasModelUri(this.versionNode.version.name, this.alias)];
  }
}
