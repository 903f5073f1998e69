import * as vscode from 'vscode';
import type { ArtifactSource } from '../mlflow/artifacts';
import { readArtifactText } from '../mlflow/artifactText';
import type { MlflowClient } from '../mlflow/client';
import type { FileInfo } from '../mlflow/entities';
import { parseMlmodel, type SignatureField } from '../mlflow/mlmodel';
import { loggedModelUri, runModelUri } from '../mlflow/modelUris';
import { artifactDocumentUri } from './artifactDocuments';
import { ExplorerNode, MessageNode, type RegistrableModel } from './explorerNode';

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

function formatSize(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/** The URI MLflow loads a model folder of a run or a logged model from. */
function modelFolderUri(source: ArtifactSource, folder: string): string {
  return source.kind === 'loggedModel' ? loggedModelUri(source.modelId) : runModelUri(source.runId, folder);
}

/** A model folder to register: a logged model's is the logged model; a run's is registered by its runs:/ URI. */
function registrableFolder(client: MlflowClient, source: ArtifactSource, folder: string): Omit<RegistrableModel, 'unchecked'> {
  if (source.kind === 'loggedModel')
    return { client, source: loggedModelUri(source.modelId), modelId: source.modelId, label: source.modelId };
  return { client, source: runModelUri(source.runId, folder), runId: source.runId, label: folder };
}

/** Folders first, then files, each by name. */
function artifactOrder(a: FileInfo, b: FileInfo): number {
  return a.isDir === b.isDir ? a.path.localeCompare(b.path) : a.isDir ? -1 : 1;
}

export function artifactNodes(
  parent: ExplorerNode,
  client: MlflowClient,
  source: ArtifactSource,
  entries: readonly FileInfo[],
): ExplorerNode[] {
  return [...entries].sort(artifactOrder).map((entry) => {
    if (entry.isDir) return new ArtifactFolderNode(parent, client, source, entry.path);
    if (baseName(entry.path) === 'MLmodel') return new MlmodelNode(parent, client, source, entry.path, entry.fileSize);
    return new ArtifactFileNode(parent, client, source, entry.path, entry.fileSize);
  });
}

/**
 * A folder of a run's or a logged model's artifacts, listed when expanded (one folder at a time, so
 * a model with thousands of files never loads at once). The root folder (path '') is "Artifacts".
 */
export class ArtifactFolderNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode,
    readonly client: MlflowClient,
    readonly source: ArtifactSource,
    readonly path: string,
    private readonly label?: string,
  ) {
    super(parent);
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label ?? baseName(this.path), vscode.TreeItemCollapsibleState.Collapsed);
    item.iconPath = this.label ? new vscode.ThemeIcon('archive') : vscode.ThemeIcon.Folder;
    item.contextValue = this.path ? 'artifactFolder' : 'artifactRoot';
    item.tooltip = this.path || 'All artifacts';
    return item;
  }

  override modelUris(): readonly string[] {
    return [modelFolderUri(this.source, this.path)];
  }

  override registrable(): RegistrableModel {
    const model = registrableFolder(this.client, this.source, this.path);
    return this.source.kind === 'run' ? { ...model, unchecked: { artifacts: this.source, folder: this.path } } : model;
  }

  override async children(signal?: AbortSignal): Promise<ExplorerNode[]> {
    const entries: FileInfo[] = [];
    for await (const entry of this.client.artifacts.list(this.source, this.path || undefined, signal)) entries.push(entry);
    if (entries.length === 0) return [new MessageNode(this, 'No artifacts')];
    return artifactNodes(this, this.client, this.source, entries);
  }
}

/** A file: clicking opens it read-only in an editor through the `mlflow-artifact:` scheme. */
export class ArtifactFileNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode,
    readonly client: MlflowClient,
    readonly source: ArtifactSource,
    readonly path: string,
    readonly fileSize: number | undefined,
  ) {
    super(parent);
  }

  get uri(): vscode.Uri {
    return artifactDocumentUri(this.source, this.path);
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(baseName(this.path), vscode.TreeItemCollapsibleState.None);
    item.description = formatSize(this.fileSize);
    item.resourceUri = this.uri;
    item.iconPath = vscode.ThemeIcon.File;
    item.contextValue = 'artifactFile';
    item.tooltip = `${this.path}${this.fileSize !== undefined ? ` (${formatSize(this.fileSize)})` : ''}`;
    item.command = { command: 'phi3Mlflow.openArtifact', title: 'Open Artifact', arguments: [this] };
    return item;
  }
}

/** An `MLmodel` file: opens as YAML; expanded, it shows the model's flavors and signature. */
export class MlmodelNode extends ArtifactFileNode {
  override treeItem(): vscode.TreeItem {
    const item = super.treeItem();
    item.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
    item.iconPath = new vscode.ThemeIcon('symbol-interface');
    item.contextValue = 'mlmodel';
    return item;
  }

  /** The folder the model is in (`''` for a logged model's root). */
  get modelFolder(): string {
    return this.path.includes('/') ? this.path.slice(0, this.path.lastIndexOf('/')) : '';
  }

  override modelUris(): readonly string[] {
    return [modelFolderUri(this.source, this.modelFolder)];
  }

  override registrable(): RegistrableModel {
    return registrableFolder(this.client, this.source, this.modelFolder);
  }

  override async children(signal?: AbortSignal): Promise<ExplorerNode[]> {
    const summary = parseMlmodel(
      await readArtifactText(this.client.artifacts, this.source, this.path, { knownSize: this.fileSize, signal }),
    );
    const nodes: ExplorerNode[] = [new MessageNode(this, `Flavors: ${summary.flavors.join(', ') || 'none'}`, 'layers')];
    if (!summary.signature) {
      nodes.push(new MessageNode(this, 'No signature', 'question'));
      return nodes;
    }
    const groups: Array<[string, readonly SignatureField[]]> = [
      ['Inputs', summary.signature.inputs],
      ['Outputs', summary.signature.outputs],
      ['Params', summary.signature.params],
    ];
    for (const [label, fields] of groups) {
      if (fields.length || label !== 'Params') nodes.push(new SignatureGroupNode(this, label, fields));
    }
    return nodes;
  }
}

/** Inputs, outputs or params of a signature. */
export class SignatureGroupNode extends ExplorerNode {
  constructor(
    parent: ExplorerNode,
    readonly label: string,
    readonly fields: readonly SignatureField[],
  ) {
    super(parent);
  }

  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(`Signature ${this.label.toLowerCase()}`, vscode.TreeItemCollapsibleState.Expanded);
    item.description = this.fields.map(describeField).join(', ');
    item.iconPath = new vscode.ThemeIcon(this.label === 'Outputs' ? 'arrow-left' : this.label === 'Params' ? 'settings' : 'arrow-right');
    item.contextValue = 'signature';
    item.tooltip = this.fields.map(describeField).join('\n') || 'none';
    return item;
  }

  override children(): Promise<ExplorerNode[]> {
    return Promise.resolve(
      this.fields.length
        ? this.fields.map((f) => new MessageNode(this, describeField(f), 'symbol-field'))
        : [new MessageNode(this, 'none')],
    );
  }
}

export function describeField(field: SignatureField): string {
  return `${field.name ? `${field.name}: ` : ''}${field.type}${field.required ? '' : ' (optional)'}${field.default !== undefined ? ` = ${field.default}` : ''}`;
}
