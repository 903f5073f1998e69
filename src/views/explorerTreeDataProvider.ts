import * as vscode from 'vscode';
import { ErrorNode, type ExplorerNode } from './explorerNode';

/**
 * One tree view over a root node. Nodes list their own children; this catches what they throw and
 * shows it as an error node with Retry in their place, so nothing reaches VS Code unhandled.
 */
export class ExplorerTreeDataProvider<Root extends ExplorerNode> implements vscode.TreeDataProvider<ExplorerNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    readonly root: Root,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  getTreeItem(node: ExplorerNode): vscode.TreeItem {
    return node.treeItem();
  }

  getParent(node: ExplorerNode): ExplorerNode | undefined {
    return node.parent === this.root ? undefined : node.parent;
  }

  async getChildren(node?: ExplorerNode): Promise<ExplorerNode[]> {
    const target = node ?? this.root;
    try {
      return await target.children();
    } catch (error) {
      const message = (error as Error).message || String(error);
      this.log.warn(`Listing failed: ${message}`);
      return [new ErrorNode(node, message, () => this.refresh(node))];
    }
  }

  /** Reloads a node (or the whole tree): what it had loaded is dropped and asked for again. */
  refresh(node?: ExplorerNode): void {
    (node ?? this.root).reset();
    this.changed.fire(node === this.root ? undefined : node);
  }

  /** Redraws a node with what it already has (a changed description or filter), without reloading. */
  redraw(node?: ExplorerNode): void {
    this.changed.fire(node === this.root ? undefined : node);
  }

  /** True when the node belongs to this tree. */
  owns(node: ExplorerNode): boolean {
    let current: ExplorerNode | undefined = node;
    while (current) {
      if (current === this.root) return true;
      current = current.parent;
    }
    return false;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
