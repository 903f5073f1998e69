import type { MlflowClient } from '../mlflow/client';
import { chatTrace } from '../mlflow/traces/chatTrace';
import { mlflowTraceId, type TraceRecord } from '../mlflow/traces/traceRecord';
import type { BulkRow } from './bulkResults';
import { modelLabel, type RunModel } from './chatRunRequest';
import type { ChatSettings } from './generationSettings';

/** An answer's trace, as its assessments need it: the trace id, and its root span when known. */
export interface AnswerTrace {
  readonly traceId: string;
  readonly rootSpanId?: string;
}

/** Traces sent in one OTLP request at most. */
const batchSize = 20;

/**
 * The trace of every answer of these rows, for row × model: an answer that already has one
 * (`traceId`, logged as it was answered) keeps it; the others are logged now, in the run's
 * experiment and recorded under the run (`mlflow.sourceRun`). This is the one place a bulk run's
 * traces are made when scoring needs them; when every answer is traced as it comes, it only reads
 * the ids.
 */
export async function bulkAnswerTraces(
  client: MlflowClient,
  input: {
    experimentId: string;
    runId: string;
    models: readonly RunModel[];
    settings: ChatSettings;
    rows: readonly BulkRow[];
    signal?: AbortSignal;
  },
): Promise<AnswerTrace[][]> {
  const pending: TraceRecord[] = [];
  const traces = input.rows.map((row) =>
    row.answers.map((answer, m): AnswerTrace => {
      if (answer.traceId) return { traceId: answer.traceId };
      const model = input.models[m]!;
      const startMs = answer.startedAtMs ?? Date.now() - answer.latencyMs;
      const figures = answer.figures;
      const record = chatTrace({
        source: model.kind,
        model: modelLabel(model),
        messages: row.prompt.messages,
        settings: {
          max_new_tokens: input.settings.maxNewTokens,
          do_sample: input.settings.doSample,
          temperature: input.settings.temperature,
          top_p: input.settings.topP,
          top_k: input.settings.topK,
        },
        answer: answer.text,
        startMs,
        endMs: startMs + answer.latencyMs,
        ...(figures?.promptTokens !== undefined ? { promptTokens: figures.promptTokens } : {}),
        ...(figures?.newTokens !== undefined ? { generatedTokens: figures.newTokens } : {}),
        ...(figures?.timeToFirstTokenMs !== undefined ? { timeToFirstTokenMs: figures.timeToFirstTokenMs } : {}),
        ...(figures?.tokensPerSecond !== undefined ? { tokensPerSecond: figures.tokensPerSecond } : {}),
        outcome: answer.error
          ? answer.error === 'Stopped.'
            ? { kind: 'stopped' }
            : { kind: 'failed', message: answer.error }
          : { kind: 'completed', finishReason: figures?.stopReason ?? 'unknown' },
        runId: input.runId,
        tags: { 'phi3.bulkLine': String(row.prompt.line) },
      });
      pending.push(record);
      return { traceId: mlflowTraceId(record.otelTraceId), rootSpanId: record.spans[0]!.spanId };
    }),
  );
  for (let start = 0; start < pending.length; start += batchSize) {
    input.signal?.throwIfAborted();
    await client.traces.logTraces(input.experimentId, pending.slice(start, start + batchSize), input.signal);
  }
  return traces;
}
