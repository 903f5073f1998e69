import { epochNs, randomTraceIds, type TraceIdSource } from './traceIds';
import type { AttributeValue, SpanEventRecord, SpanRecord, TraceRecord } from './traceRecord';

/** Where the answer came from: the extension's own engine, or a model behind `mlflow models serve`. */
export type ChatSource = 'local' | 'served';

/**
 * How the generation ended.
 * - completed: the model ended it (`finishReason` as the engine says it: eos, max-new-tokens,
 *   stop-sequence, or a served model's `stop`/`length`);
 * - stopped: the user stopped it. The root span is ERROR with the message "Stopped by the user."
 *   (issue #14 asks for an error status when the generation failed or was stopped: an answer cut
 *   short is not a complete one, and `status = 'ERROR'` then finds every answer that did not run to
 *   its end), without an `exception` event, as nothing raised; the `phi3.finishReason` tag says
 *   "stopped", which tells it from a failure.
 * - failed: the engine or the server failed; the root span is ERROR with the message, and carries
 *   OpenTelemetry's `exception` event, which MLflow's UI shows as the span's exception.
 */
export type ChatOutcome =
  | { readonly kind: 'completed'; readonly finishReason: string }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'failed'; readonly message: string; readonly errorType?: string };

export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

/** A phase of the generation, in milliseconds since the epoch (fractions kept). */
export interface PhaseTime {
  readonly startMs: number;
  readonly endMs: number;
}

