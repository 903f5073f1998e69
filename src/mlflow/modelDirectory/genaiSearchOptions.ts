/**
 * The options of onnxruntime-genai's `GeneratorParams.set_search_options` that a wrapper may set,
 * under their own names (checked against onnxruntime-genai 0.18.0), and what each takes. Options
 * left out keep the model's `genai_config.json` values.
 */
export const genaiSearchOptionKinds = {
  max_length: 'count',
  min_length: 'count',
  do_sample: 'boolean',
  temperature: 'positive',
  top_k: 'count',
  top_p: 'fraction',
  repetition_penalty: 'positive',
  num_beams: 'count',
  length_penalty: 'number',
  diversity_penalty: 'number',
  no_repeat_ngram_size: 'count',
  early_stopping: 'boolean',
  random_seed: 'count',
} as const;

export type GenaiSearchOptionName = keyof typeof genaiSearchOptionKinds;
export type GenaiSearchOptions = Partial<Record<GenaiSearchOptionName, number | boolean>>;

export const isGenaiSearchOption = (name: string): name is GenaiSearchOptionName => Object.hasOwn(genaiSearchOptionKinds, name);

/** Why `value` is not a valid `name`, or undefined when it is. */
export function searchOptionProblem(name: GenaiSearchOptionName, value: unknown): string | undefined {
  const kind = genaiSearchOptionKinds[name];
  const got = typeof value === 'string' ? `"${value}"` : String(value);
  switch (kind) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${name} must be true or false (got ${got})`;
    case 'count':
      return typeof value === 'number' && Number.isInteger(value) && value >= (name === 'max_length' || name === 'num_beams' ? 1 : 0)
        ? undefined
        : `${name} must be a whole number of ${name === 'max_length' || name === 'num_beams' ? 1 : 0} or more (got ${got})`;
    case 'positive':
      return typeof value === 'number' && Number.isFinite(value) && value > 0 ? undefined : `${name} must be a number above 0 (got ${got})`;
    case 'fraction':
      return typeof value === 'number' && value > 0 && value <= 1 ? undefined : `${name} must be above 0 and at most 1 (got ${got})`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : `${name} must be a number (got ${got})`;
  }
}
