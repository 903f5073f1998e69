import type { ChatMessage } from '../formats/phi3ChatFormat';
import type { ScoredSample, ScoreResult } from './scorers';
import { errorMessage } from '../errorMessage';

/**
 * A judge: another chat model asked whether an answer passes a rubric. Its reply is read as PASS
 * or FAIL with a rationale; a reply that says neither is reported as malformed (outcome 'error'),
 * never guessed into a pass or a fail.
 */

/** The judge's assessment name, and its scorer's in tables and metrics (`judge/mean`). */
export const judgeName = 'judge';

export const defaultJudgeRubric =
  'The answer is correct, answers what the prompt asks, and says nothing false. When an expected answer is given, the answer must agree with it.';

/** What the judge needs of a chat model: the text of its answer to these messages. */
export interface JudgeModel {
  ask(messages: readonly ChatMessage[], signal?: AbortSignal): Promise<string>;
}

/** The messages the judge is sent for one answer. */
export function judgeMessages(rubric: string, sample: ScoredSample): ChatMessage[] {
  const system = [
    'You are an evaluator. Decide whether the answer below passes this rubric:',
    rubric.trim(),
    'Reply with exactly two lines:',
    'Result: PASS or Result: FAIL',
    'Rationale: one sentence saying why',
  ].join('\n');
  const user = [
    `Prompt:\n${sample.prompt}`,
    ...(sample.expected !== undefined ? [`Expected answer:\n${sample.expected}`] : []),
    `Answer to judge:\n${sample.answer}`,
  ].join('\n\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

export type JudgeVerdict =
  { readonly outcome: 'pass' | 'fail'; readonly rationale: string } | { readonly outcome: 'error'; readonly rationale: string };

const verdictWords: Record<string, 'pass' | 'fail'> = {
  pass: 'pass',
  passed: 'pass',
  yes: 'pass',
  fail: 'fail',
  failed: 'fail',
  no: 'fail',
};

/**
 * The judge's reply as a verdict: `Result: PASS` (any case, Markdown bold allowed) or a JSON object
 * `{"result": "pass" | "fail" | "yes" | "no", "rationale": …}`, or a reply whose first word is
 * PASS or FAIL. The rationale is the `Rationale:` line, or what follows the verdict.
 */
export function parseJudgeAnswer(reply: string): JudgeVerdict {
  const text = reply.trim();
  const json = /\{[^{}]*\}/.exec(text);
  if (json) {
    try {
      const value = JSON.parse(json[0]) as Record<string, unknown>;
      const word = typeof value.result === 'string' ? verdictWords[value.result.trim().toLowerCase()] : undefined;
      if (word) return { outcome: word, rationale: typeof value.rationale === 'string' ? value.rationale.trim() : '' };
    } catch {
      // not JSON after all: read it as text
    }
  }
  const labelled = /(?:^|\n)[\s*_#>-]*result[\s*_]*[:=][\s*_]*(pass(?:ed)?|fail(?:ed)?|yes|no)\b/i.exec(text);
  const leading = /^[\s*_#>-]*(pass(?:ed)?|fail(?:ed)?)\b[\s*_.:!-]*/i.exec(text);
  const found = labelled ?? leading;
  if (!found) {
    const shown = [...text].length > 200 ? `${[...text].slice(0, 199).join('')}…` : text;
    return { outcome: 'error', rationale: `The judge's answer says neither PASS nor FAIL: ${JSON.stringify(shown)}` };
  }
  const outcome = verdictWords[found[1]!.toLowerCase()]!;
  const rationaleLine = /(?:^|\n)[\s*_#>-]*rationale[\s*_]*[:=][\s*_]*([^]*)$/i.exec(text);
  const rationale = rationaleLine ? rationaleLine[1]! : labelled ? '' : text.slice(found[0].length);
  return { outcome, rationale: rationale.trim() };
}

/** Asks the judge about one answer. A model that gave no answer fails without asking; a judge that fails to answer is an 'error'. */
export async function judgeSample(judge: JudgeModel, rubric: string, sample: ScoredSample, signal?: AbortSignal): Promise<ScoreResult> {
  if (sample.error !== undefined) return { name: judgeName, outcome: 'fail', rationale: `The model gave no answer: ${sample.error}` };
  let reply: string;
  try {
    reply = await judge.ask(judgeMessages(rubric, sample), signal);
  } catch (error) {
    return { name: judgeName, outcome: 'error', rationale: `The judge did not answer: ${errorMessage(error)}` };
  }
  const verdict = parseJudgeAnswer(reply);
  return { name: judgeName, outcome: verdict.outcome, rationale: verdict.rationale };
}
