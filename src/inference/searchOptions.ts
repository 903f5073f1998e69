import { InferenceError } from './inferenceError';

/**
 * The generation options of onnxruntime-genai's `search` section, with its meanings: `maxLength`
 * counts the prompt plus the new tokens, `minLength` likewise. `maxNewTokens` is a convenience that
 * caps the new tokens alone; whichever limit comes first ends generation.
 */
export interface SearchOptions {
  readonly doSample: boolean;
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  readonly repetitionPenalty: number;
  readonly maxLength: number;
  readonly minLength: number;
  readonly maxNewTokens: number | undefined;
  /** Seeds the sampler; the same seed and prompt give the same tokens. Unset: a random seed. */
  readonly seed: number | undefined;
}

/** onnxruntime-genai's own defaults for fields a config leaves out (max_length 0 = the context length). */
export function runtimeDefaults(contextLength: number): SearchOptions {
  return {
    doSample: false,
    temperature: 1,
    topK: 50,
    topP: 1,
    repetitionPenalty: 1,
    maxLength: contextLength,
    minLength: 0,
    maxNewTokens: undefined,
    seed: undefined,
  };
}

/** The model's defaults overridden by the request's options, checked. */
export function resolveSearchOptions(
  contextLength: number,
  modelDefaults: Partial<SearchOptions>,
  request: Partial<SearchOptions> = {},
): SearchOptions {
  const merged: SearchOptions = { ...runtimeDefaults(contextLength), ...withoutUndefined(modelDefaults), ...withoutUndefined(request) };
  const options = { ...merged, maxLength: merged.maxLength <= 0 ? contextLength : Math.min(merged.maxLength, contextLength) };
  const invalid = (what: string) => new InferenceError('invalid-option', `Invalid generation setting: ${what}.`);
  if (!(options.temperature > 0) || !Number.isFinite(options.temperature))
    throw invalid(`temperature must be above 0 (got ${options.temperature})`);
  if (!Number.isInteger(options.topK) || options.topK < 0) throw invalid(`top-k must be a whole number of 0 or more (got ${options.topK})`);
  if (!(options.topP > 0 && options.topP <= 1)) throw invalid(`top-p must be above 0 and at most 1 (got ${options.topP})`);
  if (!(options.repetitionPenalty > 0) || !Number.isFinite(options.repetitionPenalty))
    throw invalid(`repetition penalty must be above 0 (got ${options.repetitionPenalty})`);
  if (!Number.isInteger(options.minLength) || options.minLength < 0)
    throw invalid(`min length must be a whole number of 0 or more (got ${options.minLength})`);
  if (options.maxNewTokens !== undefined && (!Number.isInteger(options.maxNewTokens) || options.maxNewTokens < 1)) {
    throw invalid(`max new tokens must be a whole number of 1 or more (got ${options.maxNewTokens})`);
  }
  if (options.seed !== undefined && (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff)) {
    throw invalid(`seed must be a whole number from 0 to 4294967295 (got ${options.seed})`);
  }
  return options;
}

/**
 * The search defaults a model folder declares, in the snake_case both genai_config.json's `search`
 * section and Hugging Face's generation_config.json use. Fields of the wrong type are left out.
 */
export function searchDefaultsFromConfig(section: Record<string, unknown>): Partial<SearchOptions> {
  const num = (key: string) => (typeof section[key] === 'number' ? (section[key] as number) : undefined);
  return {
    doSample: typeof section.do_sample === 'boolean' ? section.do_sample : undefined,
    temperature: num('temperature'),
    topK: num('top_k'),
    topP: num('top_p'),
    repetitionPenalty: num('repetition_penalty'),
    maxLength: num('max_length'),
    minLength: num('min_length'),
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
