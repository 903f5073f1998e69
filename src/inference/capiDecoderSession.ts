import type { Decoder, DecoderStepOf } from './decoder';
import { checkGraphIo, firstLine, type DecoderSessionOptions } from './decoderSession';
import { InferenceError } from './inferenceError';
import type { ModelSpec } from './modelSpec';
import { NativeHandle } from './ortCApi/nativeHandle';
import type { NativePointer, OrtCApi } from './ortCApi/ortCApi';
import { OrtIoBinding, tensorDims, tensorFloats } from './ortCApi/ortIoBinding';
import { OrtSession } from './ortCApi/ortSession';
import { OrtTensor, ownedFloat32, ownedInt64 } from './ortCApi/ortTensor';
import { errorMessage } from '../errorMessage';

/**
 * The cache of the C API session. Shared form (`shared`): one OrtTensor per layer's key and value
 * over a Float32Array we own, `capacity` positions long, bound as both `past` and `present` so the
 * graph writes the new positions in place. Growing form: the `present` OrtValues onnxruntime
 * allocated in the previous step, bound as the next `past` without their data ever being copied.
 */
export interface CApiKvCache {
  readonly length: number;
  readonly capacity: number;
  readonly shared: boolean;
  readonly keys: readonly NativeHandle[];
  readonly values: readonly NativeHandle[];
}

/**
 * The decoder on onnxruntime's C API (see ortCApi/): same contract as DecoderSession, without
 * onnxruntime-node's copy of every output into a fresh JS buffer on every run. Per step only the
 * small input tensors (ids, mask, positions) are created; logits go into one buffer of ours, of which
 * only the last position's row is read.
 *
 * Native memory is owned here: the shared buffers (reused from request to request, regrown only when
 * a longer one comes), the growing cache's OrtValues (a step or truncate consumes the cache it is
 * given and releases its values), and whatever is still alive is released by dispose().
 */
export class CApiDecoderSession implements Decoder<CApiKvCache> {
  readonly backend = 'capi';
  private sharedBuffer = false;
  /** The shared buffers, when the cache is shared: every shared cache handed out points into these. */
  private sharedKeys: OrtTensor[] = [];
  private sharedValues: OrtTensor[] = [];
  private sharedCapacity = 0;
  /** Empty [1, heads, 0, head size] pasts for a growing cache's first step, made once. */
  private readonly emptyPasts: OrtTensor[];
  /** Growing-cache values onnxruntime allocated and not yet released. */
  private readonly live = new Set<NativeHandle>();
  private logits = ownedFloat32(0);

  private constructor(
    private readonly ort: OrtCApi,
    private readonly session: OrtSession,
    private readonly binding: OrtIoBinding,
    readonly spec: ModelSpec,
  ) {
    const empty = () => OrtTensor.over(ort, ownedFloat32(0), [1, spec.numKeyValueHeads, 0, spec.headSize]);
    this.emptyPasts = Array.from({ length: 2 * spec.numLayers }, empty);
  }

  get sharesPastPresentBuffer(): boolean {
    return this.sharedBuffer;
  }

  /** Native objects this session holds now (buffers, values, session, binding): 0 after dispose. */
  get nativeObjectCount(): number {
    const all = [this.session, this.binding, ...this.sharedKeys, ...this.sharedValues, ...this.emptyPasts, ...this.live];
    return all.filter((handle) => !handle.released).length;
  }

  static async load(ort: OrtCApi, spec: ModelSpec, options: DecoderSessionOptions = {}): Promise<CApiDecoderSession> {
    let session: OrtSession;
    try {
      session = OrtSession.create(ort, spec.graphPath, { threads: options.threads, spinWait: options.spinWait });
    } catch (error) {
      throw new InferenceError(
        'load-failed',
        `onnxruntime could not load ${spec.graphPath}: ${firstLine(errorMessage(error))}. The file may be incomplete or corrupt, or its external weights (.onnx.data) missing.`,
      );
    }
    let decoder: CApiDecoderSession;
    try {
      checkGraphIo(spec, session.inputNames, session.outputNames, session.outputType(spec.io.logits));
      decoder = new CApiDecoderSession(ort, session, OrtIoBinding.create(ort, session), spec);
    } catch (error) {
      session.release();
      throw error;
    }
    if (spec.sharesPastPresentBuffer) decoder.sharedBuffer = await decoder.sharedBufferWorks();
    return decoder;
  }

