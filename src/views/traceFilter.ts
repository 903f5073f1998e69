import { searchLiteral } from '../mlflow/searchLiteral';

/** The trace states a filter can ask for (MLflow's TraceInfoV3.State, without STATE_UNSPECIFIED). */
export const traceStatuses = ['OK', 'ERROR', 'IN_PROGRESS'] as const;
export type TraceStatusFilter = (typeof traceStatuses)[number];

/** The tags the chat puts on its traces (src/mlflow/traces/chatTrace.ts), which the filter offers. */
export const phi3TraceTags = ['phi3.source', 'phi3.model', 'phi3.finishReason', 'phi3.promptVersion'] as const;

/** What the Traces node of an experiment shows: traces of one state, with these `phi3.*` tag values. */
export interface TraceFilter {
  readonly status?: TraceStatusFilter;
  readonly tags: Readonly<Record<string, string>>;
}

export const noTraceFilter: TraceFilter = { tags: {} };

export function isTraceFilterEmpty(filter: TraceFilter): boolean {
  return filter.status === undefined && Object.keys(filter.tags).length === 0;
}

/**
 * The filter in the syntax of MLflow 3.17's search_traces (SearchTraceUtils, utils/search_utils.py):
 * `status = 'ERROR'` (an attribute compared with `=`), and each tag as ``tags.`phi3.source` = 'local'``
 * (a tag key in backticks, as its dots would otherwise split it), joined with AND. Undefined when
 * there is nothing to filter.
 */
export function traceFilterString(filter: TraceFilter): string | undefined {
  const clauses = [
    filter.status ? `status = '${filter.status}'` : '',
    ...Object.entries(filter.tags).map(([key, value]) => `tags.\`${key}\` = ${searchLiteral(value)}`),
  ].filter(Boolean);
  return clauses.length ? clauses.join(' AND ') : undefined;
}

/** `ERROR · phi3.source=local`: the filter as the Traces node's description reads it. */
export function describeTraceFilter(filter: TraceFilter): string {
  return [filter.status ?? '', ...Object.entries(filter.tags).map(([key, value]) => `${key}=${value}`)].filter(Boolean).join(' · ');
}

/** The tag filter as its input box shows it: `source=local, model=phi3-mini`. */
export function tagFilterText(tags: Readonly<Record<string, string>>): string {
  return Object.entries(tags)
    .map(([key, value]) => `${key.replace(/^phi3\./, '')}=${value}`)
    .join(', ');
}

/**
 * Reads `source=local, finishReason=stopped` (the `phi3.` prefix optional, case-sensitive as
 * MLflow's tag keys are): the tags, or the reason the text is not a tag filter.
 */
export function parseTagFilter(text: string): { tags: Record<string, string> } | { error: string } {
  const tags: Record<string, string> = {};
  for (const part of text.split(',')) {
    if (!part.trim()) continue;
    const equals = part.indexOf('=');
    if (equals < 0) return { error: `"${part.trim()}" is not key=value` };
    const name = part.slice(0, equals).trim();
    const key = name.startsWith('phi3.') ? name : `phi3.${name}`;
    if (!(phi3TraceTags as readonly string[]).includes(key))
      return { error: `"${name}" is not a Phi-3 trace tag (${phi3TraceTags.map((t) => t.slice('phi3.'.length)).join(', ')})` };
    const value = part.slice(equals + 1).trim();
    if (!value) return { error: `${key} needs a value` };
    tags[key] = value;
  }
  return { tags };
}
