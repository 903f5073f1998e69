/**
 * The built-in scorers of a bulk run, computed here rather than by MLflow (whose scorers are Python):
 * each looks at one answer and says pass or fail, with the value it measured and why. A scorer
 * that needs what the line of the JSONL file did not give (`expected`, a time the model did not
 * report) says "skipped": it neither passes nor fails, and pass rates leave it out.
 */

/** What a scorer looks at: one model's answer to one prompt. */
export interface ScoredSample {
  readonly prompt: string;
  readonly answer: string;
  /** The line's `expected` answer, when it had one. */
  readonly expected?: string;
  /** From sending the prompt to the whole answer. */
  readonly latencyMs: number;
  readonly timeToFirstTokenMs?: number;
  readonly tokensPerSecond?: number;
  /** The model failed to answer: every scorer fails it. */
  readonly error?: string;
}

export type ScoreOutcome = 'pass' | 'fail' | 'skipped' | 'error';

export interface ScoreResult {
  /** The scorer's name, which is also the MLflow assessment's (no "." in it: MLflow refuses those). */
  readonly name: string;
  readonly outcome: ScoreOutcome;
  /** What it measured (a length, milliseconds, tokens/s), when it measures something. */
  readonly value?: number;
  readonly rationale: string;
}

/** The built-in scorers and what each is set up with. */
export type ScorerSpec =
  | { readonly kind: 'exact_match' }
  /** The answer holds `text` (or, without it, the line's expected answer), ignoring case. */
  | { readonly kind: 'contains'; readonly text?: string }
  | { readonly kind: 'regex_match'; readonly pattern: string; readonly flags?: string }
  | { readonly kind: 'json_valid' }
  /** In characters, after trimming; either bound may be left out. */
  | { readonly kind: 'answer_length'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'latency'; readonly measure: 'ttft' | 'total'; readonly maxMs: number }
  | { readonly kind: 'tokens_per_second'; readonly min: number };

export type ScorerKind = ScorerSpec['kind'];

export const scorerKinds: readonly ScorerKind[] = [
  'exact_match',
  'contains',
  'regex_match',
  'json_valid',
  'answer_length',
  'latency',
  'tokens_per_second',
];

/** The scorer's name in tables, assessments and metrics (`exact_match/mean`). */
export function scorerName(spec: ScorerSpec): string {
  return spec.kind;
}

/** One line saying what the scorer checks, for the panel. */
export function describeScorer(spec: ScorerSpec): string {
  switch (spec.kind) {
    case 'exact_match':
      return 'the answer is the expected answer';
    case 'contains':
      return spec.text ? `the answer contains "${spec.text}"` : 'the answer contains the expected answer';
    case 'regex_match':
      return `the answer matches /${spec.pattern}/${spec.flags ?? ''}`;
    case 'json_valid':
      return 'the answer is valid JSON';
    case 'answer_length':
      return `the answer is ${lengthBounds(spec)} characters long`;
    case 'latency':
      return `${spec.measure === 'ttft' ? 'the time to first token' : 'the whole answer'} takes at most ${spec.maxMs} ms`;
    case 'tokens_per_second':
      return `at least ${spec.min} tokens/s`;
  }
}

/** Scores one answer with one built-in scorer. */
export function score(spec: ScorerSpec, sample: ScoredSample): ScoreResult {
  const name = scorerName(spec);
  const result = (outcome: ScoreOutcome, rationale: string, value?: number): ScoreResult =>
    value === undefined ? { name, outcome, rationale } : { name, outcome, value, rationale };
  if (sample.error !== undefined) return result('fail', `The model gave no answer: ${sample.error}`);
  const answer = sample.answer.trim();
  switch (spec.kind) {
    case 'exact_match': {
      if (sample.expected === undefined) return result('skipped', 'The line has no "expected" answer.');
      const expected = sample.expected.trim();
      return answer === expected
        ? result('pass', 'The answer is the expected answer.')
        : result('fail', `The answer ${quote(answer)} is not the expected ${quote(expected)}.`);
    }
    case 'contains': {
      const text = spec.text ?? sample.expected;
      if (text === undefined) return result('skipped', 'The line has no "expected" answer to look for.');
      return answer.toLowerCase().includes(text.trim().toLowerCase())
        ? result('pass', `The answer contains ${quote(text.trim())}.`)
        : result('fail', `The answer does not contain ${quote(text.trim())}.`);
    }
    case 'regex_match': {
      const pattern = new RegExp(spec.pattern, spec.flags);
      const match = pattern.exec(sample.answer);
      return match
        ? result('pass', `The answer matches /${spec.pattern}/${spec.flags ?? ''} at ${quote(match[0])}.`)
        : result('fail', `The answer does not match /${spec.pattern}/${spec.flags ?? ''}.`);
    }
    case 'json_valid': {
      const json = unfenced(answer);
      try {
        JSON.parse(json);
        return result('pass', json === answer ? 'The answer is valid JSON.' : 'The answer is valid JSON (in a code fence).');
      } catch (error) {
        return result('fail', `The answer is not valid JSON: ${(error as Error).message}.`);
      }
    }
    case 'answer_length': {
      const length = [...answer].length;
      const fits = (spec.min === undefined || length >= spec.min) && (spec.max === undefined || length <= spec.max);
      return result(
        fits ? 'pass' : 'fail',
        `The answer is ${length} characters long (${fits ? 'within' : 'outside'} ${lengthBounds(spec)}).`,
        length,
      );
    }
    case 'latency': {
      const ms = spec.measure === 'ttft' ? sample.timeToFirstTokenMs : sample.latencyMs;
      const what = spec.measure === 'ttft' ? 'time to first token' : 'latency';
      if (ms === undefined) return result('skipped', `The model did not report its ${what}.`);
      const rounded = Math.round(ms);
      return rounded <= spec.maxMs
        ? result('pass', `The ${what} is ${rounded} ms (at most ${spec.maxMs} ms).`, rounded)
        : result('fail', `The ${what} is ${rounded} ms (more than ${spec.maxMs} ms).`, rounded);
    }
    case 'tokens_per_second': {
      const speed = sample.tokensPerSecond;
      if (speed === undefined) return result('skipped', 'The model did not report its tokens per second.');
      const shown = Math.round(speed * 10) / 10;
      return speed >= spec.min
        ? result('pass', `${shown} tokens/s (at least ${spec.min}).`, shown)
        : result('fail', `${shown} tokens/s (fewer than ${spec.min}).`, shown);
    }
  }
}

function lengthBounds(spec: { readonly min?: number; readonly max?: number }): string {
  if (spec.min !== undefined && spec.max !== undefined) return `${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `at least ${spec.min}`;
  return `at most ${spec.max}`;
}

/** The text of a Markdown code fence that is the whole answer (models often wrap JSON in one), else the answer. */
function unfenced(answer: string): string {
  const fence = /^```[\w-]*\n([^]*?)\n?```$/.exec(answer);
  return fence ? fence[1]!.trim() : answer;
}

/** Text in quotes for a rationale, cut to 80 characters. */
function quote(text: string): string {
  const chars = [...text];
  return JSON.stringify(chars.length > 80 ? `${chars.slice(0, 79).join('')}…` : text);
}