  /** The same probe as DecoderSession's: two steps on a growing cache and on a shared one must agree. */
  private async sharedBufferWorks(): Promise<boolean> {
    try {
      const growing = await this.step([3], (await this.step([1, 2], this.emptyOf(false))).cache);
      const shared = await this.step([3], (await this.step([1, 2], this.emptyOf(true), 4)).cache);
      this.consume(growing.cache);
      let worst = 0;
      let largest = 0;
      for (let i = 0; i < growing.logits.length; i++) {
        worst = Math.max(worst, Math.abs(growing.logits[i]! - shared.logits[i]!));
        largest = Math.max(largest, Math.abs(growing.logits[i]!));
      }
      return worst <= 1e-5 * Math.max(1, largest);
    } catch {
      return false;
    } finally {
      this.releaseShared();
    }
  }

  /**
   * An empty cache. A shared one is the session's one buffer set (so a new request reuses the memory
   * of the last): there is one conversation at a time, and starting another overwrites it.
   */
  emptyCache(): CApiKvCache {
    return this.emptyOf(this.sharedBuffer);
  }

  private emptyOf(shared: boolean): CApiKvCache {
    if (shared) return { length: 0, capacity: this.sharedCapacity, shared, keys: this.sharedKeys, values: this.sharedValues };
    const n = this.spec.numLayers;
    return { length: 0, capacity: 0, shared, keys: this.emptyPasts.slice(0, n), values: this.emptyPasts.slice(n) };
  }

  truncate(cache: CApiKvCache, length: number): CApiKvCache {
    if (length >= cache.length) return cache;
    if (cache.shared) return { ...cache, length };
    // A growing cache cut back: copy the first `length` positions of each head into buffers of ours.
    const cut = (value: NativeHandle) => {
      const [batch, heads, held, headSize] = tensorDims(this.ort, value.handle) as [number, number, number, number];
      const source = tensorFloats(this.ort, value.handle, batch * heads * held * headSize);
      const target = ownedFloat32(batch * heads * length * headSize);
      for (let h = 0; h < batch * heads; h++)
        target.set(source.subarray(h * held * headSize, (h * held + length) * headSize), h * length * headSize);
      return this.track(OrtTensor.over(this.ort, target, [batch, heads, length, headSize]));
    };
    const truncated = { ...cache, length, capacity: length, keys: cache.keys.map(cut), values: cache.values.map(cut) };
    this.consume(cache);
    return truncated;
  }

