import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { medianInterval } from '../../../bench/medianInterval';

describe('medianInterval: order statistics around the median of paired ratios', () => {
  it('takes the 6th smallest and 6th largest of 20 values at 95% (binomial tables: P(X ≤ 5) = 0.0207)', () => {
    const values = Array.from({ length: 20 }, (_, i) => (20 - i) / 10); // 2.0, 1.9, … 0.1, unsorted
    const interval = medianInterval(values);
    assert.equal(interval.k, 6);
    assert.equal(interval.low, 0.6);
    assert.equal(interval.high, 1.5);
    assert.equal(interval.coverage.toFixed(4), '0.9586');
  });

  it('takes the 2nd from each end of 10 values at 95% (P(X ≤ 1) = 0.0107) and the 1st of 6 (P(X = 0) = 0.0156)', () => {
    const ten = medianInterval([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual([ten.k, ten.low, ten.high, ten.coverage.toFixed(4)], [2, 2, 9, '0.9785']);
    const six = medianInterval([0.9, 1.1, 1.0, 0.8, 1.2, 1.05]);
    assert.deepEqual([six.k, six.low, six.high, six.coverage.toFixed(4)], [1, 0.8, 1.2, '0.9688']);
  });

  it('gives no bounds when five values cannot reach 95% (P(X = 0) = 0.03125 > 0.025)', () => {
    const interval = medianInterval([1, 2, 3, 4, 5]);
    assert.equal(interval.k, undefined);
    assert.equal(interval.low, -Infinity);
    assert.equal(interval.high, Infinity);
  });
});
