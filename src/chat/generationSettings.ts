import { InferenceError } from '../inference/inferenceError';
import { resolveSearchOptions, type SearchOptions } from '../inference/searchOptions';
import type { ServedSettings } from '../mlflow/scoring/scoringFormats';

/** The generation settings of the chat panel, as the user sets them (remembered per model). */
export interface ChatSettings {
  readonly maxNewTokens: number;
  readonly doSample: boolean;
  readonly temperature: number;
  readonly topP: number;
  readonly topK: number;
  readonly repetitionPenalty: number;
  /** Empty: a new random seed for each answer. */
  readonly seed: number | undefined;
}

/** Greedy and short by default: a first answer comes quickly and the same prompt gives the same answer. */
export const defaultChatSettings: ChatSettings = {
  maxNewTokens: 256,
  doSample: false,
  temperature: 0.7,
  topP: 0.9,
  topK: 50,
  repetitionPenalty: 1,
  seed: undefined,
};

/**
 * Settings from the webview (or storage), checked with the engine's own rules so a bad value is
 * refused with the engine's message before anything is sent. Throws InferenceError('invalid-option').
 */
export function checkChatSettings(raw: unknown): ChatSettings {
  const value = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const number = (key: keyof ChatSettings, label: string): number => {
    const field = value[key];
    const parsed = typeof field === 'string' && field.trim() !== '' ? Number(field) : field;
    if (typeof parsed !== 'number' || Number.isNaN(parsed)) throw new InferenceError('invalid-option', `Invalid generation setting: ${label} must be a number (got ${JSON.stringify(field ?? '')}).`);
    return parsed;
  };
  const seedField = value.seed;
  const settings: ChatSettings = {
    maxNewTokens: number('maxNewTokens', 'max new tokens'),
    doSample: value.doSample === true,
    temperature: number('temperature', 'temperature'),
    topP: number('topP', 'top-p'),
    topK: number('topK', 'top-k'),
    repetitionPenalty: number('repetitionPenalty', 'repetition penalty'),
    seed: seedField === undefined || seedField === null || seedField === '' ? undefined : number('seed', 'seed'),
  };
  // The engine's checks and messages, on a context large enough not to interfere.
  resolveSearchOptions(Number.MAX_SAFE_INTEGER, {}, toSearchOptions(settings));
  return settings;
}

/** What the local engine takes; sampling settings only matter with sampling on. */
export function toSearchOptions(settings: ChatSettings): Partial<SearchOptions> {
  return {
    maxNewTokens: settings.maxNewTokens,
    doSample: settings.doSample,
    temperature: settings.temperature,
    topP: settings.topP,
    topK: settings.topK,
    repetitionPenalty: settings.repetitionPenalty,
    seed: settings.seed,
  };
}

/** What an `llm/v1/chat` server takes: no sampling settings when sampling is off (greedy). */
export function toServedSettings(settings: ChatSettings): ServedSettings {
  return settings.doSample ? { maxTokens: settings.maxNewTokens, temperature: settings.temperature, topP: settings.topP, topK: settings.topK } : { maxTokens: settings.maxNewTokens };
}
