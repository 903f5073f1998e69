import type { Tensor } from 'onnxruntime-node';

/**
 * The key/value cache of every layer after `length` tokens, as the graph's `present.N.*` outputs
 * gave it: float32 [batch 1, kv heads, length, head size]. It is fed back as `past_key_values.N.*`.
 */
export interface KvCache {
  readonly length: number;
  readonly keys: readonly Tensor[];
  readonly values: readonly Tensor[];
}

type TensorConstructor = typeof import('onnxruntime-node').Tensor;

export function emptyKvCache(Tensor: TensorConstructor, layers: number, kvHeads: number, headSize: number): KvCache {
  const empty = () => new Tensor('float32', new Float32Array(0), [1, kvHeads, 0, headSize]);
  return { length: 0, keys: Array.from({ length: layers }, empty), values: Array.from({ length: layers }, empty) };
}

/**
 * The cache cut back to its first `length` positions, for a conversation whose new prompt shares
 * only a prefix with what was cached (an edited or regenerated turn).
 */
export function truncateKvCache(Tensor: TensorConstructor, cache: KvCache, length: number): KvCache {
  if (length >= cache.length) return cache;
  const cut = (tensor: Tensor) => {
    const [batch, heads, total, headSize] = tensor.dims as [number, number, number, number];
    const source = tensor.data as Float32Array;
    const target = new Float32Array(batch * heads * length * headSize);
    for (let h = 0; h < batch * heads; h++) {
      target.set(source.subarray(h * total * headSize, (h * total + length) * headSize), h * length * headSize);
    }
    return new Tensor('float32', target, [batch, heads, length, headSize]);
  };
  return { length, keys: cache.keys.map(cut), values: cache.values.map(cut) };
}
