import type { InferenceErrorKind } from '../inferenceError';
import type { GenerationInput, GenerationResult, LoadOptions } from '../localModel';
import type { ModelSpec } from '../modelSpec';
import type { SearchOptions } from '../searchOptions';

/** Messages between the engine client (extension host thread) and the engine worker. Plain data only. */
export type EngineRequest =
  | { readonly type: 'load'; readonly id: number; readonly folder: string; readonly options: LoadOptions }
  | { readonly type: 'generate'; readonly id: number; readonly input: GenerationInput; readonly options: Partial<SearchOptions> }
  | { readonly type: 'tokenize'; readonly id: number; readonly input: GenerationInput }
  | { readonly type: 'resetCache'; readonly id: number }
  | { readonly type: 'unload'; readonly id: number };

/** A ModelSpec without its functions (name patterns are expanded on the client side again). */
export type LoadedModelInfo = Omit<ModelSpec, 'io'> & { readonly inputNames: readonly string[] };

export interface MemoryReport {
  /** Resident memory of the whole process (workers share it), and what the model's buffers hold. */
  readonly rssBytes: number;
  readonly externalBytes: number;
}

export type EngineReply =
  | { readonly type: 'text'; readonly id: number; readonly text: string; readonly tokenId: number }
  | { readonly type: 'done'; readonly id: number; readonly value: unknown; readonly memory: MemoryReport }
  | { readonly type: 'failed'; readonly id: number; readonly kind: InferenceErrorKind | 'internal'; readonly message: string };

export type { GenerationResult };
