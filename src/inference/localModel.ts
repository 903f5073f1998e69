import type { Decoder, DecoderCache, EngineBackend } from './decoder';
import { loadDecoder } from './decoderBackend';
import type { DecoderSessionOptions } from './decoderSession';
import { InferenceError } from './inferenceError';
import { inspectModelFolder, type InspectOptions } from './modelFolder';
import type { ModelSpec } from './modelSpec';
import { ModelTokenizer } from './modelTokenizer';
import { formatPhi3Chat, type ChatMessage } from '../formats/phi3ChatFormat';
import { resolveSearchOptions, type SearchOptions } from './searchOptions';
import { seededRandom } from './seededRandom';
import { StreamingDetokenizer } from './streamingDetokenizer';
import { pickNextToken } from './tokenSampler';

/** What to continue: a conversation (formatted as Phi-3 chat), a raw prompt sent as typed, or token ids. */
export type GenerationInput =
  { readonly messages: readonly ChatMessage[] } | { readonly prompt: string } | { readonly inputIds: readonly number[] };

export interface GenerationRequest {
  readonly input: GenerationInput;
  readonly options?: Partial<SearchOptions>;
  /** Called with each piece of text as its tokens arrive (never half a character, never a special token). */
  readonly onText?: (text: string, tokenId: number) => void;
  /** Asked after every step; true stops generation before the next one. */
  readonly shouldStop?: () => boolean;
  /** Called with every token the moment it is picked (eos included, before its text is streamed): per-step timing. */
  readonly onToken?: (tokenId: number) => void;
}

export type StopReason = 'eos' | 'max-length' | 'max-new-tokens' | 'cancelled';

export interface GenerationStats {
  readonly promptTokens: number;
  /** Prompt tokens whose keys and values came from the previous turn's cache instead of being recomputed. */
  readonly reusedTokens: number;
  readonly newTokens: number;
  /** From the request to its first token: tokenizing, then the prefill step, then picking the token. */
  readonly timeToFirstTokenMs: number;
  /** Of that, turning the input into token ids (the chat template and the tokenizer): the trace's tokenize span. */
  readonly tokenizeMs: number;
  /** Prompt tokens computed per second in the first step. */
  readonly prefillTokensPerSecond: number;
  /** Tokens per second after the first (0 when only one was generated). */
  readonly decodeTokensPerSecond: number;
  readonly totalMs: number;
  readonly contextLength: number;
  /** Where the time went: inside onnxruntime's runs, picking tokens, and turning them into text. */
  readonly timeInModelMs: number;
  readonly timeInSamplingMs: number;
  readonly timeInDetokenizerMs: number;
}

export interface GenerationResult {
  readonly tokenIds: readonly number[];
  readonly text: string;
  readonly stopReason: StopReason;
  readonly stats: GenerationStats;
  /** The search options the run used: the model's defaults with the request's overrides. */
  readonly options: SearchOptions;
}

export interface LoadOptions extends InspectOptions, DecoderSessionOptions {}

/**
 * A model folder loaded for chat: its tokenizer, its decoder session and the KV cache of the last
 * sequence it ran. A new request that starts with that sequence (the next turn of a conversation)
 * computes only the tokens after it.
 */
export class LocalModel {
  private cache: DecoderCache;
  private cachedIds: readonly number[] = [];
  private running = false;

  private constructor(
    readonly spec: ModelSpec,
    readonly tokenizer: ModelTokenizer,
    private readonly session: Decoder,
  ) {
    this.cache = session.emptyCache();
  }

  static async load(folder: string, options: LoadOptions = {}): Promise<LocalModel> {
    const spec = await inspectModelFolder(folder, options);
    const tokenizer = await ModelTokenizer.load(folder);
    const session = await loadDecoder(spec, options);
    return new LocalModel(spec, tokenizer, session);
  }

  /** Which onnxruntime binding runs the graph ('capi' unless it fell back or 'node' was asked for). */
  get backend(): EngineBackend {
    return this.session.backend;
  }

  /** The decoder itself, for tests that look at its cache and native memory. */
  get decoder(): Decoder {
    return this.session;
  }

  /** True when the KV cache is one buffer the graph updates in place (genai graphs with GroupQueryAttention). */
  get sharesKvBuffer(): boolean {
    return this.session.sharesPastPresentBuffer;
  }

  /** The token ids a request's input stands for. */
  tokenize(input: GenerationInput): number[] {
    if ('inputIds' in input) return [...input.inputIds];
    if ('prompt' in input) return this.tokenizer.encode(input.prompt);
    return this.tokenizer.encode(formatPhi3Chat(input.messages));
  }

  /** Forgets the cached conversation (the next request computes its whole prompt). */
  resetCache(): void {
    this.session.discard(this.cache);
    this.cache = this.session.emptyCache();
    this.cachedIds = [];
  }

