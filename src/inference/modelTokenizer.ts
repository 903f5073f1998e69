import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InferenceError } from './inferenceError';
import { errorMessage } from '../errorMessage';

type TransformersModule = typeof import('@huggingface/transformers');
type PreTrainedTokenizer = Awaited<ReturnType<TransformersModule['AutoTokenizer']['from_pretrained']>>;

let transformers: TransformersModule | undefined;

/**
 * transformers.js, loaded on first use (it is large, and it loads onnxruntime), and set up to read
 * model files from disk only: nothing is fetched from a hub and nothing is written to a cache.
 */
function loadTransformers(): TransformersModule {
  if (!transformers) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load of the CommonJS build
    transformers = require('@huggingface/transformers') as TransformersModule;
    const { env } = transformers;
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.useFSCache = false;
    env.useBrowserCache = false;
  }
  return transformers;
}

/**
 * The model folder's own tokenizer (`tokenizer.json` + `tokenizer_config.json`) through
 * transformers.js. Encoding adds the special tokens the folder's config asks for (Phi-3: none, or
 * a BOS when `add_bos_token` is set) and treats `<|user|>` and friends in the text as the tokens.
 */
export class ModelTokenizer {
  private constructor(
    private readonly tokenizer: PreTrainedTokenizer,
    readonly specialTokenIds: ReadonlySet<number>,
  ) {}

  static async load(folder: string): Promise<ModelTokenizer> {
    const { AutoTokenizer, env } = loadTransformers();
    // A folder name is looked up under localModelPath, so the parent becomes that path.
    env.localModelPath = `${dirname(folder)}/`;
    let tokenizer: PreTrainedTokenizer;
    try {
      tokenizer = await AutoTokenizer.from_pretrained(basename(folder), { local_files_only: true });
    } catch (error) {
      throw new InferenceError('load-failed', `The tokenizer in ${folder} could not be loaded: ${errorMessage(error)}`);
    }
    return new ModelTokenizer(tokenizer, await specialTokenIdsOf(folder));
  }

  encode(text: string): number[] {
    return this.tokenizer.encode(text);
  }

  /** Text of the ids, without special tokens (a byte-fallback sequence cut short decodes to U+FFFD). */
  decode(ids: readonly number[]): string {
    if (ids.length === 0) return '';
    return this.tokenizer.decode([...ids], { skip_special_tokens: true });
  }
}

/** Ids of the added tokens marked special in tokenizer.json (`<|end|>`, `<|user|>`, …). */
async function specialTokenIdsOf(folder: string): Promise<Set<number>> {
  const json = JSON.parse(await readFile(join(folder, 'tokenizer.json'), 'utf8')) as { added_tokens?: { id: number; special?: boolean }[] };
  return new Set((json.added_tokens ?? []).filter((t) => t.special).map((t) => t.id));
}