  async step(tokens: readonly number[], previous: CApiKvCache, capacityHint = 0): Promise<DecoderStepOf<CApiKvCache>> {
    const { io, numLayers, vocabSize } = this.spec;
    const total = previous.length + tokens.length;
    const cache = previous.shared ? this.reserve(previous, Math.max(total, capacityHint)) : previous;
    const ids = ownedInt64(tokens.length);
    tokens.forEach((token, i) => (ids[i] = BigInt(token)));
    const mask = ownedInt64(total).fill(1n);
    const small = [OrtTensor.over(this.ort, ids, [1, tokens.length]), OrtTensor.over(this.ort, mask, [1, total])];
    if (this.logits.length < tokens.length * vocabSize) this.logits = ownedFloat32(tokens.length * vocabSize);
    const logits = OrtTensor.over(this.ort, this.logits, [1, tokens.length, vocabSize]);
    small.push(logits);
    const binding = this.binding;
    let outputs: NativePointer[] = [];
    let runMs: number;
    try {
      binding.bindInput(io.inputIds, small[0]!.handle);
      binding.bindInput(io.attentionMask, small[1]!.handle);
      if (io.positionIds) {
        const positions = ownedInt64(tokens.length);
        for (let i = 0; i < tokens.length; i++) positions[i] = BigInt(cache.length + i);
        const tensor = OrtTensor.over(this.ort, positions, [1, tokens.length]);
        small.push(tensor);
        binding.bindInput(io.positionIds, tensor.handle);
      }
      binding.bindOutput(io.logits, logits.handle);
      for (let layer = 0; layer < numLayers; layer++) {
        binding.bindInput(io.pastKey(layer), cache.keys[layer]!.handle);
        binding.bindInput(io.pastValue(layer), cache.values[layer]!.handle);
        if (cache.shared) {
          // The same OrtValue as past and present: the graph writes the new positions in place.
          binding.bindOutput(io.presentKey(layer), cache.keys[layer]!.handle);
          binding.bindOutput(io.presentValue(layer), cache.values[layer]!.handle);
        } else {
          binding.bindOutputToCpu(io.presentKey(layer));
          binding.bindOutputToCpu(io.presentValue(layer));
        }
      }
      const runStarted = performance.now();
      await binding.run();
      runMs = performance.now() - runStarted;
      if (!cache.shared) outputs = binding.takeOutputs();
    } finally {
      binding.clear();
      for (const tensor of small) tensor.release();
    }
    const lastRow = this.logits.slice((tokens.length - 1) * vocabSize, tokens.length * vocabSize);
    if (cache.shared) return { logits: lastRow, cache: { ...cache, length: total }, runMs };
    // outputs: logits (our own tensor again, one more reference to drop), then present key, value per layer.
    const wrap = (pointer: NativePointer) => this.track(new NativeHandle(pointer, (p) => this.ort.fn.ReleaseValue(p), 'OrtValue'));
    this.ort.fn.ReleaseValue(outputs[0]);
    const keys: NativeHandle[] = [];
    const values: NativeHandle[] = [];
    for (let layer = 0; layer < numLayers; layer++) {
      keys.push(wrap(outputs[1 + 2 * layer]));
      values.push(wrap(outputs[2 + 2 * layer]));
    }
    this.consume(previous);
    return { logits: lastRow, cache: { length: total, capacity: total, shared: false, keys, values }, runMs };
  }

  /**
   * A shared cache with room for `needed` positions (at most the context length): the session's
   * buffers if they have room, else new ones (doubling), with the filled positions copied over and
   * the old buffers released.
   */
  private reserve(cache: CApiKvCache, needed: number): CApiKvCache {
    if (needed <= this.sharedCapacity && cache.keys === this.sharedKeys) return cache;
    const capacity = Math.min(this.spec.contextLength, Math.max(needed, this.sharedCapacity * 2));
    const { numKeyValueHeads: heads, headSize } = this.spec;
    const grow = (old: OrtTensor | undefined) => {
      const target = ownedFloat32(heads * capacity * headSize);
      if (old && cache.length > 0) {
        const held = old.dims[2]!;
        for (let h = 0; h < heads; h++)
          target.set(old.data.subarray(h * held * headSize, (h * held + cache.length) * headSize) as Float32Array, h * capacity * headSize);
      }
      return OrtTensor.over(this.ort, target, [1, heads, capacity, headSize]);
    };
    const keys = Array.from({ length: this.spec.numLayers }, (_, layer) => grow(this.sharedKeys[layer]));
    const values = Array.from({ length: this.spec.numLayers }, (_, layer) => grow(this.sharedValues[layer]));
    this.releaseShared();
    this.sharedKeys = keys;
    this.sharedValues = values;
    this.sharedCapacity = capacity;
    return { ...cache, capacity, keys, values };
  }

  private releaseShared(): void {
    for (const tensor of [...this.sharedKeys, ...this.sharedValues]) tensor.release();
    this.sharedKeys = [];
    this.sharedValues = [];
    this.sharedCapacity = 0;
  }

  private track(handle: NativeHandle): NativeHandle {
    this.live.add(handle);
    return handle;
  }

  /** A cache the caller drops (a first-step probe, a reset conversation): its values go now, not at dispose. */
  discard(cache: CApiKvCache): void {
    this.consume(cache);
  }

  /** Releases a growing cache's values once a step or truncate has made its successor (idempotent). */
  private consume(cache: CApiKvCache): void {
    if (cache.shared) return;
    for (const handle of [...cache.keys, ...cache.values]) {
      if (!this.live.has(handle)) continue; // the empty pasts, kept for the next first step
      this.live.delete(handle);
      handle.release();
    }
  }

  async dispose(): Promise<void> {
    for (const handle of this.live) handle.release();
    this.live.clear();
    this.releaseShared();
    for (const tensor of this.emptyPasts) tensor.release();
    this.binding.release();
    this.session.release();
  }
}
