import { formatPhi3Chat, type ChatMessage } from '../../formats/phi3ChatFormat';
import type { ScoringSignature } from './scoringSignature';

/**
 * The generation settings a served model can be given. Only the `llm/v1/chat` signature carries
 * them (MLflow's chat input schema has `temperature`, `max_tokens`, `top_p`, `top_k`, `stop`); the
 * wrapper's `{prompt}` signature has no params, so its own settings apply.
 */
export interface ServedSettings {
  readonly maxTokens?: number;
  /** Sent only with sampling on: OpenAI-style servers read temperature 0 or its absence as greedy. */
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  /** Text that ends the answer (`stop`). */
  readonly stop?: readonly string[];
}

export interface ScoredUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
}

/** One answer of a served model. */
export interface ScoredAnswer {
  readonly text: string;
  /** Token counts the server reported (`llm/v1/chat` only). */
  readonly usage?: ScoredUsage;
  /** `stop`, `length`, … as the server said (`llm/v1/chat` only). */
  readonly finishReason?: string;
}

/** The answer is not what the signature promises; `message` says what was expected. */
export class MalformedAnswerError extends Error {
  override readonly name = 'MalformedAnswerError';
}

/**
 * What a served model is asked: a conversation, or (raw-prompt mode) a prompt sent exactly as
 * typed, which only the `{prompt}` signature can take.
 */
export type ServedInput = { readonly messages: readonly ChatMessage[] } | { readonly prompt: string };

/** The prompt text a `{prompt}` model gets for this input: the Phi-3 chat format, or the raw prompt as it is. */
export function promptTextOf(input: ServedInput): string {
  return 'prompt' in input ? input.prompt : formatPhi3Chat(input.messages);
}

/** The JSON body of a POST /invocations asking `signature` to continue `input`. */
export function invocationBody(signature: ScoringSignature, input: ServedInput, settings: ServedSettings = {}): Record<string, unknown> {
  if (signature.kind === 'llm/v1/chat') {
    if (!('messages' in input))
      throw new Error('A raw prompt cannot be sent to an llm/v1/chat model, which takes messages: turn raw-prompt mode off.');
    const body: Record<string, unknown> = { messages: input.messages.map(({ role, content }) => ({ role, content })) };
    if (settings.temperature !== undefined) body.temperature = settings.temperature;
    if (settings.maxTokens !== undefined) body.max_tokens = settings.maxTokens;
    if (settings.topP !== undefined) body.top_p = settings.topP;
    if (settings.topK !== undefined) body.top_k = settings.topK;
    if (settings.stop?.length) body.stop = [...settings.stop];
    return body;
  }
  const prompt = promptTextOf(input);
  return signature.requestShape === 'dataframe_records'
    ? { dataframe_records: [{ [signature.promptInput]: prompt }] }
    : { inputs: { [signature.promptInput]: [prompt] } };
}

/** Reads the answer to an `invocationBody` request; throws MalformedAnswerError when it does not fit. */
export function parseInvocationAnswer(signature: ScoringSignature, body: unknown): ScoredAnswer {
  return signature.kind === 'llm/v1/chat' ? parseChatCompletion(body) : parsePromptPrediction(body);
}

/**
 * An `llm/v1/chat` answer: the scoring server returns the model's output unwrapped for an unwrapped
 * request, which for MLflow's chat models is a list of one completion per request
 * (`[{"choices": [{"message": {"content": ...}}], "usage": {...}}]`); a single completion object
 * and a `{"predictions": [...]}` wrapper are read the same way.
 */
function parseChatCompletion(body: unknown): ScoredAnswer {
  let completion: unknown = body;
  if (isRecord(completion) && 'predictions' in completion) completion = completion.predictions;
  if (Array.isArray(completion)) completion = completion[0];
  const expected = 'an llm/v1/chat completion ({"choices": [{"message": {"content": ...}}]})';
  if (!isRecord(completion) || !Array.isArray(completion.choices) || completion.choices.length === 0) throw malformed(expected, body);
  const choice = completion.choices[0] as unknown;
  if (!isRecord(choice) || !isRecord(choice.message)) throw malformed(expected, body);
  const content = choice.message.content;
  if (typeof content !== 'string' && content !== null && content !== undefined) throw malformed(expected, body);
  const usage = isRecord(completion.usage) ? readUsage(completion.usage) : undefined;
  return {
    text: content ?? '',
    ...(usage ? { usage } : {}),
    ...(typeof choice.finish_reason === 'string' ? { finishReason: choice.finish_reason } : {}),
  };
}

/** The wrapper's answer: `{"predictions": ["..."]}`, one string per prompt (a bare list or string is accepted too). */
function parsePromptPrediction(body: unknown): ScoredAnswer {
  let prediction: unknown = body;
  if (isRecord(prediction) && 'predictions' in prediction) prediction = prediction.predictions;
  if (Array.isArray(prediction)) prediction = prediction[0];
  // A DataFrame-returning wrapper answers records: [{"0": "..."}] or [{"answer": "..."}] with one column.
  if (isRecord(prediction)) {
    const values = Object.values(prediction);
    if (values.length === 1) prediction = values[0];
  }
  if (typeof prediction !== 'string') throw malformed('a {"predictions": ["..."]} answer with one string per prompt', body);
  return { text: prediction };
}

function readUsage(usage: Record<string, unknown>): ScoredUsage | undefined {
  const { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total } = usage;
  if (typeof prompt !== 'number' || typeof completion !== 'number') return undefined;
  return { promptTokens: prompt, completionTokens: completion, totalTokens: typeof total === 'number' ? total : prompt + completion };
}

function malformed(expected: string, body: unknown): MalformedAnswerError {
  const seen = JSON.stringify(body) ?? String(body);
  return new MalformedAnswerError(`The served model's answer is not ${expected}: ${seen.length > 200 ? `${seen.slice(0, 200)}…` : seen}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
