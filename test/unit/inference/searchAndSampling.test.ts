import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPhi3Chat } from '../../../src/formats/phi3ChatFormat';
import { resolveSearchOptions } from '../../../src/inference/searchOptions';
import { seededRandom } from '../../../src/inference/seededRandom';
import { argmax, pickNextToken } from '../../../src/inference/tokenSampler';

const greedy = resolveSearchOptions(4096, {});

describe('Phi-3 chat format', () => {
  it('writes system, user and assistant turns as Phi-3 chat markup, ending on the assistant marker', () => {
    assert.equal(
      formatPhi3Chat([
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'Again' },
      ]),
      '<|system|>\nYou are terse.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello.<|end|>\n<|user|>\nAgain<|end|>\n<|assistant|>\n',
    );
  });
});

describe('search options', () => {
  it("uses onnxruntime-genai's defaults, then the model's, then the request's", () => {
    const options = resolveSearchOptions(4096, { topK: 1, maxLength: 2048, temperature: 0.7 }, { temperature: 0.2, seed: 7 });
    assert.deepEqual(options, {
      doSample: false,
      temperature: 0.2,
      topK: 1,
      topP: 1,
      repetitionPenalty: 1,
      maxLength: 2048,
      minLength: 0,
      maxNewTokens: undefined,
      seed: 7,
    });
  });

  it('reads max_length 0 as the context length and caps larger ones at it', () => {
    assert.equal(resolveSearchOptions(4096, { maxLength: 0 }).maxLength, 4096);
    assert.equal(resolveSearchOptions(4096, {}, { maxLength: 100000 }).maxLength, 4096);
  });

  it('refuses out-of-range settings with a message naming the setting and the value', () => {
    assert.throws(
      () => resolveSearchOptions(4096, {}, { temperature: 0 }),
      /Invalid generation setting: temperature must be above 0 \(got 0\)/,
    );
    assert.throws(() => resolveSearchOptions(4096, {}, { topP: 1.5 }), /top-p must be above 0 and at most 1 \(got 1.5\)/);
    assert.throws(() => resolveSearchOptions(4096, {}, { topK: -1 }), /top-k must be a whole number/);
    assert.throws(() => resolveSearchOptions(4096, {}, { maxNewTokens: 0 }), /max new tokens must be a whole number of 1 or more/);
    assert.throws(() => resolveSearchOptions(4096, {}, { seed: -3 }), /seed must be a whole number/);
  });
});

describe('token sampler', () => {
  const eos = { eosTokenIds: [3], random: seededRandom(1) };

  it('greedy picks the first of equal maxima, as std::max_element does', () => {
    assert.equal(argmax(Float32Array.from([0.5, 2, -1, 2])), 1);
  });

  it('suppresses eos until the sequence reaches min_length', () => {
    const logits = () => Float32Array.from([0, 1, 2, 9]);
    assert.equal(pickNextToken(logits(), { ...greedy, minLength: 5 }, { ...eos, sequence: [1, 1, 1, 1] }), 2);
    assert.equal(pickNextToken(logits(), { ...greedy, minLength: 4 }, { ...eos, sequence: [1, 1, 1, 1] }), 3);
  });

  it('applies the repetition penalty to every token already in the sequence (divides positive, multiplies negative)', () => {
    const logits = Float32Array.from([4, 3.5, -1, 0]);
    assert.equal(pickNextToken(logits, { ...greedy, repetitionPenalty: 2 }, { ...eos, sequence: [0, 2] }), 1);
    assert.deepEqual([...logits], [2, 3.5, -2, 0]);
  });

  it('samples reproducibly with a seed, and differently with another seed', () => {
    const options = { ...greedy, doSample: true, topK: 0, temperature: 1 };
    const draw = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 40 }, () =>
        pickNextToken(Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1]), options, { sequence: [], eosTokenIds: [], random }),
      );
    };
    assert.deepEqual(draw(42), draw(42));
    assert.notDeepEqual(draw(42), draw(43));
    assert.equal(new Set(draw(42)).size > 4, true, 'uniform logits should spread the draws');
  });

  it('top-k keeps only the k most likely tokens', () => {
    const random = seededRandom(5);
    const options = { ...greedy, doSample: true, topK: 2, temperature: 1 };
    const picks = new Set(
      Array.from({ length: 200 }, () =>
        pickNextToken(Float32Array.from([0, 5, 0, 4.9, 0]), options, { sequence: [], eosTokenIds: [], random }),
      ),
    );
    assert.deepEqual([...picks].sort(), [1, 3]);
  });

  it('top-p keeps the fewest most likely tokens whose probability reaches p', () => {
    const random = seededRandom(9);
    // Probabilities ≈ 0.665, 0.245, 0.090: p = 0.8 keeps the first two.
    const logits = () => Float32Array.from([Math.log(0.665), Math.log(0.245), Math.log(0.09)]);
    const options = { ...greedy, doSample: true, topK: 0, topP: 0.8 };
    const picks = Array.from({ length: 400 }, () => pickNextToken(logits(), options, { sequence: [], eosTokenIds: [], random }));
    assert.deepEqual([...new Set(picks)].sort(), [0, 1]);
    const share = picks.filter((p) => p === 0).length / picks.length;
    assert.ok(share > 0.65 && share < 0.85, `token 0 should take about 0.665/0.91 = 73% of draws, took ${share}`);
  });

  it('low temperature concentrates sampling on the top token', () => {
    const random = seededRandom(3);
    const options = { ...greedy, doSample: true, topK: 0, temperature: 0.05 };
    const picks = Array.from({ length: 100 }, () =>
      pickNextToken(Float32Array.from([1, 1.5, 0.5]), options, { sequence: [], eosTokenIds: [], random }),
    );
    assert.deepEqual(new Set(picks), new Set([1]));
  });
});
