import { ExplorerNode } from './explorerNode';

/** The address in MLflow's web UI of what a node shows (the server's home page for anything else). */
export function webUiUrl(restBase: string, node: unknown): string {
  const path = node instanceof ExplorerNode ? node.webUiPath() : undefined;
  return path ? `${restBase}/#${path}` : `${restBase}/`;
}
