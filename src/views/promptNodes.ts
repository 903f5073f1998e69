import * as vscode from 'vscode';
import type { MlflowClient } from '../mlflow/client';
import { MlflowError } from '../mlflow/errors';
import type { Prompt, PromptVersion } from '../mlflow/prompts/promptEntities';
import { promptAliasUri } from '../mlflow/prompts/promptUris';
import { searchLiteral } from '../mlflow/searchLiteral';
import { ExplorerNode, GroupNode, KeyValueNode, LoadMoreNode, MessageNode } from './explorerNode';
import { Pager } from './pager';
import { promptDocumentUri } from './promptDocuments';
import { formatTime } from './runPresentation';

export const promptsPageSize = 100;
export const promptVersionsPageSize = 50;

/** What the Prompts view knows of the server: MLflow 2 keeps text prompts only. */
interface PromptsServer {
  readonly client: MlflowClient;
  readonly chatPrompts: boolean;
}

/**
 * The Prompts view's invisible root: the server's registered prompts by name, a page at a time,
 * with a name filter. A server without the prompt registry (before MLflow 2.21) says so in one line.
 */
export class PromptsRoot extends ExplorerNode {
  nameFilter = '';
  private pager: Pager<Prompt> | undefined;

  constructor(private readonly clientOf: () => MlflowClient | undefined) {
    super(undefined);
  }

  treeItem(): vscode.TreeItem {
    return new vscode.TreeItem('Prompts');
  }

  override reset(): void {
    this.pager = undefined;
  }

  override async children(signal?: AbortSignal): Promise<ExplorerNode[]> {
    const client = this.clientOf();
    if (!client) return [];
    const filter = this.nameFilter ? `name ILIKE ${searchLiteral(`%${this.nameFilter}%`)}` : undefined;
    this.pager ??= new Pager((pageToken, pageSignal) =>
      client.prompts.searchPrompts({ filter, orderBy: ['name ASC'], maxResults: promptsPageSize, pageToken, signal: pageSignal }),
    );
    const pager = this.pager;
    let listed: { items: readonly Prompt[]; more: boolean };
    try {
      listed = await pager.items(signal);
    } catch (error) {
      // Not a failure to retry: this server has no prompt registry.
      if (error instanceof MlflowError && error.kind === 'unsupported') return [new MessageNode(this, error.message, 'warning')];
      throw error;
    }
    const server: PromptsServer = { client, chatPrompts: (await client.features()).chatPrompts };
    const nodes: ExplorerNode[] = listed.items.map((prompt) => new PromptNode(this, server, prompt));
    if (nodes.length === 0)
      nodes.push(new MessageNode(this, this.nameFilter ? `No prompt name contains "${this.nameFilter}"` : 'No prompts'));
    if (listed.more) nodes.push(new LoadMoreNode(this, () => pager.loadMore(), `next ${promptsPageSize} prompts`));
    return nodes;
  }
}

/** A prompt: its latest version and aliases; expanded, it is read again and lists its aliases and versions, newest first. */
export class PromptNode extends ExplorerNode {
  private pager: Pager<PromptVersion> | undefined;

  constructor(
    parent: ExplorerNode,
    readonly server: PromptsServer,
    public prompt: Prompt,
  ) {
    super(parent);
  }

  get name(): string {
    return this.prompt.name;
  }

  treeItem(): vscode.TreeItem {
    const p = this.prompt;
    const item = new vscode.TreeItem(p.name, vscode.TreeItemCollapsibleState.Collapsed);
    const aliases = Object.keys(p.aliases)
      .sort()
      .map((alias) => `@${alias}`);
    item.description = [p.latestVersion ? `latest v${p.latestVersion}` : '', ...aliases].filter(Boolean).join(' · ');
    item.iconPath = new vscode.ThemeIcon('symbol-string');
    item.contextValue = 'prompt';
    const lines = [p.name];
    if (p.latestVersion) lines.push(`Latest version: ${p.latestVersion}`);
    lines.push(`Updated: ${formatTime(p.lastUpdatedTimestamp)}`);
    for (const [alias, version] of Object.entries(p.aliases)) lines.push(`@${alias} → version ${version}`);
    if (p.description) lines.push('', p.description);
    const tags = Object.entries(p.tags);
    if (tags.length) lines.push('', ...tags.map(([k, v]) => `${k} = ${v}`));
    item.tooltip = lines.join('\n');
    return item;
  }

  override reset(): void {
    this.pager = undefined;
  }

  override async children(signal?: AbortSignal): Promise<ExplorerNode[]> {
    const { client } = this.server;
    this.prompt = await client.prompts.getPrompt(this.name, signal);
    const prompt = this.prompt;
    this.pager ??= new Pager((pageToken, pageSignal) =>
      client.prompts.versionsPage(prompt, { pageSize: promptVersionsPageSize, pageToken, signal: pageSignal }),
    );
    const pager = this.pager;
    const { items, more } = await pager.items(signal);
    const nodes: ExplorerNode[] = [];
    const aliases = Object.entries(prompt.aliases).sort(([a], [b]) => a.localeCompare(b));
    if (aliases.length)
      nodes.push(
        new GroupNode(
          this,
          'Aliases',
          'bookmark',
          (group) => aliases.map(([alias, version]) => new PromptAliasNode(group, this, alias, version)),
          aliases.map(([alias]) => `@${alias}`).join(' '),
        ),
      );
    nodes.push(...items.map((version) => new PromptVersionNode(this, this.server, version)));
    if (items.length === 0) nodes.push(new MessageNode(this, 'No versions'));
    if (more) nodes.push(new LoadMoreNode(this, () => pager.loadMore(), `next ${promptVersionsPageSize} versions`));
    return nodes;
  }
}

