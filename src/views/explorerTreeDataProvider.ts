import * as vscode from 'vscode';
import { displayName } from './displayName';
import { ErrorNode, type ExplorerNode, LoadingNode } from './explorerNode';
import { errorMessage } from '../errorMessage';

/** How long a listing may take before its node says the server is slow and offers Cancel. */
export const slowListingMs = 3_000;

export interface ExplorerTreeOptions {
  /** After this long without an answer a listing shows "Still loading…" with Cancel (default `slowListingMs`). */
  readonly slowAfterMs?: number;
  /** The request time limit, for the "Still loading…" tooltip. */
  readonly timeLimitSeconds?: () => number | undefined;
}

/** A listing in flight: what stops it, and its children once they are in (after it went slow). */
interface Listing {
  readonly controller: AbortController;
  readonly children: Promise<ExplorerNode[]>;
  slow: boolean;
  settled?: ExplorerNode[];
}

/**
 * One tree view over a root node. Nodes list their own children; this catches what they throw and
 * shows it as an error node with Retry in their place, so nothing reaches VS Code unhandled.
 *
 * Every listing can be stopped: Refresh (and a connection change) and collapsing a node abort what
 * is loading under it, and a listing the server has not answered within a few seconds shows a
 * "Still loading…" node whose click cancels it; the answer replaces that node when it comes.
 */
