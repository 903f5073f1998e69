import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExplorerSeeded } from '../../harness/seedExplorer';
import { type ExplorerNode, LoadingNode } from '../../../src/views/explorerNode';
import type { ExplorerTreeDataProvider } from '../../../src/views/explorerTreeDataProvider';
import { activatedApi } from './activation.test';

export const serverUrl = process.env.PHI3_MLFLOW_TEST_SERVER_URL ?? '';
export const seeded = JSON.parse(process.env.PHI3_MLFLOW_TEST_SEED ?? '{"experiments":[],"registeredModels":[]}') as ExplorerSeeded;

export function seededExperiment(name: string) {
  const found = seeded.experiments.find((e) => e.name === name);
  assert.ok(found, `experiment ${name} was not seeded`);
  return found;
}

/** Connects the extension to the harness's seeded server and returns its API. */
export async function connected() {
  const api = await activatedApi();
  if (api.connection().kind !== 'connected') {
    const state = await vscode.commands.executeCommand<{ kind: string }>('phi3Mlflow.connect', serverUrl);
    assert.equal(state.kind, 'connected');
  }
  return api;
}

export function labelOf(node: ExplorerNode): string {
  const label = node.treeItem().label;
  return typeof label === 'string' ? label : (label?.label ?? '');
}

export function descriptionOf(node: ExplorerNode): string {
  const description = node.treeItem().description;
  return typeof description === 'string' ? description : '';
}

export function tooltipOf(node: ExplorerNode): string {
  const tooltip = node.treeItem().tooltip;
  return typeof tooltip === 'string' ? tooltip : (tooltip?.value ?? '');
}

export function contextOf(node: ExplorerNode): string {
  return node.treeItem().contextValue ?? '';
}

/**
 * A node's children once listed: on a busy machine a listing may outlast the few seconds after which
 * the tree shows "Still loading…"; then this waits for the answer, as the tree would.
 */
export async function childrenOf(provider: ExplorerTreeDataProvider<ExplorerNode>, node?: ExplorerNode): Promise<ExplorerNode[]> {
  let children = await provider.getChildren(node);
  while (children.length === 1 && children[0] instanceof LoadingNode) {
    while (provider.isLoading(node)) await new Promise((r) => setTimeout(r, 50));
    children = await provider.getChildren(node);
  }
  return children;
}

export async function child(
  provider: ExplorerTreeDataProvider<ExplorerNode>,
  parent: ExplorerNode | undefined,
  label: string,
): Promise<ExplorerNode> {
  const children = await childrenOf(provider, parent);
  const found = children.find((c) => labelOf(c) === label);
  assert.ok(found, `no "${label}" among ${children.map(labelOf).join(', ')}`);
  return found;
}

/** Walks a path of labels from the root. */
export async function nodeAt(provider: ExplorerTreeDataProvider<ExplorerNode>, ...labels: string[]): Promise<ExplorerNode> {
  let node: ExplorerNode | undefined;
  for (const label of labels) node = await child(provider, node, label);
  return node!;
}

/** A REST call to the seeded server, to check its state after a command. */
export async function rest<T>(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: T }> {
  const response = await fetch(`${serverUrl}/api/2.0/mlflow/${path}`, {
    method: init?.method ?? 'GET',
    headers: init?.body ? { 'Content-Type': 'application/json' } : {},
    body: init?.body ? JSON.stringify(init.body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}