/**
 * A prompt version: its commit message and creation time, the template in its tooltip; children
 * are the template (opened read-only), its variables and its tags. On MLflow 2 a chat prompt (one
 * MLflow 3 wrote) is shown, but says it needs MLflow 3: MLflow 2 reads its messages as text.
 */
export class PromptVersionNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode,
    readonly server: PromptsServer,
    readonly version: PromptVersion,
  ) {
    super(parent);
  }

  /** Why this version cannot be used here, if it cannot. */
  get unusable(): string | undefined {
    return this.version.type === 'chat' && !this.server.chatPrompts
      ? `Version ${this.version.version} of "${this.version.name}" is a chat prompt: chat prompts need an MLflow 3 server.`
      : undefined;
  }

  treeItem(): vscode.TreeItem {
    const v = this.version;
    const item = new vscode.TreeItem(`Version ${v.version}`, vscode.TreeItemCollapsibleState.Collapsed);
    item.description = [
      ...v.aliases.map((alias) => `@${alias}`),
      v.type === 'chat' ? (this.server.chatPrompts ? 'chat' : 'chat prompt: needs MLflow 3') : '',
      v.commitMessage,
      formatTime(v.creationTimestamp),
    ]
      .filter(Boolean)
      .join(' · ');
    item.iconPath = new vscode.ThemeIcon(this.unusable ? 'warning' : 'versions');
    item.contextValue = this.unusable ? 'promptVersion.unusable' : 'promptVersion';
    const lines = [v.uri, `Created: ${formatTime(v.creationTimestamp)}`, `Type: ${v.type}`];
    if (v.commitMessage) lines.push(`Commit message: ${v.commitMessage}`);
    if (v.aliases.length) lines.push(`Aliases: ${v.aliases.map((alias) => `@${alias}`).join(', ')}`);
    if (v.variables.length) lines.push(`Variables: ${v.variables.join(', ')}`);
    const tags = Object.entries(v.tags);
    if (tags.length) lines.push(...tags.map(([k, val]) => `${k} = ${val}`));
    if (this.unusable) lines.push('', this.unusable);
    lines.push('', templateText(v));
    item.tooltip = lines.join('\n');
    return item;
  }

  override children(): Promise<ExplorerNode[]> {
    const v = this.version;
    const nodes: ExplorerNode[] = [new PromptTemplateNode(this, v)];
    if (v.variables.length)
      nodes.push(
        new GroupNode(
          this,
          'Variables',
          'symbol-variable',
          (group) => v.variables.map((name) => new MessageNode(group, `{{ ${name} }}`, 'symbol-variable')),
          String(v.variables.length),
        ),
      );
    const tags = Object.entries(v.tags);
    if (tags.length)
      nodes.push(
        new GroupNode(
          this,
          'Tags',
          'tag',
          (group) => tags.map(([k, val]) => new KeyValueNode(group, k, val, 'tag.promptVersion', 'tag')),
          String(tags.length),
        ),
      );
    return Promise.resolve(nodes);
  }
}

/** A version's template: its first line shown, the whole of it opened read-only on click. */
export class PromptTemplateNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode,
    readonly version: PromptVersion,
  ) {
    super(parent);
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Template', vscode.TreeItemCollapsibleState.None);
    const text = templateText(this.version);
    const first = text.split('\n').find((line) => line.trim()) ?? '';
    item.description = first.length > 80 ? `${first.slice(0, 79)}…` : first;
    item.tooltip = text;
    item.iconPath = new vscode.ThemeIcon('file-text');
    item.contextValue = 'promptTemplate';
    item.command = {
      command: 'vscode.open',
      title: 'Open Template',
      arguments: [promptDocumentUri(this.version.name, this.version.version), { preview: true }],
    };
    return item;
  }
}

/** `@alias` of a prompt: the version it points at; Use in Chat loads the alias (it may move). */
export class PromptAliasNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode,
    readonly promptNode: PromptNode,
    readonly alias: string,
    readonly version: string,
  ) {
    super(parent);
  }

  get uri(): string {
    return promptAliasUri(this.promptNode.name, this.alias);
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(`@${this.alias}`, vscode.TreeItemCollapsibleState.None);
    item.description = `version ${this.version} · ${this.uri}`;
    item.tooltip = `${this.uri} → version ${this.version}`;
    item.iconPath = new vscode.ThemeIcon('bookmark');
    item.contextValue = 'promptAlias';
    return item;
  }
}

/** The template as a reader sees it: a text prompt as it is, a chat prompt one `role: content` block a message. */
export function templateText(version: PromptVersion): string {
  return typeof version.template === 'string'
    ? version.template
    : version.template.map((message) => `${message.role}: ${message.content}`).join('\n\n');
}
