import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { viewScoring } from '../../../src/chat/bulkScoringView';
import type { BulkState } from '../../../src/chat/chatSession';
import { defaultChatSettings } from '../../../src/chat/generationSettings';
import { defaultJudgeRubric } from '../../../src/evaluation/judge';
import { parseScoringChoice } from '../../../src/evaluation/scoringChoice';

describe('the scoring section of the chat page', () => {
  it('shows two models’ pass rates side by side, and each answer’s scores with their rationales made safe to show', () => {
    const choice = parseScoringChoice({ scorers: [{ kind: 'exact_match' }], judgeRubric: 'Be right.' });
    const bulk: BulkState = {
      file: '/p.jsonl',
      total: 2,
      problems: '',
      models: [],
      titles: ['phi3-a', 'phi3-b'],
      settings: defaultChatSettings,
      rows: [],
      controller: new AbortController(),
      running: false,
      cancelled: false,
      judge: { ref: { kind: 'local', folder: '/judge' }, title: 'judge-model', sourceId: 'judge-model' },
      evaluation: {
        choice,
        names: ['exact_match', 'judge'],
        judge: { title: 'judge-model', sourceId: 'judge-model' },
        scores: [
          [
            [
              { name: 'exact_match', outcome: 'pass', rationale: 'The answer is the expected answer.' },
              { name: 'judge', outcome: 'pass', rationale: 'Right \u202Eevil' },
            ],
            [
              { name: 'exact_match', outcome: 'fail', rationale: 'No.' },
              { name: 'judge', outcome: 'error', rationale: 'Malformed.' },
            ],
          ],
          [
            [
              { name: 'exact_match', outcome: 'skipped', rationale: 'No expected.' },
              { name: 'judge', outcome: 'fail', rationale: 'Wrong.' },
            ],
            [
              { name: 'exact_match', outcome: 'skipped', rationale: 'No expected.' },
              { name: 'judge', outcome: 'pass', rationale: 'Fine.' },
            ],
          ],
        ],
      },
    };
    const view = viewScoring(bulk);
    assert.equal(view.judge, 'judge-model');
    assert.equal(view.defaultRubric, defaultJudgeRubric);
    assert.equal(view.running, false);
    assert.deepEqual(view.summary, [
      { name: 'exact_match', perModel: ['1 of 1 passed (100%), 1 skipped', '0 of 1 passed (0%), 1 skipped'] },
      { name: 'judge', perModel: ['1 of 2 passed (50%)', '1 of 1 passed (100%), 1 malformed'] },
    ]);
    assert.notEqual(view.scores[0]![0]![1]!.rationale, 'Right \u202Eevil', 'a bidirectional control is made visible');
    assert.deepEqual(view.scores[1]![1]!, [
      { name: 'exact_match', outcome: 'skipped', rationale: 'No expected.' },
      { name: 'judge', outcome: 'pass', rationale: 'Fine.' },
    ]);
    assert.deepEqual(viewScoring({ ...bulk, evaluation: undefined, judge: undefined }), {
      defaultRubric: defaultJudgeRubric,
      running: false,
      names: [],
      scores: [],
      summary: [],
    });
  });
});
