import type { Tensor } from 'onnxruntime-node';

/**
 * The key/value cache of every layer after `length` tokens: float32 [batch 1, kv heads, positions,
 * head size]. In the growing form `positions` is `length` (each step's `present` outputs become the
 * next `past` inputs). In the shared form `positions` is `capacity`: one buffer per tensor that the
 * graph reads as `past` and writes as `present` in place, of which the first `length` are filled.
 */
export interface KvCache {
  readonly length: number;
  /** Positions the buffers hold: `length` for a growing cache, more for a shared one. */
  readonly capacity: number;
  readonly shared: boolean;
  readonly keys: readonly Tensor[];
  readonly values: readonly Tensor[];
}

type TensorConstructor = typeof import('onnxruntime-node').Tensor;

export function emptyKvCache(Tensor: TensorConstructor, layers: number, kvHeads: number, headSize: number, shared: boolean): KvCache {
  const empty = () => new Tensor('float32', new Float32Array(0), [1, kvHeads, 0, headSize]);
  return { length: 0, capacity: 0, shared, keys: Array.from({ length: layers }, empty), values: Array.from({ length: layers }, empty) };
}

/** Copies the first `keep` positions of each head of `tensor` into a tensor of `positions` positions. */
function resize(Tensor: TensorConstructor, tensor: Tensor, keep: number, positions: number): Tensor {
  const [batch, heads, held, headSize] = tensor.dims as [number, number, number, number];
  const source = tensor.data as Float32Array;
  const target = new Float32Array(batch * heads * positions * headSize);
  for (let h = 0; h < batch * heads; h++) {
    target.set(source.subarray(h * held * headSize, (h * held + keep) * headSize), h * positions * headSize);
  }
  return new Tensor('float32', target, [batch, heads, positions, headSize]);
}

/**
 * The cache cut back to its first `length` positions, for a conversation whose new prompt shares
 * only a prefix with what was cached (an edited or regenerated turn). A shared buffer just forgets
 * the positions after `length`; a growing one is copied.
 */
export function truncateKvCache(Tensor: TensorConstructor, cache: KvCache, length: number): KvCache {
  if (length >= cache.length) return cache;
  if (cache.shared) return { ...cache, length };
  const cut = (tensor: Tensor) => resize(Tensor, tensor, length, length);
  return { ...cache, length, capacity: length, keys: cache.keys.map(cut), values: cache.values.map(cut) };
}

/**
 * A shared cache with room for at least `needed` positions (and at most `limit`): the same cache if
 * it has room, else new buffers, doubling, with the filled positions copied over.
 */
export function reserveKvCache(Tensor: TensorConstructor, cache: KvCache, needed: number, limit: number): KvCache {
  if (needed <= cache.capacity) return cache;
  const capacity = Math.min(limit, Math.max(needed, cache.capacity * 2));
  const grow = (tensor: Tensor) => resize(Tensor, tensor, cache.length, capacity);
  return { ...cache, capacity, keys: cache.keys.map(grow), values: cache.values.map(grow) };
}
