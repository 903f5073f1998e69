import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { Decoder, EngineBackend } from './decoder';
import { InferenceError } from './inferenceError';
import { emptyKvCache, reserveKvCache, truncateKvCache, type KvCache } from './kvCache';
import type { ModelSpec } from './modelSpec';
import { errorMessage } from '../errorMessage';

type Ort = typeof import('onnxruntime-node');

export interface DecoderSessionOptions {
  /** onnxruntime's intra-op threads; default onnxruntime's own choice (the physical cores). */
  readonly threads?: number;
  /**
   * Let onnxruntime's threads spin-wait for work between operators. Off by default: spinning burns
   * the CPU the editor and everything else on the machine need, and with other load on the cores it
   * doubled the CPU time of a decode step and halved tokens/s (bench/inference.bench.ts).
   */
  readonly spinWait?: boolean;
  /**
   * Which binding runs the graph: 'capi' (onnxruntime's C API, outputs written in place; the
   * default) or 'node' (onnxruntime-node's InferenceSession). Default: PHI3_ENGINE_BACKEND, else 'capi'.
   */
  readonly backend?: EngineBackend;
}

export interface DecoderStep {
  /** Logits of the last position: the distribution of the next token. */
  readonly logits: Float32Array;
  readonly cache: KvCache;
  /** Time inside onnxruntime's run, of the step's total. */
  readonly runMs: number;
}

/**
 * One loaded decoder graph, run one step at a time: the new tokens and the cache of the tokens
 * before them go in; the next token's logits and the grown cache come out. The graph's inputs and
 * outputs are checked against the config at load, so a config and graph that don't belong together
 * are refused up front rather than failing mid-generation.
 */
export class DecoderSession implements Decoder<KvCache> {
  readonly backend = 'node';
  /** Whether steps update one fixed buffer in place (see KvCache); settled at load by a probe. */
  private sharedBuffer = false;

  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    readonly spec: ModelSpec,
  ) {}

  get sharesPastPresentBuffer(): boolean {
    return this.sharedBuffer;
  }

  static async load(spec: ModelSpec, options: DecoderSessionOptions = {}): Promise<DecoderSession> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- native; loaded only when a model is
    const ort = require('onnxruntime-node') as Ort;
    let session: InferenceSession;
    try {
      session = await ort.InferenceSession.create(spec.graphPath, {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
        ...(options.spinWait ? {} : { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } }),
      });
    } catch (error) {
      throw new InferenceError(
        'load-failed',
        `onnxruntime could not load ${spec.graphPath}: ${firstLine(errorMessage(error))}. The file may be incomplete or corrupt, or its external weights (.onnx.data) missing.`,
      );
    }
    try {
      checkGraph(session, spec);
    } catch (error) {
      await session.release();
      throw error;
    }
    const decoder = new DecoderSession(ort, session, spec);
    if (spec.sharesPastPresentBuffer) decoder.sharedBuffer = await decoder.sharedBufferWorks();
    return decoder;
  }

  /**
   * A config can claim a shared buffer that its graph (or this onnxruntime) does not honour, which
   * would give wrong tokens silently. So each load runs the same two steps (two tokens, then one) on
   * a growing cache and on a shared buffer and compares the logits. Like with like: one step of
   * three tokens is not comparable, since int4 graphs quantise activations per batch (accuracy level
   * 4) and differ from two steps by far more than rounding.
   */
  private async sharedBufferWorks(): Promise<boolean> {
    const empty = (shared: boolean) =>
      emptyKvCache(this.ort.Tensor, this.spec.numLayers, this.spec.numKeyValueHeads, this.spec.headSize, shared);
    try {
      const growing = await this.step([3], (await this.step([1, 2], empty(false))).cache);
      const shared = await this.step([3], (await this.step([1, 2], empty(true), 4)).cache);
      let worst = 0;
      let largest = 0;
      for (let i = 0; i < growing.logits.length; i++) {
        worst = Math.max(worst, Math.abs(growing.logits[i]! - shared.logits[i]!));
        largest = Math.max(largest, Math.abs(growing.logits[i]!));
      }
      return worst <= 1e-5 * Math.max(1, largest);
    } catch {
      return false;
    }
  }

  emptyCache(): KvCache {
    return emptyKvCache(this.ort.Tensor, this.spec.numLayers, this.spec.numKeyValueHeads, this.spec.headSize, this.sharedBuffer);
  }

  truncate(cache: KvCache, length: number): KvCache {
    return truncateKvCache(this.ort.Tensor, cache, length);
  }

  /**
   * Runs `tokens` after the cached ones. `capacityHint`: the sequence length the caller expects to
   * reach, so a shared buffer is sized once rather than grown step by step.
   */
  async step(tokens: readonly number[], previous: KvCache, capacityHint = 0): Promise<DecoderStep> {
    const { Tensor } = this.ort;
    const { io, numLayers } = this.spec;
    const total = previous.length + tokens.length;
    const cache = previous.shared ? reserveKvCache(Tensor, previous, Math.max(total, capacityHint), this.spec.contextLength) : previous;
    const feeds: Record<string, Tensor> = {
      [io.inputIds]: new Tensor('int64', BigInt64Array.from(tokens, BigInt), [1, tokens.length]),
      [io.attentionMask]: new Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
    };
    if (io.positionIds) {
      const positions = new BigInt64Array(tokens.length);
      for (let i = 0; i < tokens.length; i++) positions[i] = BigInt(cache.length + i);
      feeds[io.positionIds] = new Tensor('int64', positions, [1, tokens.length]);
    }
    for (let layer = 0; layer < numLayers; layer++) {
      feeds[io.pastKey(layer)] = cache.keys[layer]!;
      feeds[io.pastValue(layer)] = cache.values[layer]!;
    }
    let outputs: InferenceSession.ReturnType;
    const runStarted = performance.now();
    if (cache.shared) {
      // The past buffers double as the present outputs: the graph writes the new positions in place.
      const fetches: Record<string, Tensor | null> = { [io.logits]: null };
      for (let layer = 0; layer < numLayers; layer++) {
        fetches[io.presentKey(layer)] = cache.keys[layer]!;
        fetches[io.presentValue(layer)] = cache.values[layer]!;
      }
      outputs = await this.session.run(feeds, fetches);
    } else {
      outputs = await this.session.run(feeds);
    }
    const runMs = performance.now() - runStarted;
    const logits = outputs[io.logits]!;
    const [, seq, vocab] = logits.dims as [number, number, number];
    const data = logits.data as Float32Array;
    const lastRow = data.slice((seq - 1) * vocab, seq * vocab);
    if (cache.shared) return { logits: lastRow, cache: { ...cache, length: total }, runMs };
    const keys: Tensor[] = [];
    const values: Tensor[] = [];
    for (let layer = 0; layer < numLayers; layer++) {
      keys.push(outputs[io.presentKey(layer)]!);
      values.push(outputs[io.presentValue(layer)]!);
    }
    return { logits: lastRow, cache: { length: total, capacity: total, shared: false, keys, values }, runMs };
  }

  /** Nothing to free: this cache is JS memory the garbage collector owns. */
  discard(): void {}

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

