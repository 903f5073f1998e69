import type { SearchOptions } from './searchOptions';

export interface SamplingState {
  /** Every token of the sequence so far (prompt and generated), for the repetition penalty. */
  readonly sequence: readonly number[];
  readonly eosTokenIds: readonly number[];
  readonly random: () => number;
}

/**
 * Picks the next token from the last position's logits, the way onnxruntime-genai's search does:
 * repetition penalty, then min_length (eos suppressed until the sequence is long enough), then
 * greedy argmax, or temperature → top-k → softmax → top-p → a seeded draw. Changes `logits` in place.
 */
export function pickNextToken(logits: Float32Array, options: SearchOptions, state: SamplingState): number {
  if (options.repetitionPenalty !== 1) applyRepetitionPenalty(logits, state.sequence, options.repetitionPenalty);
  if (state.sequence.length < options.minLength) for (const eos of state.eosTokenIds) if (eos < logits.length) logits[eos] = -Infinity;
  if (!options.doSample || options.topK === 1) return argmax(logits);
  return sample(logits, options, state.random);
}

/** The first index of the largest value, as std::max_element picks it. */
export function argmax(logits: Float32Array): number {
  let best = 0;
  let bestValue = logits[0]!;
  for (let i = 1; i < logits.length; i++) {
    const value = logits[i]!;
    if (value > bestValue) {
      bestValue = value;
      best = i;
    }
  }
  return best;
}

function applyRepetitionPenalty(logits: Float32Array, sequence: readonly number[], penalty: number): void {
  const seen = new Set(sequence);
  for (const id of seen) {
    if (id < 0 || id >= logits.length) continue;
    const value = logits[id]!;
    logits[id] = value < 0 ? value * penalty : value / penalty;
  }
}

function sample(logits: Float32Array, options: SearchOptions, random: () => number): number {
  const candidates = topCandidates(logits, options.topK);
  // Softmax over the candidates, highest first, scaled by temperature.
  const max = logits[candidates[0]!]! / options.temperature;
  const weights = new Float64Array(candidates.length);
  let total = 0;
  for (let i = 0; i < candidates.length; i++) {
    const w = Math.exp(logits[candidates[i]!]! / options.temperature - max);
    weights[i] = w;
    total += w;
  }
  // Nucleus: keep the fewest highest tokens whose probability reaches top_p.
  let kept = candidates.length;
  if (options.topP < 1) {
    let cumulative = 0;
    for (let i = 0; i < candidates.length; i++) {
      cumulative += weights[i]! / total;
      if (cumulative >= options.topP) {
        kept = i + 1;
        break;
      }
    }
  }
  let keptTotal = 0;
  for (let i = 0; i < kept; i++) keptTotal += weights[i]!;
  let draw = random() * keptTotal;
  for (let i = 0; i < kept; i++) {
    draw -= weights[i]!;
    if (draw < 0) return candidates[i]!;
  }
  return candidates[kept - 1]!;
}

/**
 * The indices of the k largest logits, largest first (all of them when k is 0). For small k, a
 * threshold from a partial selection avoids sorting the whole 32k vocabulary every step.
 */
function topCandidates(logits: Float32Array, k: number): number[] {
  const n = logits.length;
  let indices: number[];
  if (k > 0 && k < n) {
    const threshold = kthLargest(logits, k);
    indices = [];
    for (let i = 0; i < n; i++) if (logits[i]! >= threshold) indices.push(i);
  } else {
    indices = Array.from({ length: n }, (_, i) => i);
  }
  indices.sort((x, y) => logits[y]! - logits[x]! || x - y);
  return k > 0 ? indices.slice(0, k) : indices;
}

function kthLargest(values: Float32Array, k: number): number {
  const copy = Float32Array.from(values);
  copy.sort();
  return copy[copy.length - k]!;
}
