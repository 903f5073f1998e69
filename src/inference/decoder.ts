import type { ModelSpec } from './modelSpec';

/** What a decoder's cache must say about itself; the rest is the decoder's own business. */
export interface DecoderCache {
  readonly length: number;
}

export interface DecoderStepOf<Cache extends DecoderCache> {
  /** Logits of the last position: the distribution of the next token. */
  readonly logits: Float32Array;
  readonly cache: Cache;
  /** Time inside onnxruntime's run, of the step's total. */
  readonly runMs: number;
}

/** Which onnxruntime binding runs the graph: its C API through koffi, or onnxruntime-node's InferenceSession. */
export type EngineBackend = 'capi' | 'node';

/**
 * One loaded decoder graph run one step at a time, whichever binding drives it: LocalModel only
 * needs these calls, so the C API session (ortCApi/) and onnxruntime-node's (decoderSession.ts) are
 * interchangeable, and the same tests run on both.
 */
export interface Decoder<Cache extends DecoderCache = DecoderCache> {
  readonly spec: ModelSpec;
  readonly backend: EngineBackend;
  readonly sharesPastPresentBuffer: boolean;
  emptyCache(): Cache;
  truncate(cache: Cache, length: number): Cache;
  step(tokens: readonly number[], previous: Cache, capacityHint?: number): Promise<DecoderStepOf<Cache>>;
  /** Frees what a cache no longer needed holds natively (nothing for onnxruntime-node's, which the GC owns). */
  discard(cache: Cache): void;
  dispose(): Promise<void>;
}