export interface ChatTraceInput {
  readonly source: ChatSource;
  /** The model as the chat names it: a folder name, `models:/phi3@champion`, a served URL. */
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  /** The generation settings, under the names the span's inputs should show (`max_new_tokens`, `temperature`, …). */
  readonly settings: Readonly<Record<string, AttributeValue>>;
  /** The answer as shown, partial when stopped or failed. */
  readonly answer: string;
  readonly startMs: number;
  readonly endMs: number;
  /** The phases the local engine times; a served answer has none. */
  readonly tokenize?: PhaseTime & { readonly promptTokens: number };
  readonly prefill?: PhaseTime & { readonly promptTokens: number; readonly reusedTokens?: number };
  readonly decode?: PhaseTime & { readonly generatedTokens: number; readonly tokensPerSecond?: number };
  readonly promptTokens?: number;
  readonly generatedTokens?: number;
  readonly timeToFirstTokenMs?: number;
  readonly tokensPerSecond?: number;
  readonly outcome: ChatOutcome;
  /** The prompt the messages came from, e.g. `prompts:/support-bot/3`. */
  readonly promptVersion?: string;
  /** A run to record the trace under (`mlflow.sourceRun`, as a trace made inside `mlflow.start_run()`). */
  readonly runId?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** The status message of the root span of an answer the user stopped. */
export const stoppedMessage = 'Stopped by the user.';

/** The names of the spans a chat trace has. */
export const chatSpanNames = { root: 'chat', tokenize: 'tokenize', prefill: 'prefill', decode: 'decode' } as const;

/**
 * The trace of one chat answer: a root span `chat` (type CHAT_MODEL; inputs the messages and the
 * settings, in the shape of an OpenAI chat request, which MLflow's UI shows as a chat; outputs the
 * answer) with child spans `tokenize`, `prefill` and `decode` for the phases that were timed. The
 * root carries MLflow's token usage (`mlflow.chat.tokenUsage`, which the server sums into the
 * trace's), the model (`mlflow.llm.model`), the time to first token and tokens per second; the
 * trace is tagged with its source, model, finish reason and prompt version.
 */
export function chatTrace(input: ChatTraceInput, ids: TraceIdSource = randomTraceIds): TraceRecord {
  const rootId = ids.spanId();
  const usage = tokenUsage(input);
  const finishReason =
    input.outcome.kind === 'completed' ? input.outcome.finishReason : input.outcome.kind === 'stopped' ? 'stopped' : 'error';
  const root: SpanRecord = {
    spanId: rootId,
    name: chatSpanNames.root,
    startTimeNs: epochNs(input.startMs),
    endTimeNs: epochNs(input.endMs),
    attributes: defined({
      'mlflow.spanType': 'CHAT_MODEL',
      'mlflow.spanInputs': { messages: input.messages.map((m) => ({ role: m.role, content: m.content })), ...input.settings },
      'mlflow.spanOutputs': input.answer,
      'mlflow.llm.model': input.model,
      'mlflow.chat.tokenUsage': usage,
      'phi3.source': input.source,
      'phi3.finish_reason': finishReason,
      'phi3.time_to_first_token_ms': input.timeToFirstTokenMs,
      'phi3.tokens_per_second': input.tokensPerSecond,
    }),
    status:
      input.outcome.kind === 'failed'
        ? { code: 'ERROR', message: input.outcome.message }
        : input.outcome.kind === 'stopped'
          ? { code: 'ERROR', message: stoppedMessage }
          : { code: 'OK' },
    events: input.outcome.kind === 'failed' ? [exceptionEvent(input.endMs, input.outcome)] : undefined,
  };
  const phase = (name: string, time: PhaseTime, attributes: Record<string, AttributeValue | undefined>): SpanRecord => ({
    spanId: ids.spanId(),
    parentSpanId: rootId,
    name,
    startTimeNs: epochNs(time.startMs),
    endTimeNs: epochNs(time.endMs),
    attributes: defined({ 'mlflow.spanType': 'TASK', ...attributes }),
    status: { code: 'OK' },
  });
  const spans = [root];
  if (input.tokenize) spans.push(phase(chatSpanNames.tokenize, input.tokenize, { 'phi3.prompt_tokens': input.tokenize.promptTokens }));
  if (input.prefill)
    spans.push(
      phase(chatSpanNames.prefill, input.prefill, {
        'phi3.prompt_tokens': input.prefill.promptTokens,
        'phi3.reused_tokens': input.prefill.reusedTokens,
      }),
    );
  if (input.decode)
    spans.push(
      phase(chatSpanNames.decode, input.decode, {
        'phi3.generated_tokens': input.decode.generatedTokens,
        'phi3.tokens_per_second': input.decode.tokensPerSecond,
      }),
    );
  return {
    otelTraceId: ids.traceId(),
    spans,
    tags: defined({
      ...input.tags,
      'phi3.source': input.source,
      'phi3.model': input.model,
      'phi3.finishReason': finishReason,
      'phi3.promptVersion': input.promptVersion,
    }) as Record<string, string>,
    metadata: defined({
      'mlflow.trace.tokenUsage': usage && JSON.stringify(usage),
      'mlflow.sourceRun': input.runId,
    }) as Record<string, string>,
  };
}

/** MLflow's token usage shape (mlflow.tracing.constant.TokenUsageKey), when both counts are known. */
function tokenUsage(input: ChatTraceInput): Record<string, number> | undefined {
  const prompt = input.promptTokens ?? input.tokenize?.promptTokens ?? input.prefill?.promptTokens;
  const generated = input.generatedTokens ?? input.decode?.generatedTokens;
  if (prompt === undefined || generated === undefined) return undefined;
  return { input_tokens: prompt, output_tokens: generated, total_tokens: prompt + generated };
}

/** OpenTelemetry's exception event (semantic conventions `exception.type`, `exception.message`), as MLflow records a raised exception. */
function exceptionEvent(atMs: number, failure: Extract<ChatOutcome, { kind: 'failed' }>): SpanEventRecord {
  return {
    name: 'exception',
    timeNs: epochNs(atMs),
    attributes: defined({ 'exception.type': failure.errorType, 'exception.message': failure.message }),
  };
}

/** The entries whose value is not undefined (an absent count is left out, not sent as null). */
function defined<T>(record: Record<string, T | undefined>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Record<string, T>;
}