export class ExplorerTreeDataProvider<Root extends ExplorerNode> implements vscode.TreeDataProvider<ExplorerNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ExplorerNode | undefined>();
  /** The children last handed to VS Code, per parent: reveal needs the very objects the view holds. */
  private readonly shown = new WeakMap<ExplorerNode, ExplorerNode[]>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly childrenShown = new vscode.EventEmitter<ExplorerNode>();
  /** A node's children (the root's for the top level) were handed to VS Code, and it has taken them in. */
  readonly onDidShowChildren = this.childrenShown.event;
  /** Listings in flight, by the node listed (the root for the top level). */
  private readonly listings = new Map<ExplorerNode, Listing>();
  private readonly slowAfterMs: number;

  constructor(
    readonly root: Root,
    private readonly log: vscode.LogOutputChannel,
    private readonly options: ExplorerTreeOptions = {},
  ) {
    this.slowAfterMs = options.slowAfterMs ?? slowListingMs;
  }

  /** The node as VS Code shows it: every label, description and tooltip through `shownAsText`. */
  getTreeItem(node: ExplorerNode): vscode.TreeItem {
    return shownAsText(node.treeItem());
  }

  getParent(node: ExplorerNode): ExplorerNode | undefined {
    return node.parent === this.root ? undefined : node.parent;
  }

  async getChildren(node?: ExplorerNode): Promise<ExplorerNode[]> {
    const target = node ?? this.root;
    let listing = this.listings.get(target);
    if (listing?.settled) {
      this.listings.delete(target);
      return this.show(target, listing.settled);
    }
    if (listing?.slow) return [this.loadingNode(node, target)];
    listing ??= this.startListing(node, target);
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<undefined>((resolveSlow) => {
      timer = setTimeout(() => resolveSlow(undefined), this.slowAfterMs);
    });
    const children = await Promise.race([listing.children, slow]);
    clearTimeout(timer);
    if (children) {
      if (this.listings.get(target) === listing) this.listings.delete(target);
      return this.show(target, children);
    }
    // Slow: show that it is still loading, and put the answer in when it comes (once, however many asked).
    if (listing.slow) return [this.loadingNode(node, target)];
    listing.slow = true;
    const current = listing;
    void current.children.then((late) => {
      if (this.listings.get(target) !== current) return; // refreshed or collapsed meanwhile
      current.settled = late;
      this.changed.fire(node);
    });
    return [this.loadingNode(node, target)];
  }

  /** Remembers the children handed to VS Code, and says so once VS Code has taken them in. */
  private show(target: ExplorerNode, children: ExplorerNode[]): ExplorerNode[] {
    this.shown.set(target, children);
    // VS Code registers the children in its continuation of this getChildren call, in the microtasks
    // after it returns: the next macrotask is the first moment a reveal of one of them can succeed.
    setImmediate(() => this.childrenShown.fire(target));
    return children;
  }

  private startListing(node: ExplorerNode | undefined, target: ExplorerNode): Listing {
    const controller = new AbortController();
    const stopped = new Promise<never>((_, reject) =>
      controller.signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true }),
    );
    // The abort settles the listing at once, even where a call in it takes no signal.
    const children = Promise.race([target.children(controller.signal), stopped]).catch((error: unknown) => {
      if (controller.signal.aborted) return [new ErrorNode(node, 'Loading cancelled', () => this.refresh(node), true)];
      const message = errorMessage(error);
      this.log.warn(`Listing failed: ${message}`);
      return [new ErrorNode(node, message, () => this.refresh(node))];
    });
    const listing: Listing = { controller, children, slow: false };
    this.listings.set(target, listing);
    return listing;
  }

  private loadingNode(node: ExplorerNode | undefined, target: ExplorerNode): LoadingNode {
    return new LoadingNode(node, () => this.cancel(target), this.options.timeLimitSeconds?.());
  }

  /** The Cancel of a "Still loading…" node: the listing stops and shows "Loading cancelled" with Retry. */
  cancel(target: ExplorerNode): void {
    this.listings.get(target)?.controller.abort();
  }

  /** True while a listing of the node (or the root) is in flight. */
  isLoading(node?: ExplorerNode): boolean {
    const listing = this.listings.get(node ?? this.root);
    return listing !== undefined && listing.settled === undefined;
  }

  /** Stops what is loading at or below a node, dropping the answers (the next expansion asks again). */
  private stopBelow(node: ExplorerNode): void {
    for (const [target, listing] of [...this.listings]) {
      if (!isAtOrBelow(target, node)) continue;
      this.listings.delete(target);
      listing.controller.abort();
    }
  }

  /** A node collapsed: what it was loading stops, and the next expansion loads it again. */
  collapsed(node: ExplorerNode): void {
    if (![...this.listings].some(([target, listing]) => listing.settled === undefined && isAtOrBelow(target, node))) return;
    this.stopBelow(node);
    node.reset();
    this.changed.fire(node);
  }

  /** Reloads a node (or the whole tree): what is loading under it stops, what it had loaded is dropped and asked for again. */
  refresh(node?: ExplorerNode): void {
    this.stopBelow(node ?? this.root);
    (node ?? this.root).reset();
    this.shown.delete(node ?? this.root);
    this.changed.fire(node === this.root ? undefined : node);
  }

  /** Redraws a node with what it already has (a changed description or filter), without reloading. */
  redraw(node?: ExplorerNode): void {
    this.changed.fire(node === this.root ? undefined : node);
  }

  /** The children of `node` (default: the root) the view shows now, if it has asked for them. */
  shownChildren(node?: ExplorerNode): readonly ExplorerNode[] | undefined {
    return this.shown.get(node ?? this.root);
  }

  /** True when the node belongs to this tree. */
  owns(node: ExplorerNode): boolean {
    return isAtOrBelow(node, this.root);
  }

  dispose(): void {
    this.stopBelow(this.root);
    this.changed.dispose();
    this.childrenShown.dispose();
  }
}

function isAtOrBelow(node: ExplorerNode, ancestor: ExplorerNode): boolean {
  for (let current: ExplorerNode | undefined = node; current; current = current.parent) if (current === ancestor) return true;
  return false;
}

/**
 * A tree item's text as the user reads it: names, values and server messages with their
 * bidirectional controls made visible (displayName.ts), in the one place every node passes. Labels,
 * descriptions and tooltips are plain strings (never MarkdownStrings), so markup in them is shown as text and
 * no `command:` link in them is live; nodes do not set label highlights, which this would shift.
 */
export function shownAsText(item: vscode.TreeItem): vscode.TreeItem {
  if (typeof item.label === 'string') item.label = displayName(item.label);
  else if (item.label) item.label = { label: displayName(item.label.label) };
  if (typeof item.description === 'string') item.description = displayName(item.description);
  if (typeof item.tooltip === 'string') item.tooltip = displayName(item.tooltip);
  return item;
}
