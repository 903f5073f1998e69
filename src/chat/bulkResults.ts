import { passRateMetricKey, summarizeScores } from '../evaluation/scoreSummary';
import { linkedPromptsTag } from '../mlflow/prompts/promptLinks';
import type { Metric } from '../mlflow/entities';
import type { BulkEvaluation } from './bulkEvaluation';
import type { BulkPrompt } from './bulkPrompts';
import { mean, modelLabel, modelSuffixes, modelTags, settingsParams, sum, type ChatRunRequest, type RunModel } from './chatRunRequest';
import type { AnswerFigures } from './conversation';
import type { ChatSettings } from './generationSettings';

/** One model's answer to one bulk prompt. */
export interface BulkAnswer {
  readonly text: string;
  readonly figures?: AnswerFigures;
  /** Wall-clock time from sending the prompt to the whole answer. */
  readonly latencyMs: number;
  /** When the prompt was sent, in milliseconds since the epoch (a trace's start). */
  readonly startedAtMs?: number;
  readonly error?: string;
  /**
   * The MLflow trace of this answer (`tr-…`), when the panel's answers are traced: the id the
   * trace has on the server once logged (a failure to log it is reported apart). Assessments of
   * the answer attach to it.
   */
  readonly traceId?: string;
}

/** The trace ids of a bulk run's answers, row by row. */
export function bulkTraceIds(rows: readonly BulkRow[]): string[] {
  return rows.flatMap((row) => row.answers.flatMap((answer) => (answer.traceId ? [answer.traceId] : [])));
}

/** A prompt and each model's answer (in the order of the models). */
export interface BulkRow {
  readonly prompt: BulkPrompt;
  readonly answers: readonly BulkAnswer[];
}

/** MLflow's table artifact, as `mlflow.log_table` writes it (pandas `to_json(orient="split", index=False)`). */
export interface TableArtifact {
  readonly columns: readonly string[];
  readonly data: ReadonlyArray<ReadonlyArray<string | number | null>>;
}

export const bulkTablePath = 'bulk_results.json';

/**
 * The results as a table: line, prompt (and the expected answer, when a line gave one), then per
 * model answer, new tokens, latency, tokens/s, error and the trace id when any answer was traced
 * (MLflow's UI then finds the trace by it); when scored, each scorer's outcome per model (pass, fail,
 * skipped, error).
 */
export function bulkTable(modelCount: number, rows: readonly BulkRow[], evaluation?: BulkEvaluation): TableArtifact {
  const suffixes = modelSuffixes(modelCount);
  const withExpected = rows.some((row) => row.prompt.expected !== undefined);
  const traced = rows.some((row) => row.answers.some((answer) => answer.traceId !== undefined));
  const names = evaluation?.names ?? [];
  const columns = [
    'line',
    'prompt',
    ...(withExpected ? ['expected'] : []),
    ...suffixes.flatMap((s) => [
      `answer${s}`,
      `new_tokens${s}`,
      `latency_ms${s}`,
      `tokens_per_second${s}`,
      `error${s}`,
      ...(traced ? [`trace_id${s}`] : []),
    ]),
    ...suffixes.flatMap((s) => names.map((name) => `${name}${s}`)),
  ];
  const data = rows.map((row, r) => [
    row.prompt.line,
    row.prompt.prompt,
    ...(withExpected ? [row.prompt.expected ?? null] : []),
    ...suffixes.flatMap((_, i) => {
      const answer = row.answers[i];
      return [
        answer?.text ?? null,
        answer?.figures?.newTokens ?? null,
        answer ? Math.round(answer.latencyMs) : null,
        answer?.figures?.tokensPerSecond ?? null,
        answer?.error ?? null,
        ...(traced ? [answer?.traceId ?? null] : []),
      ];
    }),
    ...suffixes.flatMap((_, i) => names.map((name) => evaluation?.scores[r]?.[i]?.find((result) => result.name === name)?.outcome ?? null)),
  ]);
  return { columns, data };
}

/**
 * Each scorer's pass rate per model as run metrics, named as `mlflow.genai.evaluate` names its
 * aggregates (`exact_match/mean`; `exact_match_a/mean` and `exact_match_b/mean` for two models).
 * A scorer that scored nothing (all skipped) has no metric.
 */
export function evaluationMetrics(modelCount: number, evaluation: BulkEvaluation, timestamp: number): Metric[] {
  return modelSuffixes(modelCount).flatMap((suffix, m) =>
    summarizeScores(evaluation.scores.map((perModel) => perModel[m] ?? []))
      .filter((summary) => summary.passRate !== undefined)
      .map((summary) => ({ key: passRateMetricKey(summary.name, suffix), value: summary.passRate!, timestamp, step: 0 })),
  );
}