function checkGraph(session: InferenceSession, spec: ModelSpec): void {
  const logits = session.outputMetadata.find((m) => m.name === spec.io.logits);
  checkGraphIo(spec, session.inputNames, session.outputNames, logits && logits.isTensor ? logits.type : undefined);
}

/**
 * Refuses a graph whose inputs and outputs are not the ones the config names, or whose logits are not
 * float32 (both engines, whichever way they read the names).
 */
export function checkGraphIo(
  spec: ModelSpec,
  inputNames: readonly string[],
  outputNames: readonly string[],
  logitsType: string | undefined,
): void {
  const { io } = spec;
  const file = spec.graphPath.slice(spec.folder.length + 1);
  const configFile = spec.layout === 'genai' ? 'genai_config.json' : 'config.json';
  const inputs = [io.inputIds, io.attentionMask, ...(io.positionIds ? [io.positionIds] : [])];
  const outputs = [io.logits];
  for (let layer = 0; layer < spec.numLayers; layer++) {
    inputs.push(io.pastKey(layer), io.pastValue(layer));
    outputs.push(io.presentKey(layer), io.presentValue(layer));
  }
  const missingInputs = inputs.filter((name) => !inputNames.includes(name));
  const missingOutputs = outputs.filter((name) => !outputNames.includes(name));
  if (missingInputs.length > 0 || missingOutputs.length > 0) {
    const missing = [...missingInputs.map((n) => `input ${n}`), ...missingOutputs.map((n) => `output ${n}`)];
    throw new InferenceError(
      'graph-mismatch',
      `${file} has no ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` (and ${missing.length - 3} more)` : ''} that ${configFile} names: the config and the graph do not belong together (a graph with ${inputNames.length} inputs for a ${spec.numLayers}-layer config).`,
    );
  }
  const unexpected = inputNames.filter((name) => !inputs.includes(name));
  if (unexpected.length > 0) {
    throw new InferenceError(
      'graph-mismatch',
      `${file} takes inputs that ${configFile} does not name: ${unexpected.slice(0, 3).join(', ')}.`,
    );
  }
  if (logitsType && logitsType !== 'float32') {
    throw new InferenceError(
      'graph-mismatch',
      `${file} gives ${logitsType} logits; this CPU engine runs float32 graphs (built with "-e cpu").`,
    );
  }
}

export function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
