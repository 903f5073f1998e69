import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseScoringChoice } from '../../../src/evaluation/scoringChoice';
import { describeSummary, passRateMetricKey, summarizeScores } from '../../../src/evaluation/scoreSummary';
import { score, type ScoredSample } from '../../../src/evaluation/scorers';

const sample = (overrides: Partial<ScoredSample> = {}): ScoredSample => ({
  prompt: 'What is the capital of France?',
  answer: ' Paris ',
  latencyMs: 812.4,
  timeToFirstTokenMs: 95.6,
  tokensPerSecond: 41.26,
  ...overrides,
});

describe('the built-in scorers', () => {
  it('exact_match: the trimmed answer against the expected one; skipped without one', () => {
    assert.deepEqual(score({ kind: 'exact_match' }, sample({ expected: 'Paris' })), {
      name: 'exact_match',
      outcome: 'pass',
      rationale: 'The answer is the expected answer.',
    });
    assert.deepEqual(score({ kind: 'exact_match' }, sample({ expected: 'paris' })), {
      name: 'exact_match',
      outcome: 'fail',
      rationale: 'The answer "Paris" is not the expected "paris".',
    });
    assert.deepEqual(score({ kind: 'exact_match' }, sample()), {
      name: 'exact_match',
      outcome: 'skipped',
      rationale: 'The line has no "expected" answer.',
    });
  });

  it('contains: its own text or the expected answer, ignoring case; skipped with neither', () => {
    assert.equal(score({ kind: 'contains', text: 'PAR' }, sample()).outcome, 'pass');
    assert.deepEqual(score({ kind: 'contains' }, sample({ answer: 'It is Lyon.', expected: 'Paris' })), {
      name: 'contains',
      outcome: 'fail',
      rationale: 'The answer does not contain "Paris".',
    });
    assert.deepEqual(score({ kind: 'contains' }, sample({ answer: 'It is paris.', expected: 'Paris' })), {
      name: 'contains',
      outcome: 'pass',
      rationale: 'The answer contains "Paris".',
    });
    assert.equal(score({ kind: 'contains' }, sample()).outcome, 'skipped');
  });

  it('regex_match: the pattern and flags, naming what matched', () => {
    assert.deepEqual(score({ kind: 'regex_match', pattern: '\\d+ km', flags: 'i' }, sample({ answer: 'About 465 KM away' })), {
      name: 'regex_match',
      outcome: 'pass',
      rationale: 'The answer matches /\\d+ km/i at "465 KM".',
    });
    assert.deepEqual(score({ kind: 'regex_match', pattern: '^\\d+$' }, sample()), {
      name: 'regex_match',
      outcome: 'fail',
      rationale: 'The answer does not match /^\\d+$/.',
    });
  });

  it('json_valid: the answer, or the one code fence it is; the parser says what is wrong', () => {
    assert.deepEqual(score({ kind: 'json_valid' }, sample({ answer: '{"city": "Paris"}' })), {
      name: 'json_valid',
      outcome: 'pass',
      rationale: 'The answer is valid JSON.',
    });
    assert.deepEqual(score({ kind: 'json_valid' }, sample({ answer: '```json\n[1, 2]\n```' })), {
      name: 'json_valid',
      outcome: 'pass',
      rationale: 'The answer is valid JSON (in a code fence).',
    });
    const failed = score({ kind: 'json_valid' }, sample({ answer: '{"city": Paris}' }));
    assert.equal(failed.outcome, 'fail');
    assert.match(failed.rationale, /^The answer is not valid JSON: Unexpected token 'P', .* is not valid JSON\.$/);
  });

  it('answer_length: characters after trimming (code points), against either bound or both', () => {
    assert.deepEqual(score({ kind: 'answer_length', min: 3, max: 5 }, sample()), {
      name: 'answer_length',
      outcome: 'pass',
      value: 5,
      rationale: 'The answer is 5 characters long (within 3 to 5).',
    });
    assert.deepEqual(score({ kind: 'answer_length', min: 7 }, sample({ answer: 'Gare 🚉' })), {
      name: 'answer_length',
      outcome: 'fail',
      value: 6,
      rationale: 'The answer is 6 characters long (outside at least 7).',
    });
    assert.deepEqual(score({ kind: 'answer_length', max: 4 }, sample()), {
      name: 'answer_length',
      outcome: 'fail',
      value: 5,
      rationale: 'The answer is 5 characters long (outside at most 4).',
    });
  });

  it('latency: the whole answer or the time to first token, rounded to the millisecond; skipped when not reported', () => {
    assert.deepEqual(score({ kind: 'latency', measure: 'total', maxMs: 800 }, sample()), {
      name: 'latency',
      outcome: 'fail',
      value: 812,
      rationale: 'The latency is 812 ms (more than 800 ms).',
    });
    assert.deepEqual(score({ kind: 'latency', measure: 'ttft', maxMs: 96 }, sample()), {
      name: 'latency',
      outcome: 'pass',
      value: 96,
      rationale: 'The time to first token is 96 ms (at most 96 ms).',
    });
    assert.deepEqual(score({ kind: 'latency', measure: 'ttft', maxMs: 96 }, sample({ timeToFirstTokenMs: undefined })), {
      name: 'latency',
      outcome: 'skipped',
      rationale: 'The model did not report its time to first token.',
    });
  });

  it('tokens_per_second: at least the minimum; skipped when not reported', () => {
    assert.deepEqual(score({ kind: 'tokens_per_second', min: 40 }, sample()), {
      name: 'tokens_per_second',
      outcome: 'pass',
      value: 41.3,
      rationale: '41.3 tokens/s (at least 40).',
    });
    assert.equal(score({ kind: 'tokens_per_second', min: 42 }, sample()).outcome, 'fail');
    assert.equal(score({ kind: 'tokens_per_second', min: 1 }, sample({ tokensPerSecond: undefined })).outcome, 'skipped');
  });

  it('fail an answer the model did not give, whatever they check', () => {
    assert.deepEqual(score({ kind: 'tokens_per_second', min: 1 }, sample({ answer: '', error: 'The engine crashed.' })), {
      name: 'tokens_per_second',
      outcome: 'fail',
      rationale: 'The model gave no answer: The engine crashed.',
    });
  });
});

