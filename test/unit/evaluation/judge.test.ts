import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage } from '../../../src/formats/phi3ChatFormat';
import { judgeMessages, judgeSample, parseJudgeAnswer, type JudgeModel } from '../../../src/evaluation/judge';

describe('the judge', () => {
  it('is sent the rubric, the prompt, the expected answer when there is one, and the answer', () => {
    assert.deepEqual(judgeMessages(' Be right. ', { prompt: 'Capital of France?', answer: 'Paris', expected: 'Paris', latencyMs: 1 }), [
      {
        role: 'system',
        content:
          'You are an evaluator. Decide whether the answer below passes this rubric:\nBe right.\nReply with exactly two lines:\nResult: PASS or Result: FAIL\nRationale: one sentence saying why',
      },
      { role: 'user', content: 'Prompt:\nCapital of France?\n\nExpected answer:\nParis\n\nAnswer to judge:\nParis' },
    ]);
    assert.equal(
      judgeMessages('Be right.', { prompt: 'Hi', answer: 'Hello', latencyMs: 1 })[1]!.content,
      'Prompt:\nHi\n\nAnswer to judge:\nHello',
    );
  });

  it("reads PASS or FAIL from the reply's Result line, a JSON verdict or its first word, with the rationale", () => {
    assert.deepEqual(parseJudgeAnswer('Result: PASS\nRationale: It names Paris.'), { outcome: 'pass', rationale: 'It names Paris.' });
    assert.deepEqual(parseJudgeAnswer('**Result:** fail\n**Rationale:** Lyon is not the capital.'), {
      outcome: 'fail',
      rationale: 'Lyon is not the capital.',
    });
    assert.deepEqual(parseJudgeAnswer('Sure. {"result": "yes", "rationale": "Correct."}'), { outcome: 'pass', rationale: 'Correct.' });
    assert.deepEqual(parseJudgeAnswer('FAIL. The answer is off topic.'), { outcome: 'fail', rationale: 'The answer is off topic.' });
    assert.deepEqual(parseJudgeAnswer('Result: PASS'), { outcome: 'pass', rationale: '' });
  });

  it('reports a reply that says neither as malformed, quoting it', () => {
    assert.deepEqual(parseJudgeAnswer('  The answer seems fine, probably.  '), {
      outcome: 'error',
      rationale: `The judge's answer says neither PASS nor FAIL: "The answer seems fine, probably."`,
    });
    assert.deepEqual(parseJudgeAnswer('{"result": "maybe"}'), {
      outcome: 'error',
      rationale: `The judge's answer says neither PASS nor FAIL: "{\\"result\\": \\"maybe\\"}"`,
    });
    const long = parseJudgeAnswer('x'.repeat(300));
    assert.equal(long.rationale, `The judge's answer says neither PASS nor FAIL: "${'x'.repeat(199)}…"`);
  });

  it('asks its model once per answer, fails an answer the model did not give without asking, and reports a judge that failed', async () => {
    const asked: ChatMessage[][] = [];
    const replies = ['Result: FAIL\nRationale: Wrong city.', 'I cannot tell.'];
    const judge: JudgeModel = {
      ask: async (messages) => {
        asked.push([...messages]);
        return replies.shift()!;
      },
    };
    const sample = { prompt: 'Capital?', answer: 'Lyon', latencyMs: 3 };
    assert.deepEqual(await judgeSample(judge, 'Be right.', sample), { name: 'judge', outcome: 'fail', rationale: 'Wrong city.' });
    assert.deepEqual(await judgeSample(judge, 'Be right.', sample), {
      name: 'judge',
      outcome: 'error',
      rationale: `The judge's answer says neither PASS nor FAIL: "I cannot tell."`,
    });
    assert.deepEqual(await judgeSample(judge, 'Be right.', { ...sample, error: 'Timed out.' }), {
      name: 'judge',
      outcome: 'fail',
      rationale: 'The model gave no answer: Timed out.',
    });
    assert.equal(asked.length, 2);
    const broken: JudgeModel = { ask: () => Promise.reject(new Error('The served model is unreachable.')) };
    assert.deepEqual(await judgeSample(broken, 'Be right.', sample), {
      name: 'judge',
      outcome: 'error',
      rationale: 'The judge did not answer: The served model is unreachable.',
    });
  });
});
