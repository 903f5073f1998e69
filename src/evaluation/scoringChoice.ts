import { scorerKinds, type ScorerKind, type ScorerSpec } from './scorers';

/**
 * What the user chose to score a bulk run with: built-in scorers, and whether a judge model grades
 * the answers too (with which rubric). Checked here, from whatever the panel sent, so a bad
 * pattern or bound is refused with a message before any answer is scored.
 */
export interface ScoringChoice {
  readonly scorers: readonly ScorerSpec[];
  /** The judge's rubric, when a judge is to be asked. */
  readonly judgeRubric?: string;
}

/** The scorers' fields as the panel's form sends them: text boxes, so numbers may come as text. */
export function parseScoringChoice(raw: unknown): ScoringChoice {
  const value = record(raw);
  const list = Array.isArray(value.scorers) ? value.scorers : [];
  const scorers = list.map((item, at) => parseScorer(record(item), at));
  const kinds = scorers.map((spec) => spec.kind);
  const twice = kinds.find((kind, i) => kinds.indexOf(kind) !== i);
  if (twice) throw new Error(`Choose ${twice} once.`);
  const judgeRubric = typeof value.judgeRubric === 'string' ? value.judgeRubric.trim() : undefined;
  if (value.judgeRubric !== undefined && !judgeRubric) throw new Error('The judge needs a rubric: say what makes an answer pass.');
  if (scorers.length === 0 && judgeRubric === undefined) throw new Error('Choose at least one scorer, or the judge.');
  return judgeRubric === undefined ? { scorers } : { scorers, judgeRubric };
}

function parseScorer(value: Record<string, unknown>, at: number): ScorerSpec {
  const kind = value.kind as ScorerKind;
  if (!scorerKinds.includes(kind)) throw new Error(`Unknown scorer ${JSON.stringify(value.kind ?? at)}.`);
  switch (kind) {
    case 'exact_match':
    case 'json_valid':
      return { kind };
    case 'contains': {
      const text = typeof value.text === 'string' && value.text.trim() ? value.text : undefined;
      return text === undefined ? { kind } : { kind, text };
    }
    case 'regex_match': {
      const pattern = typeof value.pattern === 'string' ? value.pattern : '';
      if (!pattern) throw new Error('regex_match needs a pattern.');
      const flags = typeof value.flags === 'string' && value.flags ? value.flags : undefined;
      try {
        new RegExp(pattern, flags);
      } catch (error) {
        throw new Error(`regex_match: ${(error as Error).message}.`);
      }
      return flags === undefined ? { kind, pattern } : { kind, pattern, flags };
    }
    case 'answer_length': {
      const min = optionalNumber(value.min, 'answer_length: the minimum');
      const max = optionalNumber(value.max, 'answer_length: the maximum');
      if (min === undefined && max === undefined) throw new Error('answer_length needs a minimum, a maximum or both.');
      if (min !== undefined && max !== undefined && min > max)
        throw new Error(`answer_length: the minimum (${min}) is more than the maximum (${max}).`);
      return { kind, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
    }
    case 'latency': {
      const measure = value.measure === 'ttft' ? 'ttft' : value.measure === 'total' || value.measure === undefined ? 'total' : undefined;
      if (!measure) throw new Error('latency measures "ttft" (time to first token) or "total".');
      const maxMs = optionalNumber(value.maxMs, 'latency: the most milliseconds');
      if (maxMs === undefined) throw new Error('latency needs the most milliseconds an answer may take.');
      return { kind, measure, maxMs };
    }
    case 'tokens_per_second': {
      const min = optionalNumber(value.min, 'tokens_per_second: the minimum');
      if (min === undefined) throw new Error('tokens_per_second needs the fewest tokens per second.');
      return { kind, min };
    }
  }
}

/** A number of at least 0 from a text box or a number; undefined when left empty. */
function optionalNumber(raw: unknown, label: string): number | undefined {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return undefined;
  const parsed = typeof raw === 'string' ? Number(raw.trim()) : raw;
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0)
    throw new Error(`${label} must be a number of at least 0 (got ${JSON.stringify(raw)}).`);
  return parsed;
}

function record(raw: unknown): Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
}