/** The table's JSON file, as MLflow's UI and `mlflow.load_table` read it. */
export function bulkTableJson(modelCount: number, rows: readonly BulkRow[], evaluation?: BulkEvaluation): string {
  return JSON.stringify(bulkTable(modelCount, rows, evaluation));
}

/** The results as JSONL: one object a prompt, the table's columns as keys, plus the messages sent. */
export function bulkResultsJsonl(modelCount: number, rows: readonly BulkRow[], evaluation?: BulkEvaluation): string {
  const table = bulkTable(modelCount, rows, evaluation);
  return table.data
    .map((values, i) =>
      JSON.stringify({ ...Object.fromEntries(table.columns.map((column, c) => [column, values[c]])), messages: rows[i]!.prompt.messages }),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/**
 * The tag MLflow's UI reads to list a run's tables (`mlflow.loggedArtifacts`), written as Python's
 * `json.dumps` writes it in `MlflowClient.log_table`.
 */
export function loggedTablesTag(paths: readonly string[]): string {
  return `[${paths.map((path) => `{"path": ${JSON.stringify(path)}, "type": "table"}`).join(', ')}]`;
}

/**
 * A bulk run as an MLflow run: the settings as params; per model, each prompt's latency and new
 * tokens stepped by row, and summaries; the results table as a table artifact MLflow's UI shows.
 * A scored run also has each scorer's pass rate (evaluationMetrics), the scorers and the judge as
 * params, and the tag `mlflow.runType=genai_evaluate` that `mlflow.genai.evaluate` gives its runs.
 */
export function bulkRunRequest(input: {
  models: readonly RunModel[];
  settings: ChatSettings;
  rows: readonly BulkRow[];
  loggedAt: Date;
  evaluation?: BulkEvaluation;
  /** The prompt version whose system prompt the prompts were sent with: linked to the run as MLflow links them. */
  promptUri?: string;
}): ChatRunRequest {
  const { models, settings, rows, loggedAt, evaluation } = input;
  const timestamp = loggedAt.getTime();
  const suffixes = modelSuffixes(models.length);
  const metrics: Metric[] = [];
  models.forEach((_, m) => {
    const s = suffixes[m]!;
    const answers = rows.map((row) => row.answers[m]).filter((a): a is BulkAnswer => a !== undefined);
    const ok = answers.filter((a) => !a.error);
    rows.forEach((row, step) => {
      const answer = row.answers[m];
      if (!answer || answer.error) return;
      metrics.push({ key: `latency_ms${s}`, value: answer.latencyMs, timestamp, step });
      if (answer.figures?.newTokens !== undefined)
        metrics.push({ key: `new_tokens${s}`, value: answer.figures.newTokens, timestamp, step });
    });
    const newTokens = ok.map((a) => a.figures?.newTokens).filter((n): n is number => n !== undefined);
    const speeds = ok.map((a) => a.figures?.tokensPerSecond).filter((n): n is number => n !== undefined);
    metrics.push(
      { key: `prompts${s}`, value: answers.length, timestamp, step: 0 },
      { key: `failed${s}`, value: answers.length - ok.length, timestamp, step: 0 },
    );
    if (ok.length) metrics.push({ key: `mean_latency_ms${s}`, value: mean(ok.map((a) => a.latencyMs)), timestamp, step: 0 });
    if (newTokens.length) metrics.push({ key: `total_new_tokens${s}`, value: sum(newTokens), timestamp, step: 0 });
    if (speeds.length) metrics.push({ key: `mean_tokens_per_second${s}`, value: mean(speeds), timestamp, step: 0 });
  });
  if (evaluation) metrics.push(...evaluationMetrics(models.length, evaluation, timestamp));
  return {
    runName: `bulk ${models.map(modelLabel).join(' vs ')} ${loggedAt.toISOString().slice(0, 16).replace('T', ' ')}`,
    tags: {
      'mlflow.source.type': 'LOCAL',
      'mlflow.source.name': 'Phi-3 MLflow for VS Code',
      'phi3.chat.kind': 'bulk',
      ...Object.assign({}, ...models.map((model, m) => modelTags(model, suffixes[m]))),
      'mlflow.loggedArtifacts': loggedTablesTag([bulkTablePath]),
      ...(input.promptUri ? { 'phi3.promptVersion': input.promptUri, ...linkedPromptsTag([input.promptUri]) } : {}),
      ...(evaluation ? { 'mlflow.runType': 'genai_evaluate' } : {}),
    },
    params: {
      ...settingsParams(settings),
      prompts: String(rows.length),
      ...(evaluation ? { scorers: evaluation.names.join(', ') } : {}),
      ...(evaluation?.judge ? { judge_model: evaluation.judge.sourceId } : {}),
    },
    metrics,
    artifacts: [{ path: bulkTablePath, text: bulkTableJson(models.length, rows, evaluation) }],
  };
}
