import { judgeName, judgeSample, type JudgeModel } from '../evaluation/judge';
import { score, scorerName, type ScoredSample, type ScoreResult } from '../evaluation/scorers';
import type { ScoringChoice } from '../evaluation/scoringChoice';
import type { BulkAnswer, BulkRow } from './bulkResults';
import type { ChatBackend } from './chatBackend';
import { defaultChatSettings, type ChatSettings } from './generationSettings';

/** The judge of an evaluation, as the panel and the assessments name it. */
export interface JudgeIdentity {
  /** The panel's title of the judge model. */
  readonly title: string;
  /** The assessments' `source_id` (LLM_JUDGE): the model's MLflow URI, folder name or served URL. */
  readonly sourceId: string;
}

/** A bulk run's scores: for each row scored so far, for each model, the scorers' results in order. */
export interface BulkEvaluation {
  readonly choice: ScoringChoice;
  readonly judge?: JudgeIdentity;
  /** The scorers' names in order, the judge's last. */
  readonly names: readonly string[];
  readonly scores: ReadonlyArray<ReadonlyArray<readonly ScoreResult[]>>;
}

/** What the scorers see of one model's answer to one row. */
export function sampleOf(row: BulkRow, answer: BulkAnswer): ScoredSample {
  return {
    prompt: row.prompt.prompt,
    answer: answer.text,
    ...(row.prompt.expected !== undefined ? { expected: row.prompt.expected } : {}),
    latencyMs: answer.latencyMs,
    ...(answer.figures?.timeToFirstTokenMs !== undefined ? { timeToFirstTokenMs: answer.figures.timeToFirstTokenMs } : {}),
    ...(answer.figures?.tokensPerSecond !== undefined ? { tokensPerSecond: answer.figures.tokensPerSecond } : {}),
    ...(answer.error !== undefined ? { error: answer.error } : {}),
  };
}

/** A judge answers greedily and briefly: two lines are asked for. */
const judgeSettings: ChatSettings = { ...defaultChatSettings, maxNewTokens: 96 };

/** A chat model as a judge: it is asked greedily, and aborting the signal stops its answer. */
export function judgeOf(backend: Pick<ChatBackend, 'answer' | 'stop'>): JudgeModel {
  return {
    ask: async (messages, signal) => {
      const onAbort = () => backend.stop();
      signal?.addEventListener('abort', onAbort);
      try {
        return (await backend.answer({ messages }, judgeSettings, () => undefined)).text;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}

export function evaluationNames(choice: ScoringChoice): string[] {
  return [...choice.scorers.map(scorerName), ...(choice.judgeRubric !== undefined ? [judgeName] : [])];
}

/**
 * Scores every row's answers: the built-in scorers at once, then the judge (one answer at a
 * time, as a model answers one prompt at a time). `onRow` gets each row's scores as they are
 * done; aborting `signal` stops before the next judge question, keeping the rows done.
 */
export async function scoreBulkRows(
  rows: readonly BulkRow[],
  choice: ScoringChoice,
  options: { judge?: JudgeModel; signal?: AbortSignal; onRow?: (scores: ScoreResult[][], index: number) => void } = {},
): Promise<ScoreResult[][][]> {
  const done: ScoreResult[][][] = [];
  for (const [index, row] of rows.entries()) {
    if (options.signal?.aborted) break;
    const perModel: ScoreResult[][] = [];
    for (const answer of row.answers) {
      const sample = sampleOf(row, answer);
      const results = choice.scorers.map((spec) => score(spec, sample));
      if (choice.judgeRubric !== undefined && options.judge) {
        if (options.signal?.aborted) break;
        results.push(await judgeSample(options.judge, choice.judgeRubric, sample, options.signal));
      }
      perModel.push(results);
    }
    if (perModel.length < row.answers.length) break;
    done.push(perModel);
    options.onRow?.(perModel, index);
  }
  return done;
}
