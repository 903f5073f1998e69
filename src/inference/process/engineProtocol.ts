import type { EngineBackend } from '../decoder';
import type { InferenceErrorKind } from '../inferenceError';
import type { GenerationInput, GenerationResult, LoadOptions } from '../localModel';
import type { ModelSpec } from '../modelSpec';
import type { SearchOptions } from '../searchOptions';

/** Messages between the engine client (in the extension host) and the engine process. Plain data only. */
export type EngineRequest =
  | { readonly type: 'load'; readonly id: number; readonly folder: string; readonly options: LoadOptions }
  | { readonly type: 'generate'; readonly id: number; readonly input: GenerationInput; readonly options: Partial<SearchOptions> }
  | { readonly type: 'tokenize'; readonly id: number; readonly input: GenerationInput }
  | { readonly type: 'resetCache'; readonly id: number }
  | { readonly type: 'unload'; readonly id: number }
  /** Handled at once, not queued: ends the running generation after its current step. */
  | { readonly type: 'stop'; readonly id: number };

/** A ModelSpec without its functions, how the loaded session keeps its cache, and which onnxruntime binding runs it. */
export type LoadedModelInfo = Omit<ModelSpec, 'io'> & {
  readonly inputNames: readonly string[];
  readonly sharedKvBuffer: boolean;
  readonly backend: EngineBackend;
};

export interface MemoryReport {
  /** Resident memory of the engine process, now and at its peak. */
  readonly rssBytes: number;
  readonly peakRssBytes: number;
}

export type EngineReply =
  | { readonly type: 'text'; readonly id: number; readonly text: string; readonly tokenId: number }
  | { readonly type: 'done'; readonly id: number; readonly value: unknown; readonly memory: MemoryReport }
  | {
      readonly type: 'failed';
      readonly id: number;
      readonly kind: InferenceErrorKind | 'internal';
      readonly message: string;
      readonly memory: MemoryReport;
    };

export type { GenerationResult };
