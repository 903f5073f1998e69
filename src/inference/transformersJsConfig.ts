import { InferenceError } from './inferenceError';
import { layerName, type ModelSpec } from './modelSpec';
import { searchDefaultsFromConfig } from './searchOptions';
import { errorMessage } from '../errorMessage';

export type TransformersJsSpec = Omit<ModelSpec, 'folder' | 'graphPath' | 'weightBytes'>;

/**
 * Reads the Hugging Face `config.json` (and `generation_config.json`, if any) of a transformers.js /
 * optimum export. Its graphs name their I/O the optimum way and take explicit `position_ids`.
 */
export function parseTransformersJsConfig(configText: string, generationConfigText: string | undefined): TransformersJsSpec {
  const config = parseObject(configText, 'config.json');
  const generation = generationConfigText === undefined ? {} : parseObject(generationConfigText, 'generation_config.json');
  const int = (key: string, fallback?: number): number => {
    const value = config[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new InferenceError(
        'unsupported-config',
        `config.json: ${key} is missing or not a whole number; is this a causal language model's config?`,
      );
    }
    return value;
  };
  const modelType = typeof config.model_type === 'string' ? config.model_type : 'unknown';
  const numAttentionHeads = int('num_attention_heads');
  const hiddenSize = int('hidden_size');
  const eos = generation.eos_token_id ?? config.eos_token_id;
  const eosTokenIds = (Array.isArray(eos) ? eos : eos === undefined ? [] : [eos]).filter((id): id is number => typeof id === 'number');
  if (eosTokenIds.length === 0)
    throw new InferenceError('unsupported-config', 'config.json names no eos_token_id, so generation could not stop.');
  return {
    layout: 'transformers.js',
    modelType,
    contextLength: int('max_position_embeddings'),
    vocabSize: int('vocab_size'),
    bosTokenId: typeof config.bos_token_id === 'number' ? config.bos_token_id : undefined,
    eosTokenIds,
    padTokenId: typeof config.pad_token_id === 'number' ? config.pad_token_id : undefined,
    numLayers: int('num_hidden_layers'),
    numAttentionHeads,
    numKeyValueHeads: int('num_key_value_heads', numAttentionHeads),
    headSize: typeof config.head_dim === 'number' ? config.head_dim : hiddenSize / numAttentionHeads,
    io: {
      inputIds: 'input_ids',
      attentionMask: 'attention_mask',
      positionIds: 'position_ids',
      pastKey: layerName('past_key_values.%d.key'),
      pastValue: layerName('past_key_values.%d.value'),
      logits: 'logits',
      presentKey: layerName('present.%d.key'),
      presentValue: layerName('present.%d.value'),
    },
    searchDefaults: searchDefaultsFromConfig(generation),
    // optimum graphs concatenate past and new keys themselves: no shared buffer.
    sharesPastPresentBuffer: false,
  };
}

function parseObject(text: string, file: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InferenceError('unsupported-config', `${file} is not valid JSON (${errorMessage(error)}).`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new InferenceError('unsupported-config', `${file} is not a JSON object.`);
  return json as Record<string, unknown>;
}
