import { judgeName } from '../evaluation/judge';
import type { ScoreResult } from '../evaluation/scorers';
import type { MlflowClient } from '../mlflow/client';
import { MlflowError } from '../mlflow/errors';
import type { NewAssessment } from '../mlflow/traces/assessmentsApi';
import type { BulkEvaluation } from './bulkEvaluation';
import type { BulkRow } from './bulkResults';
import { bulkAnswerTraces } from './bulkTraces';
import type { RunModel } from './chatRunRequest';
import type { ChatSettings } from './generationSettings';

/** What MLflow names a row's expected answer (mlflow.genai's datasets and scorers read `expected_response`). */
export const expectedResponseName = 'expected_response';

/** The metadata key `mlflow.genai.evaluate` gives an assessment made by an evaluation run (AssessmentMetadataKey.SOURCE_RUN_ID). */
const sourceRunKey = 'mlflow.assessment.sourceRunId';

/** How judge.ts begins the rationale of a reply it could not read (the other errors are a judge that did not answer). */
const malformedPrefix = "The judge's answer says neither";

export interface LoggedAssessments {
  readonly traces: number;
  readonly assessments: number;
  /** Answers whose trace the server does not have (its logging failed): their scores are only in the run. */
  readonly missingTraces: readonly string[];
}

/**
 * A scored bulk run's scores as MLflow has `mlflow.genai.evaluate`'s: each answer a trace linked
 * to the run, and on it a Feedback per scorer (source CODE named after the scorer, or LLM_JUDGE
 * named after the judge model; value true for pass, false for fail; the rationale; the run in
 * `mlflow.assessment.sourceRunId`), a judge's malformed answer as a Feedback error, and the line's
 * expected answer as the Expectation `expected_response`. Skipped scores are not logged: there is
 * nothing to say.
 */
export async function logBulkAssessments(
  client: MlflowClient,
  input: {
    experimentId: string;
    runId: string;
    models: readonly RunModel[];
    settings: ChatSettings;
    rows: readonly BulkRow[];
    evaluation: BulkEvaluation;
    signal?: AbortSignal;
    /** Resolves once the traces the answers were given as they came are on the server (their batcher flushed). */
    tracesLogged?: () => Promise<void>;
  },
): Promise<LoggedAssessments> {
  const rows = input.rows.slice(0, input.evaluation.scores.length);
  await input.tracesLogged?.();
  const traces = await bulkAnswerTraces(client, { ...input, rows });
  const missingTraces: string[] = [];
  for (const trace of traces.flat()) {
    if (trace.rootSpanId) continue;
    // A trace logged in the background may have failed: its answer's scores cannot go on it.
    try {
      await client.traces.get(trace.traceId, input.signal);
    } catch (error) {
      if (!(error instanceof MlflowError && error.isNotFound)) throw error;
      missingTraces.push(trace.traceId);
    }
  }
  const traceIds = traces
    .flat()
    .map((trace) => trace.traceId)
    .filter((id) => !missingTraces.includes(id));
  await client.traces.linkToRun(input.runId, traceIds);
  let assessments = 0;
  for (const [r, row] of rows.entries()) {
    for (const [m, trace] of traces[r]!.entries()) {
      if (missingTraces.includes(trace.traceId)) continue;
      const base = { traceId: trace.traceId, ...(trace.rootSpanId ? { spanId: trace.rootSpanId } : {}) };
      const made: NewAssessment[] = [];
      if (row.prompt.expected !== undefined)
        made.push({
          ...base,
          name: expectedResponseName,
          source: { sourceType: 'HUMAN', sourceId: `line ${row.prompt.line} of the bulk file` },
          body: { kind: 'expectation', value: row.prompt.expected },
        });
      for (const result of input.evaluation.scores[r]![m] ?? []) {
        const assessment = feedbackOf(result, input.evaluation, input.runId);
        if (assessment) made.push({ ...base, ...assessment });
      }
      for (const assessment of made) {
        input.signal?.throwIfAborted();
        await client.assessments.create(assessment, input.signal);
        assessments++;
      }
    }
  }
  return { traces: traceIds.length, assessments, missingTraces };
}

function feedbackOf(result: ScoreResult, evaluation: BulkEvaluation, runId: string): Omit<NewAssessment, 'traceId'> | undefined {
  if (result.outcome === 'skipped') return undefined;
  const judged = result.name === judgeName;
  return {
    name: result.name,
    source: judged
      ? { sourceType: 'LLM_JUDGE', sourceId: evaluation.judge?.sourceId ?? 'judge' }
      : { sourceType: 'CODE', sourceId: result.name },
    body:
      result.outcome === 'error'
        ? {
            kind: 'feedbackError',
            errorCode: result.rationale.startsWith(malformedPrefix) ? 'MALFORMED_JUDGE_ANSWER' : 'JUDGE_FAILED',
            errorMessage: result.rationale,
          }
        : { kind: 'feedback', value: result.outcome === 'pass' },
    ...(result.outcome !== 'error' && result.rationale ? { rationale: result.rationale } : {}),
    metadata: { [sourceRunKey]: runId, ...(result.value !== undefined ? { 'phi3.value': String(result.value) } : {}) },
  };
}
