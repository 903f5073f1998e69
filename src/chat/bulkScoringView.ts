import { defaultJudgeRubric } from '../evaluation/judge';
import { describeSummary, summarizeScores } from '../evaluation/scoreSummary';
import { displayName } from '../views/displayName';
import type { ViewScoring } from './chatProtocol';
import type { BulkState } from './chatSession';

/** The scoring section as the page shows it. */
export function viewScoring(bulk: BulkState): ViewScoring {
  const evaluation = bulk.evaluation;
  const models = bulk.titles.length;
  return {
    ...(bulk.judge ? { judge: displayName(bulk.judge.title) } : {}),
    defaultRubric: defaultJudgeRubric,
    running: bulk.scoring !== undefined,
    names: evaluation?.names ?? [],
    scores: (evaluation?.scores ?? []).map((perModel) =>
      perModel.map((results) => results.map(({ name, outcome, rationale }) => ({ name, outcome, rationale: displayName(rationale) }))),
    ),
    summary: evaluation
      ? evaluation.names.map((name) => ({
          name,
          perModel: Array.from({ length: models }, (_, m) => {
            const summary = summarizeScores(evaluation.scores.map((perModel) => perModel[m] ?? [])).find((s) => s.name === name);
            return summary ? describeSummary(summary) : 'none scored';
          }),
        }))
      : [],
  };
}
