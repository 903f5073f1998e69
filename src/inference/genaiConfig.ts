import { InferenceError } from './inferenceError';
import { layerName, type ModelSpec } from './modelSpec';
import { searchDefaultsFromConfig } from './searchOptions';
import { errorMessage } from '../errorMessage';

/** Model types whose decoder is the plain causal LM this engine runs (Phi-3 and its text siblings). */
const decoderOnlyTypes = new Set(['phi3', 'phi', 'phimoe', 'llama', 'mistral', 'qwen2', 'gemma', 'gemma2']);

export type GenaiSpec = Omit<ModelSpec, 'folder' | 'graphPath' | 'weightBytes'> & { readonly graphFile: string };

/**
 * Reads onnxruntime-genai's `genai_config.json` (the format of builder versions 0.2 to 0.18). A
 * config of another shape — an older runtime's combined `past_names`, a multi-model pipeline, a
 * vision model — is refused with a message that says so, rather than run half-understood.
 */
export function parseGenaiConfig(text: string): GenaiSpec {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InferenceError('unsupported-config', `genai_config.json is not valid JSON (${errorMessage(error)}).`);
  }
  const root = asObject(json, '');
  const model = asObject(root.model, 'model');
  const type = asString(model.type, 'model.type');
  const differentRuntime = (what: string) =>
    new InferenceError(
      'unsupported-config',
      `genai_config.json ${what}: it was written for a different onnxruntime-genai version or model kind than this extension reads (model builder 0.2–0.18, decoder-only text models).`,
    );
  if (model.decoder === undefined) throw differentRuntime('has no model.decoder section');
  const decoder = asObject(model.decoder, 'model.decoder');
  if (decoder.pipeline !== undefined) throw differentRuntime('describes a multi-graph pipeline (model.decoder.pipeline)');
  if (model.vision !== undefined || model.speech !== undefined || model.encoder !== undefined) {
    throw new InferenceError(
      'unsupported-config',
      `genai_config.json describes a "${type}" model with vision, speech or encoder parts; the chat engine runs text-only decoders.`,
    );
  }
  if (!decoderOnlyTypes.has(type))
    throw new InferenceError(
      'unsupported-config',
      `genai_config.json names model type "${type}"; this engine runs ${[...decoderOnlyTypes].join(', ')}.`,
    );
  const inputs = asObject(decoder.inputs, 'model.decoder.inputs');
  const outputs = asObject(decoder.outputs, 'model.decoder.outputs');
  if (inputs.past_names !== undefined || outputs.present_names !== undefined)
    throw differentRuntime('uses combined past_names/present_names tensors');
  const eos = model.eos_token_id;
  const eosTokenIds = Array.isArray(eos) ? eos.map((id, i) => asInt(id, `model.eos_token_id[${i}]`)) : [asInt(eos, 'model.eos_token_id')];
  const numAttentionHeads = asInt(decoder.num_attention_heads, 'model.decoder.num_attention_heads');
  const hiddenSize = decoder.hidden_size === undefined ? undefined : asInt(decoder.hidden_size, 'model.decoder.hidden_size');
  const headSize =
    decoder.head_size !== undefined
      ? asInt(decoder.head_size, 'model.decoder.head_size')
      : hiddenSize !== undefined
        ? hiddenSize / numAttentionHeads
        : NaN;
  if (!Number.isInteger(headSize)) throw differentRuntime('gives neither model.decoder.head_size nor hidden_size');
  const search = root.search === undefined ? {} : asObject(root.search, 'search');
  return {
    layout: 'genai',
    graphFile: plainFileName(asString(decoder.filename, 'model.decoder.filename')),
    modelType: type,
    contextLength: asInt(model.context_length, 'model.context_length'),
    vocabSize: asInt(model.vocab_size, 'model.vocab_size'),
    bosTokenId: model.bos_token_id === undefined ? undefined : asInt(model.bos_token_id, 'model.bos_token_id'),
    eosTokenIds,
    padTokenId: model.pad_token_id === undefined ? undefined : asInt(model.pad_token_id, 'model.pad_token_id'),
    numLayers: asInt(decoder.num_hidden_layers, 'model.decoder.num_hidden_layers'),
    numAttentionHeads,
    numKeyValueHeads:
      decoder.num_key_value_heads === undefined
        ? numAttentionHeads
        : asInt(decoder.num_key_value_heads, 'model.decoder.num_key_value_heads'),
    headSize,
    io: {
      inputIds: optionalString(inputs.input_ids, 'input_ids'),
      attentionMask: optionalString(inputs.attention_mask, 'attention_mask'),
      positionIds: inputs.position_ids === undefined ? undefined : asString(inputs.position_ids, 'model.decoder.inputs.position_ids'),
      pastKey: layerName(optionalString(inputs.past_key_names, 'past_key_values.%d.key')),
      pastValue: layerName(optionalString(inputs.past_value_names, 'past_key_values.%d.value')),
      logits: optionalString(outputs.logits, 'logits'),
      presentKey: layerName(optionalString(outputs.present_key_names, 'present.%d.key')),
      presentValue: layerName(optionalString(outputs.present_value_names, 'present.%d.value')),
    },
    searchDefaults: searchDefaultsFromConfig(search),
    sharesPastPresentBuffer: search.past_present_share_buffer === true,
  };
}

function configError(path: string, what: string): InferenceError {
  return new InferenceError('unsupported-config', `genai_config.json: ${path || 'the file'} ${what}.`);
}

function asObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw configError(path, 'is missing or not an object');
  return value as Record<string, unknown>;
}

function asString(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') throw configError(path, 'is missing or not a string');
  return value;
}

function optionalString(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

function asInt(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw configError(path, 'is missing or not a whole number');
  return value;
}

/**
 * The decoder's file as a plain name in the model folder, as the model builder writes it
 * (`model.onnx`): a downloaded genai_config.json must not point the engine at `../../x.onnx` or
 * `/etc/…`. (A name that is a symlink, as in a Hugging Face snapshot, is the user's own folder's
 * business and stays allowed.)
 */
function plainFileName(name: string): string {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name) || /^[a-zA-Z]:/.test(name)) {
    throw new InferenceError(
      'unsupported-config',
      `genai_config.json names the decoder file ${JSON.stringify(name)}; it must be a file name in the model folder (such as "model.onnx"), not a path.`,
    );
  }
  return name;
}
