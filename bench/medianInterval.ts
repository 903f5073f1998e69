/**
 * A distribution-free confidence interval for the median of paired ratios (ours / the reference tool's,
 * round by round): the k-th smallest and k-th largest of n values, with k the largest for which a
 * Binomial(n, ½) count falls below k with probability at most (1 − level) / 2. Transfer times on a
 * shared machine are skewed and noisy, so this says whether a median of 0.98 or 1.02 is a difference
 * at all, without assuming a normal distribution.
 */
export interface MedianInterval {
  readonly low: number;
  readonly high: number;
  /** The order statistic the bounds are (1-based from each end), or undefined when n is too small for the level. */
  readonly k: number | undefined;
  /** The probability that the interval holds the true median: at least the level asked for. */
  readonly coverage: number;
}

/** P(X ≤ x) for X ~ Binomial(n, ½). */
function binomialHalfCdf(n: number, x: number): number {
  let term = 0.5 ** n; // P(X = 0)
  let sum = 0;
  for (let i = 0; i <= x; i++) {
    sum += term;
    term = (term * (n - i)) / (i + 1);
  }
  return sum;
}

export function medianInterval(values: readonly number[], level = 0.95): MedianInterval {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const tail = (1 - level) / 2;
  let k = 0;
  while (k + 1 <= n / 2 && binomialHalfCdf(n, k) <= tail) k++;
  if (k === 0) return { low: -Infinity, high: Infinity, k: undefined, coverage: 1 };
  return { low: sorted[k - 1]!, high: sorted[n - k]!, k, coverage: 1 - 2 * binomialHalfCdf(n, k - 1) };
}
