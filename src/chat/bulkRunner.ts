import type { BulkPrompt } from './bulkPrompts';
import { epochNowMs } from './answerTrace';
import type { BulkAnswer, BulkRow } from './bulkResults';
import type { ChatAnswer, ChatBackend, ChatInput } from './chatBackend';
import type { ChatSettings } from './generationSettings';
import { errorMessage } from '../errorMessage';

/** What a bulk run needs of a model: the chat backend's answer and stop. */
export type BulkModel = Pick<ChatBackend, 'answer' | 'stop'>;

/** One model's answer to one prompt as it happened, for its trace. */
export interface BulkAnswered {
  /** Which model, in the order given. */
  readonly model: number;
  readonly input: ChatInput;
  /** Epoch milliseconds. */
  readonly startMs: number;
  readonly endMs: number;
  readonly answer?: ChatAnswer;
  readonly error?: unknown;
  /** The run was stopped during this answer. */
  readonly stopped: boolean;
}

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
  options: {
    signal: AbortSignal;
    onRow?: (row: BulkRow, index: number) => void;
    now?: () => number;
    /** Logs the answer as a trace and returns its id (kept on the row's answer), or undefined when it is not traced. */
    traceAnswer?: (answered: BulkAnswered) => string | undefined;
  },
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
        const startMs = epochNowMs();
        const input = { messages: prompt.messages };
        const index = answers.length;
        running = model;
        let answered: BulkAnswered;
        let answer: BulkAnswer;
        try {
          const result = await model.answer(input, settings, () => undefined);
          answer = { text: result.text, figures: result.figures, latencyMs: now() - start, startedAtMs: startMs };
          answered = { model: index, input, startMs, endMs: epochNowMs(), answer: result, stopped: options.signal.aborted };
        } catch (error) {
          answer = {
            text: '',
            latencyMs: now() - start,
            startedAtMs: startMs,
            error: options.signal.aborted ? 'Stopped.' : errorMessage(error),
          };
          answered = { model: index, input, startMs, endMs: epochNowMs(), error, stopped: options.signal.aborted };
        } finally {
          running = undefined;
        }
        const traceId = options.traceAnswer?.(answered);
        answers.push(traceId ? { ...answer, traceId } : answer);
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
