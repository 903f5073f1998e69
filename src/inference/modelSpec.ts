import type { SearchOptions } from './searchOptions';

/**
 * What the engine needs to know about a model folder, whichever layout it came in: where the graph
 * is, how its inputs and outputs are named, the shape of its KV cache and the tokens that end a turn.
 */
export interface ModelSpec {
  readonly layout: 'genai' | 'transformers.js';
  readonly folder: string;
  /** The decoder graph; its external data file, if any, sits beside it. */
  readonly graphPath: string;
  /** Bytes on disk of the graph and its external data: the floor of the memory it will take. */
  readonly weightBytes: number;
  readonly modelType: string;
  readonly contextLength: number;
  readonly vocabSize: number;
  readonly bosTokenId: number | undefined;
  readonly eosTokenIds: readonly number[];
  readonly padTokenId: number | undefined;
  readonly numLayers: number;
  readonly numKeyValueHeads: number;
  readonly numAttentionHeads: number;
  readonly headSize: number;
  readonly io: DecoderIoNames;
  /** The folder's own search defaults (genai_config.json's `search`, or generation_config.json). */
  readonly searchDefaults: Partial<SearchOptions>;
  /**
   * The config says the graph can write `present` into the `past` buffer (GroupQueryAttention with
   * `past_present_share_buffer`), so the cache is a fixed-size buffer updated in place.
   */
  readonly sharesPastPresentBuffer: boolean;
}

export interface DecoderIoNames {
  readonly inputIds: string;
  readonly attentionMask: string;
  /** Present in the transformers.js / optimum layout; genai graphs take positions from the mask. */
  readonly positionIds: string | undefined;
  readonly pastKey: (layer: number) => string;
  readonly pastValue: (layer: number) => string;
  readonly logits: string;
  readonly presentKey: (layer: number) => string;
  readonly presentValue: (layer: number) => string;
}

/** Expands genai_config's `past_key_values.%d.key` style name patterns. */
export function layerName(pattern: string): (layer: number) => string {
  return (layer) => pattern.replace('%d', String(layer));
}
