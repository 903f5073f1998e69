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
  /** Text that ends the answer where it first appears (the sequence itself is not kept). */
  readonly stopSequences: readonly string[];
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
  stopSequences: [],
};

/** OpenAI's limit, which llm/v1/chat servers follow. */
const maxStopSequences = 4;

/**
 * Settings from the webview (or storage), checked with the engine's own rules so a bad value is
 * refused with the engine's message before anything is sent. Throws InferenceError('invalid-option').
 */
export function checkChatSettings(raw: unknown): ChatSettings {
  const value = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const number = (key: keyof ChatSettings, label: string): number => {
    const field = value[key];
    const parsed = typeof field === 'string' && field.trim() !== '' ? Number(field) : field;
    if (typeof parsed !== 'number' || Number.isNaN(parsed))
      throw new InferenceError(
        'invalid-option',
        `Invalid generation setting: ${label} must be a number (got ${JSON.stringify(field ?? '')}).`,
      );
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
    stopSequences: stopSequencesOf(value.stopSequences),
  };
  // The engine's checks and messages, on a context large enough not to interfere.
  resolveSearchOptions(Number.MAX_SAFE_INTEGER, {}, toSearchOptions(settings));
  return settings;
}

/**
 * Stop sequences as a list, or as the webview's text: one a line, `\n` and `\t` standing for a
 * line break and a tab (so a blank line, `\n\n`, can be a stop sequence).
 */
function stopSequencesOf(raw: unknown): string[] {
  const invalid = (what: string) => new InferenceError('invalid-option', `Invalid generation setting: ${what}.`);
  const list =
    raw === undefined || raw === null
      ? []
      : typeof raw === 'string'
        ? raw
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => line.replace(/\\n/g, '\n').replace(/\\t/g, '\t'))
        : Array.isArray(raw) && raw.every((item) => typeof item === 'string')
          ? (raw as string[])
          : undefined;
  if (!list) throw invalid('stop sequences must be text, one a line');
  if (list.some((sequence) => sequence === '')) throw invalid('a stop sequence cannot be empty');
  if (list.length > maxStopSequences) throw invalid(`at most ${maxStopSequences} stop sequences (got ${list.length})`);
  return list;
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
  const stop = settings.stopSequences.length ? { stop: settings.stopSequences } : {};
  return settings.doSample
    ? { maxTokens: settings.maxNewTokens, temperature: settings.temperature, topP: settings.topP, topK: settings.topK, ...stop }
    : { maxTokens: settings.maxNewTokens, ...stop };
}
