import type { ExplorerNode } from '../views/explorerNode';

/**
 * The node a command acts on: the one it was invoked on (context menu, inline button), else the
 * tree's selection. A palette invocation with nothing suitable selected gets a message, not an exception.
 */
export function nodeOf<T extends ExplorerNode>(
  arg: unknown,
  type: abstract new (...args: never[]) => T,
  selection: readonly ExplorerNode[],
  what: string,
): T {
  if (arg instanceof type) return arg;
  const selected = selection.find((n): n is T => n instanceof type);
  if (selected) return selected;
  throw new UserFacingError(`Select ${what} in the MLflow explorer first.`);
}

/**
 * Every node of a type the command acts on. From a context menu VS Code passes the clicked node and
 * the selection: the selection counts only when the clicked node is part of it (as in the Explorer);
 * from the palette, the tree's selection.
 */
export function nodesOf<T extends ExplorerNode>(
  arg: unknown,
  extra: unknown,
  type: abstract new (...args: never[]) => T,
  selection: readonly ExplorerNode[],
): T[] {
  const pool: unknown[] = Array.isArray(extra) ? (extra.includes(arg) ? extra : [arg]) : arg !== undefined ? [arg] : [...selection];
  return [...new Set(pool.filter((n): n is T => n instanceof type))];
}

/** A text argument given by a test or another extension, instead of asking. */
export function textArgument(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A message for the user, shown as is. */
export class UserFacingError extends Error {}
