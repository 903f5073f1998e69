import * as vscode from 'vscode';
import { describeBulkProblems, parseBulkPrompts } from './bulkPrompts';
import { bulkResultsJsonl } from './bulkResults';
import { traceModelName } from './answerTrace';
import { runBulk } from './bulkRunner';
import { saveTextFile } from './chatFileSave';
import { runModelOf } from './chatMlflowLogging';
import type { ChatPanelParts } from './chatPanelParts';
import type { BulkState } from './chatSession';
import { errorMessage } from '../errorMessage';

/** Bulk run: every prompt of a JSONL file the user picks, asked of each model, into a table. */
export async function runBulkFile(parts: ChatPanelParts): Promise<void> {
  const session = parts.session;
  if (session.busy) return;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const picked = await vscode.window.showOpenDialog({
    title: 'Bulk run: a JSONL file of prompts ({"prompt": ...} or {"messages": [...]} a line)',
    canSelectFiles: true,
    canSelectFolders: false,
    canSelectMany: false,
    openLabel: 'Run the Prompts',
    filters: { 'JSON Lines': ['jsonl', 'ndjson', 'json'], 'All files': ['*'] },
    ...(folder ? { defaultUri: folder } : {}),
  });
  const file = picked?.[0];
  if (!file || session.busy) return;
  let text: string;
  try {
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
  } catch (error) {
    session.notice = { kind: 'error', message: `Could not read ${file.fsPath}: ${errorMessage(error)}` };
    return parts.show();
  }
  const { prompts, problems } = parseBulkPrompts(text, session.conversation.systemPrompt);
  const problemText = problems.length
    ? `Left out ${problems.length === 1 ? 'one line' : `${problems.length} lines`}: ${describeBulkProblems(problems)}.`
    : '';
  if (prompts.length === 0) {
    session.notice = { kind: 'error', message: `No prompts in ${file.fsPath}${problemText ? `. ${problemText}` : ': the file is empty.'}` };
    return parts.show();
  }
  if (session.sides.some((side) => side.status !== 'ready')) {
    await parts.load();
    const failed = session.sides.find((side) => side.status !== 'ready');
    if (failed) {
      session.notice = {
        kind: 'error',
        message: `The bulk run needs ${failed.backend.title}, which could not be loaded: ${failed.problem ?? 'unknown error'}`,
      };
      return parts.show();
    }
  }
  // Traced or not is decided before the first prompt (mode "ask" asks here once a panel), so every row gets its trace.
  await session.tracing.decide();
  if (parts.disposed || session.busy) return;
  const sides = session.sides;
  const bulk: BulkState = {
    file: file.fsPath,
    total: prompts.length,
    problems: problemText,
    models: sides.map((side) => runModelOf(side.backend)),
    titles: sides.map((side) => side.backend.title),
    settings: session.settings,
    ...(session.promptUri ? { promptUri: session.promptUri } : {}),
    rows: [],
    controller: new AbortController(),
    running: true,
    cancelled: false,
  };
  session.bulk = bulk;
  session.notice = undefined;
  parts.show();
  const outcome = await runBulk(
    prompts,
    sides.map((side) => side.backend),
    bulk.settings,
    {
      signal: bulk.controller.signal,
      onRow: (row) => {
        bulk.rows.push(row);
        parts.show();
      },
      traceAnswer: (answered) =>
        session.tracing.record({
          source: sides[answered.model]!.backend.ref.kind,
          model: traceModelName(sides[answered.model]!.backend),
          input: answered.input,
          settings: bulk.settings,
          startMs: answered.startMs,
          endMs: answered.endMs,
          ...(answered.answer ? { answer: answered.answer } : {}),
          ...(answered.error !== undefined ? { error: answered.error } : {}),
          stopped: answered.stopped,
          kind: 'bulk',
          ...(bulk.promptUri ? { promptVersion: bulk.promptUri } : {}),
        }),
    },
  );
  bulk.running = false;
  bulk.cancelled = outcome.cancelled;
  parts.show();
}

export async function exportBulk(parts: ChatPanelParts): Promise<void> {
  const bulk = parts.session.bulk;
  if (!bulk || bulk.running || bulk.scoring) return;
  const name = `bulk-results-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.jsonl`;
  await saveTextFile(parts, bulkResultsJsonl(bulk.models.length, bulk.rows, bulk.evaluation), name, 'Export the bulk results as JSONL', {
    'JSON Lines': ['jsonl'],
  });
}

export function closeBulk(parts: ChatPanelParts): void {
  if (parts.session.bulk?.running || parts.session.bulk?.scoring) return;
  parts.session.bulk = undefined;
  parts.show();
}