  /** Returns the first-step logits of the last position, for checks against a reference runtime. Forgets the cached conversation. */
  async firstStepLogits(inputIds: readonly number[]): Promise<Float32Array> {
    const { logits, cache } = await this.session.step(inputIds, this.session.emptyCache());
    this.session.discard(cache);
    // The C API's shared cache is one buffer per layer for the session: this step wrote over the
    // conversation's first positions, so the next request must not reuse them.
    this.resetCache();
    return logits;
  }

  async generate(request: GenerationRequest): Promise<GenerationResult> {
    if (this.running) throw new InferenceError('busy', 'The model is already generating; stop it or wait for it to finish.');
    this.running = true;
    try {
      return await this.run(request);
    } catch (error) {
      // A failed step leaves the cache in an unknown state: start the next request afresh.
      this.resetCache();
      throw error;
    } finally {
      this.running = false;
    }
  }

  private async run(request: GenerationRequest): Promise<GenerationResult> {
    const started = performance.now();
    const options = resolveSearchOptions(this.spec.contextLength, this.spec.searchDefaults, request.options);
    const ids = this.tokenize(request.input);
    const tokenizeMs = performance.now() - started;
    if (ids.length === 0) throw new InferenceError('invalid-option', 'The prompt is empty.');
    if (ids.length >= options.maxLength) {
      throw new InferenceError(
        'prompt-too-long',
        `The prompt is ${ids.length} tokens, which leaves no room to answer within ${options.maxLength === this.spec.contextLength ? "the model's context window" : 'the max length'} of ${options.maxLength} tokens: shorten it or clear the conversation.`,
      );
    }
    const reused = Math.min(commonPrefixLength(this.cachedIds, ids), ids.length - 1);
    let cache = this.session.truncate(this.cache, reused);
    let toFeed: readonly number[] = ids.slice(reused);
    const sequence = [...ids];
    const generated: number[] = [];
    const detokenizer = new StreamingDetokenizer((part) => this.tokenizer.decode(part));
    const random = seededRandom(options.seed ?? Math.floor(Math.random() * 0x100000000));
    let text = '';
    let firstTokenAt = 0;
    let modelMs = 0;
    let samplingMs = 0;
    let detokenizerMs = 0;
    let stopReason: StopReason;
    // The length this request can reach: a shared cache buffer is sized for it once.
    const reach = Math.min(options.maxLength, ids.length + (options.maxNewTokens ?? options.maxLength));
    for (;;) {
      const step = await this.session.step(toFeed, cache, reach);
      cache = step.cache;
      modelMs += step.runMs;
      const samplingStarted = performance.now();
      const token = pickNextToken(step.logits, options, { sequence, eosTokenIds: this.spec.eosTokenIds, random });
      samplingMs += performance.now() - samplingStarted;
      if (generated.length === 0) firstTokenAt = performance.now();
      generated.push(token);
      sequence.push(token);
      request.onToken?.(token);
      if (this.spec.eosTokenIds.includes(token)) {
        stopReason = 'eos';
        break;
      }
      const detokenizerStarted = performance.now();
      const piece = detokenizer.push(token);
      detokenizerMs += performance.now() - detokenizerStarted;
      if (piece) {
        text += piece;
        request.onText?.(piece, token);
      }
      if (sequence.length >= options.maxLength) stopReason = 'max-length';
      else if (options.maxNewTokens !== undefined && generated.length >= options.maxNewTokens) stopReason = 'max-new-tokens';
      else if (request.shouldStop?.()) stopReason = 'cancelled';
      else {
        toFeed = [token];
        continue;
      }
      break;
    }
    // The cache now holds every token but the last one picked, which was never run through the model.
    // (A failed step never gets here: generate() then drops the cache.)
    this.cache = cache;
    this.cachedIds = sequence.slice(0, -1);
    const rest = detokenizer.flush();
    if (rest) {
      text += rest;
      request.onText?.(rest, generated[generated.length - 1]!);
    }
    const finished = performance.now();
    const prefillMs = firstTokenAt - started;
    const decodeMs = finished - firstTokenAt;
    return {
      tokenIds: generated,
      text,
      stopReason,
      options,
      stats: {
        promptTokens: ids.length,
        reusedTokens: reused,
        newTokens: generated.length,
        timeToFirstTokenMs: prefillMs,
        tokenizeMs,
        prefillTokensPerSecond: ((ids.length - reused) * 1000) / Math.max(prefillMs, 1e-3),
        decodeTokensPerSecond: generated.length > 1 ? ((generated.length - 1) * 1000) / Math.max(decodeMs, 1e-3) : 0,
        totalMs: finished - started,
        contextLength: this.spec.contextLength,
        timeInModelMs: modelMs,
        timeInSamplingMs: samplingMs,
        timeInDetokenizerMs: detokenizerMs,
      },
    };
  }

  async dispose(): Promise<void> {
    this.cache = this.session.emptyCache();
    this.cachedIds = [];
    await this.session.dispose();
  }
}

function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
