import type { SpanNode, Trace, TraceSpan } from '../mlflow/traces/traceEntities';
import { displayName } from './displayName';
import { formatMilliseconds, oneLine, spanDuration } from './tracePresentation';

/** The read-only text of a trace, and the line each span's block starts on (to show a clicked span). */
export interface TraceDocument {
  readonly text: string;
  readonly spanLines: Readonly<Record<string, number>>;
}

/** Attributes the text shows in their own places (the span's inputs, outputs and type). */
const shownElsewhere = new Set(['mlflow.spanInputs', 'mlflow.spanOutputs', 'mlflow.spanType']);

/**
 * A trace as plain text: its info, tags and metadata, then each span in tree order (children
 * indented under their parent) with its timings, inputs, outputs, attributes and events.
 *
 * Everything comes from the server and is shown as what it is. Names, previews and tag values are
 * put on one line (a value holding line breaks could otherwise fake a span's block) with their
 * bidirectional controls made visible (displayName). Inputs, outputs and attribute values are JSON,
 * where a bidirectional control is written as its `\uXXXX` escape: the JSON still reads back as the
 * server's value, and no right-to-left override turns the rest of the line around. The document is
 * text in an editor, never HTML or rendered Markdown.
 */
export function traceDocumentText(trace: Trace): TraceDocument {
  const lines: string[] = [];
  const spanLines: Record<string, number> = {};
  const info = trace.info;
  lines.push(
    `Trace ${text(info.traceId)}`,
    `State: ${info.state}`,
    `Experiment: ${text(info.experimentId)}`,
    `Request time: ${new Date(info.requestTimeMs).toISOString()}`,
    `Execution time: ${formatMilliseconds(info.executionDurationMs) || 'unknown'}`,
  );
  if (info.requestPreview) lines.push(`Request: ${text(info.requestPreview)}`);
  if (info.responsePreview) lines.push(`Response: ${text(info.responsePreview)}`);
  for (const [title, entries] of [
    ['Tags', info.tags],
    ['Metadata', info.metadata],
  ] as const) {
    const sorted = Object.entries(entries).sort(([a], [b]) => a.localeCompare(b));
    if (!sorted.length) continue;
    lines.push('', `${title}:`);
    for (const [key, value] of sorted) lines.push(`  ${text(key)} = ${text(value)}`);
  }
  // Offsets from the first span's start (the request time is whole milliseconds, the spans' are not).
  const traceStart = trace.spans.length ? Math.min(...trace.spans.map((s) => s.startTimeMs)) : info.requestTimeMs;
  lines.push('', `Spans (${trace.spans.length}):`);
  const addSpan = (node: SpanNode, depth: number) => {
    const indent = '  '.repeat(depth + 1);
    lines.push('');
    // The block's first line, the span's name, is the next one pushed.
    spanLines[node.span.spanId] = lines.length;
    lines.push(...spanBlock(node.span, indent, traceStart));
    for (const child of node.children) addSpan(child, depth + 1);
  };
  for (const root of trace.roots) addSpan(root, 0);
  if (!trace.spans.length) lines.push('  (none)');
  return { text: `${lines.join('\n')}\n`, spanLines };
}

function spanBlock(span: TraceSpan, indent: string, traceStart: number): string[] {
  const inner = `${indent}  `;
  const status = `${span.status.code}${span.status.message ? `: ${text(span.status.message)}` : ''}`;
  const lines = [
    `${indent}${text(span.name)} · ${span.spanType ? `${text(span.spanType)} · ` : ''}${status}`,
    `${inner}Span ID: ${text(span.spanId)}${span.parentId ? ` · parent ${text(span.parentId)}` : ''}`,
    `${inner}Start: +${formatMilliseconds(span.startTimeMs - traceStart)} (${new Date(span.startTimeMs).toISOString()}) · Duration: ${formatMilliseconds(spanDuration(span)) || 'unfinished'}`,
  ];
  for (const [title, value] of [
    ['Inputs', span.inputs],
    ['Outputs', span.outputs],
  ] as const) {
    if (value === undefined) continue;
    lines.push(`${inner}${title}:`, ...jsonText(value).map((line) => `${inner}  ${line}`));
  }
  const attributes = Object.entries(span.attributes)
    .filter(([key]) => !shownElsewhere.has(key))
    .sort(([a], [b]) => a.localeCompare(b));
  if (attributes.length) {
    lines.push(`${inner}Attributes:`);
    for (const [key, value] of attributes) lines.push(`${inner}  ${text(key)} = ${jsonText(value, false)[0]}`);
  }
  if (span.events.length) {
    lines.push(`${inner}Events:`);
    for (const event of span.events)
      lines.push(
        `${inner}  ${text(event.name)} at +${formatMilliseconds(event.timeMs - traceStart)} ${jsonText(event.attributes, false)[0]}`,
      );
  }
  return lines;
}

/** Server text on one line with its bidirectional controls visible. */
function text(value: string): string {
  return displayName(oneLine(value));
}

const bidiControls = /\p{Bidi_Control}/gu;

/** A value as JSON lines (indented, or on one line), every bidirectional control as its `\uXXXX` escape. */
function jsonText(value: unknown, indented = true): string[] {
  const json = JSON.stringify(value, null, indented ? 2 : undefined) ?? String(value);
  return json.replace(bidiControls, (c) => `\\u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`).split('\n');
}
