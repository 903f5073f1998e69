import * as vscode from 'vscode';
import type { CommandFactory } from './commandFactory';
import type { Page } from '../mlflow/entities';
import { MlflowError } from '../mlflow/errors';
import type { TraceInfo } from '../mlflow/traces/traceEntities';
import { notificationText, pickText } from '../views/displayName';
import { ExperimentNode } from '../views/experimentNodes';
import type { ExplorerNode } from '../views/explorerNode';
import { traceDocumentUri } from '../views/traceDocuments';
import {
  noTraceFilter,
  parseTagFilter,
  type TraceFilter,
  traceStatuses,
  type TraceStatusFilter,
  tagFilterText,
} from '../views/traceFilter';
import { TraceNode, TracesNode, TraceSpanNode } from '../views/traceNodes';
import { UserFacingError } from './nodeArgument';
import { errorMessage } from '../errorMessage';

/** The Traces node a command acts on: the one given, an experiment's, or the selection's. */
async function tracesNodeOf(arg: unknown, selection: readonly ExplorerNode[]): Promise<TracesNode> {
  for (const candidate of [arg, ...selection]) {
    if (candidate instanceof TracesNode) return candidate;
    if (candidate instanceof ExperimentNode) return candidate.tracesNode();
    if (candidate instanceof TraceNode && candidate.parent instanceof TracesNode) return candidate.parent;
  }
  throw new UserFacingError('Select an experiment or its Traces in the MLflow explorer first.');
}

/** A filter given by a test or another extension: `{ status?: 'ERROR', tags?: { 'phi3.source': 'local' } }`. */
function filterArgument(value: unknown): TraceFilter | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { status, tags } = value as { status?: unknown; tags?: unknown };
  if (status !== undefined && !(traceStatuses as readonly unknown[]).includes(status))
    throw new UserFacingError(`A trace status is one of ${traceStatuses.join(', ')}`);
  const parsed = parseTagFilter(
    Object.entries((tags ?? {}) as Record<string, unknown>)
      .map(([key, v]) => `${key}=${String(v)}`)
      .join(','),
  );
  if ('error' in parsed) throw new UserFacingError(parsed.error);
  return { status: status as TraceStatusFilter | undefined, tags: parsed.tags };
}

/** Asks for the state (a quick pick), then the `phi3` tags (`source=local, model=…`); undefined when cancelled. */
async function askFilter(current: TraceFilter): Promise<TraceFilter | undefined> {
  const anyStatus = 'Any state';
  const picked = await vscode.window.showQuickPick(
    [anyStatus, ...traceStatuses].map((label) => ({ label, picked: label === (current.status ?? anyStatus) })),
    { title: 'Filter Traces (1/2): state', placeHolder: `Now: ${current.status ?? anyStatus}`, ignoreFocusOut: true },
  );
  if (!picked) return undefined;
  const tagText = await vscode.window.showInputBox({
    title: 'Filter Traces (2/2): Phi-3 tags',
    prompt: 'Tags the chat puts on its traces, e.g. source=local, finishReason=stopped (also model, promptVersion); empty for any',
    value: tagFilterText(current.tags),
    ignoreFocusOut: true,
    validateInput: (text) => {
      const parsed = parseTagFilter(text);
      return 'error' in parsed ? parsed.error : undefined;
    },
  });
  if (tagText === undefined) return undefined;
  const parsed = parseTagFilter(tagText);
  if ('error' in parsed) return undefined;
  return { status: picked.label === anyStatus ? undefined : (picked.label as TraceStatusFilter), tags: parsed.tags };
}

/**
 * Filters an experiment's traces by state and `phi3` tags. The filter's first page is fetched before
 * it applies: a server that refuses it shows its own message and the current filter stays. On
 * MLflow 2 nothing is asked or sent.
 */
export const filterTraces: CommandFactory =
  (ctx) =>
  async (arg?: unknown, filterArg?: unknown): Promise<boolean> => {
    const node = await tracesNodeOf(arg, ctx.explorer.experimentsView.selection);
    const unsupported = node.unsupportedMessage;
    if (unsupported) throw new UserFacingError(unsupported);
    const filter = filterArgument(filterArg) ?? (await askFilter(node.filter));
    if (!filter) return false;
    let firstPage: Page<TraceInfo>;
    try {
      // The first page itself checks the filter: a refused one changes nothing, an accepted one is shown.
      firstPage = await node.searchTraces(filter);
    } catch (error) {
      const message = error instanceof MlflowError && error.serverMessage ? error.serverMessage : errorMessage(error);
      void vscode.window.showErrorMessage(notificationText(`Invalid trace filter: ${message}`));
      return false;
    }
    ctx.explorer.experiments.refresh(node);
    node.showFilteredTraces(filter, firstPage);
    return true;
  };

export const clearTraceFilter: CommandFactory =
  (ctx) =>
  async (arg?: unknown): Promise<void> => {
    const node = await tracesNodeOf(arg, ctx.explorer.experimentsView.selection);
    node.filter = noTraceFilter;
    ctx.explorer.experiments.refresh(node);
  };

/**
 * Opens a trace read-only (`mlflow-trace:` scheme): its info and every span's inputs, outputs,
 * attributes and timings. On a span, the editor opens at that span's block.
 */
export const showTrace: CommandFactory =
  (ctx) =>
  async (arg?: unknown): Promise<vscode.TextEditor> => {
    const node = [arg, ...ctx.explorer.experimentsView.selection].find((n) => n instanceof TraceNode || n instanceof TraceSpanNode);
    if (!node) throw new UserFacingError('Select a trace or a span in the MLflow explorer first.');
    const trace = node instanceof TraceSpanNode ? node.trace : (node as TraceNode);
    const uri = traceDocumentUri(trace.traceId);
    const document = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: pickText(`Fetching trace ${trace.traceId}…`) },
      () => ctx.traceDocuments.load(uri),
    );
    const line = node instanceof TraceSpanNode ? (document.spanLines[node.node.span.spanId] ?? 0) : 0;
    const position = new vscode.Position(line, 0);
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), {
      preview: true,
      selection: new vscode.Range(position, position),
    });
    editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.AtTop);
    return editor;
  };
