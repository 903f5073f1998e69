import type { BulkPrompt } from './bulkPrompts';
import type { BulkAnswer, BulkRow } from './bulkResults';
import type { ChatBackend } from './chatBackend';
import type { ChatSettings } from './generationSettings';
import { errorMessage } from '../errorMessage';

/** What a bulk run needs of a model: the chat backend's answer and stop. */
export type BulkModel = Pick<ChatBackend, 'answer' | 'stop'>;

export interface BulkRunOutcome {
  readonly rows: readonly BulkRow[];
  /** True when it was stopped before every prompt was answered. */
  readonly cancelled: boolean;
}

/**
 * Asks each model every prompt, one answer at a time (so each latency is the model's alone, not
 * shared with the other), and reports each row as it completes. An answer that fails is kept as
 * the row's error and the run goes on. Aborting `signal` stops the answer being generated and the
 * run: the rows completed so far are kept, the one interrupted too, with what it had.
 */
export async function runBulk(
  prompts: readonly BulkPrompt[],
  models: readonly BulkModel[],
  settings: ChatSettings,
  options: { signal: AbortSignal; onRow?: (row: BulkRow, index: number) => void; now?: () => number },
): Promise<BulkRunOutcome> {
  const now = options.now ?? (() => performance.now());
  const rows: BulkRow[] = [];
  let running: BulkModel | undefined;
  const onAbort = () => running?.stop();
  options.signal.addEventListener('abort', onAbort);
  try {
    for (const prompt of prompts) {
      if (options.signal.aborted) break;
      const answers: BulkAnswer[] = [];
      for (const model of models) {
        if (options.signal.aborted) break;
        const start = now();
        const startedAtMs = Date.now();
        running = model;
        try {
          const answer = await model.answer({ messages: prompt.messages }, settings, () => undefined);
          answers.push({ text: answer.text, figures: answer.figures, latencyMs: now() - start, startedAtMs });
        } catch (error) {
          answers.push({
            text: '',
            latencyMs: now() - start,
            startedAtMs,
            error: options.signal.aborted ? 'Stopped.' : errorMessage(error),
          });
        } finally {
          running = undefined;
        }
      }
      const row = { prompt, answers };
      rows.push(row);
      options.onRow?.(row, rows.length - 1);
    }
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
  return { rows, cancelled: options.signal.aborted };
}
