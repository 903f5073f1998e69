import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureModelsDir } from './fixtureModels';

/** What scripts/test-models/build_test_models.py records of the reference runtime for each test model. */
export interface ModelReference {
  readonly model: string;
  readonly runtime: string;
  readonly prompts: readonly {
    readonly id: string;
    readonly text: string;
    readonly input_ids: readonly number[];
    readonly max_length: number;
    readonly output_ids: readonly number[];
    readonly first_logits_file: string;
    readonly step_top2_margins: readonly number[];
  }[];
  readonly multi_turn?: {
    readonly first_input_ids: readonly number[];
    readonly first_output_ids: readonly number[];
    readonly second_input_ids: readonly number[];
    /** The continuation a full recompute gives (what the cache must reproduce). */
    readonly second_output_ids: readonly number[];
    readonly max_length: number;
    readonly sequence: readonly number[];
  };
  /** Greedy runs with other search options (repetition penalties), genai folders only. */
  readonly search_cases?: readonly {
    readonly prompt: string;
    readonly input_ids: readonly number[];
    readonly search: { readonly repetition_penalty?: number; readonly do_sample?: boolean };
    readonly max_length: number;
    readonly output_ids: readonly number[];
  }[];
  readonly tokenizer_cases?: readonly { readonly text: string; readonly ids: readonly number[] }[];
}

export function referencedModels(): { name: string; folder: string; reference: ModelReference }[] {
  return readdirSync(fixtureModelsDir)
    .sort()
    .filter((name) => existsSync(join(fixtureModelsDir, name, 'reference.json')))
    .map((name) => ({
      name,
      folder: join(fixtureModelsDir, name),
      reference: JSON.parse(readFileSync(join(fixtureModelsDir, name, 'reference.json'), 'utf8')) as ModelReference,
    }));
}

export function referenceLogits(folder: string, file: string): Float32Array {
  const bytes = readFileSync(join(folder, file));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