describe('the scoring choice from the panel', () => {
  it('reads numbers typed as text and leaves out empty fields', () => {
    assert.deepEqual(
      parseScoringChoice({
        scorers: [
          { kind: 'answer_length', min: '', max: '200' },
          { kind: 'latency', measure: 'ttft', maxMs: '500' },
          { kind: 'contains', text: '' },
          { kind: 'regex_match', pattern: 'Paris', flags: 'i' },
        ],
        judgeRubric: '  Be right.  ',
      }),
      {
        scorers: [
          { kind: 'answer_length', max: 200 },
          { kind: 'latency', measure: 'ttft', maxMs: 500 },
          { kind: 'contains' },
          { kind: 'regex_match', pattern: 'Paris', flags: 'i' },
        ],
        judgeRubric: 'Be right.',
      },
    );
  });

  it('refuses what cannot be scored, saying why', () => {
    const refused = (raw: unknown) => {
      try {
        parseScoringChoice(raw);
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    assert.equal(refused({ scorers: [] }), 'Choose at least one scorer, or the judge.');
    assert.equal(
      refused({ scorers: [{ kind: 'regex_match', pattern: '(' }] }),
      'regex_match: Invalid regular expression: /(/: Unterminated group.',
    );
    assert.equal(refused({ scorers: [{ kind: 'answer_length' }] }), 'answer_length needs a minimum, a maximum or both.');
    assert.equal(
      refused({ scorers: [{ kind: 'answer_length', min: 9, max: 3 }] }),
      'answer_length: the minimum (9) is more than the maximum (3).',
    );
    assert.equal(
      refused({ scorers: [{ kind: 'latency', maxMs: 'soon' }] }),
      'latency: the most milliseconds must be a number of at least 0 (got "soon").',
    );
    assert.equal(refused({ scorers: [{ kind: 'tokens_per_second' }] }), 'tokens_per_second needs the fewest tokens per second.');
    assert.equal(refused({ scorers: [{ kind: 'json_valid' }, { kind: 'json_valid' }] }), 'Choose json_valid once.');
    assert.equal(refused({ scorers: [{ kind: 'bleu' }] }), 'Unknown scorer "bleu".');
    assert.equal(refused({ scorers: [], judgeRubric: ' ' }), 'The judge needs a rubric: say what makes an answer pass.');
  });
});

describe('the summary of a scored bulk run', () => {
  it('counts each scorer and leaves skipped answers and malformed verdicts out of the pass rate', () => {
    const summaries = summarizeScores([
      [
        { name: 'exact_match', outcome: 'pass', rationale: '' },
        { name: 'judge', outcome: 'error', rationale: '' },
      ],
      [
        { name: 'exact_match', outcome: 'fail', rationale: '' },
        { name: 'judge', outcome: 'pass', rationale: '' },
      ],
      [
        { name: 'exact_match', outcome: 'skipped', rationale: '' },
        { name: 'judge', outcome: 'skipped', rationale: '' },
      ],
    ]);
    assert.deepEqual(summaries, [
      { name: 'exact_match', passed: 1, failed: 1, skipped: 1, errors: 0, passRate: 0.5 },
      { name: 'judge', passed: 1, failed: 0, skipped: 1, errors: 1, passRate: 1 },
    ]);
    assert.deepEqual(summaries.map(describeSummary), ['1 of 2 passed (50%), 1 skipped', '1 of 1 passed (100%), 1 skipped, 1 malformed']);
    assert.equal(
      describeSummary({ name: 'x', passed: 0, failed: 0, skipped: 3, errors: 0, passRate: undefined }),
      'none scored (3 skipped)',
    );
    assert.equal(passRateMetricKey('exact_match'), 'exact_match/mean');
    assert.equal(passRateMetricKey('judge', '_b'), 'judge_b/mean');
  });
});
