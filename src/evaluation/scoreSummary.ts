import type { ScoreResult } from './scorers';

/** One scorer's results over a bulk run, for one model. */
export interface ScorerSummary {
  readonly name: string;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Judge answers that were malformed, or a judge that did not answer. */
  readonly errors: number;
  /** passed / (passed + failed); undefined when nothing was scored. */
  readonly passRate: number | undefined;
}

/**
 * Each scorer's pass rate over the answers (a list per answer, in the scorers' order). Skipped
 * answers and errors are left out of the rate, as MLflow's `mlflow.genai.evaluate` leaves out a
 * feedback without a value when it averages (scorers/aggregation.py).
 */
export function summarizeScores(answers: ReadonlyArray<readonly ScoreResult[]>): ScorerSummary[] {
  const names: string[] = [];
  for (const results of answers) for (const result of results) if (!names.includes(result.name)) names.push(result.name);
  return names.map((name) => {
    const counts = { pass: 0, fail: 0, skipped: 0, error: 0 };
    for (const results of answers) {
      const result = results.find((r) => r.name === name);
      if (result) counts[result.outcome]++;
    }
    const scored = counts.pass + counts.fail;
    return {
      name,
      passed: counts.pass,
      failed: counts.fail,
      skipped: counts.skipped,
      errors: counts.error,
      passRate: scored ? counts.pass / scored : undefined,
    };
  });
}

/**
 * The run metric of a scorer's pass rate, named as `mlflow.genai.evaluate` names its aggregates,
 * `<assessment name>/mean` (the mean of boolean feedback is the pass rate); with two models, the
 * name carries the model's suffix: `exact_match_a/mean`.
 */
export function passRateMetricKey(name: string, suffix = ''): string {
  return `${name}${suffix}/mean`;
}

/** "2 of 3 passed (67%)", "1 of 2 passed (50%), 1 skipped", "all 3 skipped". */
export function describeSummary(summary: ScorerSummary): string {
  const extra = [...(summary.skipped ? [`${summary.skipped} skipped`] : []), ...(summary.errors ? [`${summary.errors} malformed`] : [])];
  const scored = summary.passed + summary.failed;
  if (scored === 0) return extra.length ? `none scored (${extra.join(', ')})` : 'none scored';
  const rate = `${summary.passed} of ${scored} passed (${Math.round((summary.passed / scored) * 100)}%)`;
  return [rate, ...extra].join(', ');
}
