import { linkedPromptsTag } from '../mlflow/prompts/promptLinks';
import { ScoringError } from '../mlflow/scoring/scoringClient';
import type { ChatOutcome, ChatTraceInput } from '../mlflow/traces/chatTrace';
import type { ChatAnswer, ChatBackend, ChatInput } from './chatBackend';
import type { SideAnswer } from './chatSide';
import type { ChatSettings } from './generationSettings';
import { errorMessage } from '../errorMessage';

/** Now, in milliseconds since the epoch with the fraction `performance` keeps (Date.now() has whole milliseconds). */
export function epochNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** One answer as the chat saw it happen: what was asked, when, and how it ended. */
export interface AnsweredRequest {
  readonly source: 'local' | 'served';
  /** The model as the trace names it: an MLflow URI when it came from MLflow, else its folder or URL. */
  readonly model: string;
  readonly input: ChatInput;
  readonly settings: ChatSettings;
  /** Wall-clock milliseconds since the epoch, when the answer was asked for and when it ended. */
  readonly startMs: number;
  readonly endMs: number;
  /** What the model answered; absent when it failed. */
  readonly answer?: ChatAnswer;
  /** The text shown when it failed or was stopped (the part streamed so far). */
  readonly partialText?: string;
  readonly error?: unknown;
  /** The user pressed Stop (a served answer stopped ends as a cancelled request, an error). */
  readonly stopped?: boolean;
  /** Where it ran: `chat`, `compare` or `bulk`, as the trace's `phi3.chat.kind` tag. */
  readonly kind: 'chat' | 'compare' | 'bulk';
  /** The prompt version (`prompts:/name/version`) the chat's system prompt came from. */
  readonly promptVersion?: string;
}

/** The model as a trace names it: the MLflow URI it was opened from, else its folder or the server's URL. */
export function traceModelName(backend: ChatBackend): string {
  return (backend.ref.kind === 'local' ? backend.ref.mlflow?.requestedUri : undefined) ?? backend.exported.location;
}

/** A chat side's answer (ChatSide.answer) as the request its trace is made of. */
export function sideAnsweredRequest(
  backend: ChatBackend,
  input: ChatInput,
  settings: ChatSettings,
  answered: SideAnswer,
  kind: AnsweredRequest['kind'],
): AnsweredRequest {
  return {
    source: backend.ref.kind,
    model: traceModelName(backend),
    input,
    settings,
    startMs: answered.startMs,
    endMs: answered.endMs,
    ...(answered.answer ? { answer: answered.answer } : {}),
    ...(answered.error !== undefined ? { error: answered.error } : {}),
    partialText: answered.text,
    kind,
  };
}

/**
 * The trace of one answer, from what the backend already reports: the messages and settings in,
 * the answer out, the token counts, time to first token and tokens/s, and for a local answer the
 * tokenize, prefill and decode phases laid end to end from its start (the engine times their
 * lengths, not their wall-clock starts). A stop is the `stopped` outcome, a failure `failed`.
 */
export function answerTraceInput(request: AnsweredRequest): ChatTraceInput {
  const { answer } = request;
  const figures = answer?.figures;
  const phases = answer?.phases;
  const promptTokens = figures?.promptTokens;
  const generatedTokens = figures?.newTokens;
  const base = {
    source: request.source,
    model: request.model,
    messages: 'prompt' in request.input ? [{ role: 'user', content: request.input.prompt }] : request.input.messages,
    settings: traceSettings(request.settings, 'prompt' in request.input),
    answer: answer?.text ?? request.partialText ?? '',
    startMs: request.startMs,
    endMs: request.endMs,
    outcome: outcomeOf(request),
    // The prompt link as MLflow's own tracing writes it on a trace (TraceTagKey.LINKED_PROMPTS).
    tags: { 'phi3.chat.kind': request.kind, ...(request.promptVersion ? linkedPromptsTag([request.promptVersion]) : {}) },
    ...(request.promptVersion ? { promptVersion: request.promptVersion } : {}),
  };
  const trace: ChatTraceInput = {
    ...base,
    ...(promptTokens !== undefined ? { promptTokens } : {}),
    ...(generatedTokens !== undefined ? { generatedTokens } : {}),
    ...(figures ? { timeToFirstTokenMs: figures.timeToFirstTokenMs } : {}),
    ...(figures?.tokensPerSecond !== undefined ? { tokensPerSecond: figures.tokensPerSecond } : {}),
  };
  if (!phases || promptTokens === undefined || generatedTokens === undefined) return trace;
  const tokenizeEnd = request.startMs + phases.tokenizeMs;
  const prefillEnd = tokenizeEnd + phases.prefillMs;
  return {
    ...trace,
    tokenize: { startMs: request.startMs, endMs: tokenizeEnd, promptTokens },
    prefill: { startMs: tokenizeEnd, endMs: prefillEnd, promptTokens, reusedTokens: phases.reusedTokens },
    decode: {
      startMs: prefillEnd,
      endMs: Math.min(request.endMs, prefillEnd + phases.decodeMs),
      generatedTokens,
      ...(figures?.tokensPerSecond !== undefined ? { tokensPerSecond: figures.tokensPerSecond } : {}),
    },
  };
}

function outcomeOf(request: AnsweredRequest): ChatOutcome {
  if (request.stopped || request.answer?.figures.stopReason === 'cancelled' || isCancellation(request.error)) return { kind: 'stopped' };
  if (request.error !== undefined || !request.answer) {
    const error = request.error;
    return {
      kind: 'failed',
      message: error === undefined ? 'The model gave no answer.' : errorMessage(error),
      ...(error instanceof Error ? { errorType: error.name } : {}),
    };
  }
  return { kind: 'completed', finishReason: request.answer.figures.stopReason ?? 'unknown' };
}

/** A served answer the user stopped: its request was cancelled. */
function isCancellation(error: unknown): boolean {
  return error instanceof ScoringError && error.kind === 'cancelled';
}

/** The settings under the names of the run's params (chatRunRequest.ts), as numbers and booleans rather than text. */
function traceSettings(settings: ChatSettings, rawPrompt: boolean): ChatTraceInput['settings'] {
  return {
    max_new_tokens: settings.maxNewTokens,
    do_sample: settings.doSample,
    temperature: settings.temperature,
    top_p: settings.topP,
    top_k: settings.topK,
    repetition_penalty: settings.repetitionPenalty,
    ...(settings.seed !== undefined ? { seed: settings.seed } : {}),
    ...(settings.stopSequences.length ? { stop_sequences: [...settings.stopSequences] } : {}),
    ...(rawPrompt ? { raw_prompt: true } : {}),
  };
}
