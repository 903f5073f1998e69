import * as vscode from 'vscode';
import type { TraceInfo, TraceSpan, TraceState } from '../mlflow/traces/traceEntities';
import { formatDuration, formatTime } from './runPresentation';

/** How a trace and its spans read in the tree: the MLflow UI's columns (request, state, time, execution time). */

const stateIcons: Record<TraceState, [string, string | undefined]> = {
  OK: ['pass', 'testing.iconPassed'],
  ERROR: ['error', 'testing.iconFailed'],
  IN_PROGRESS: ['sync~spin', undefined],
  STATE_UNSPECIFIED: ['circle-outline', undefined],
};

export function traceStateIcon(state: TraceState): vscode.ThemeIcon {
  const [icon, color] = stateIcons[state] ?? ['circle-outline', undefined];
  return new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
}

/** `850ms`, `12.5ms`, `1.25s`, `1m 30s`: traces last milliseconds, where a run's `0s` says nothing. */
export function formatMilliseconds(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 10) return `${Number(Math.max(0, ms).toFixed(2))}ms`;
  if (ms < 1000) return `${Number(ms.toFixed(1))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  return formatDuration(0, ms);
}

/** Longest request preview a label shows; the tooltip has the rest. */
const labelLength = 80;

/** Text on one line: a preview or name with line breaks and tabs would otherwise break the row. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The request preview on one line (the server's short form of the root span's inputs), else the trace's name, else its id. */
export function traceLabel(info: TraceInfo): string {
  const text = oneLine(info.requestPreview ?? '') || oneLine(info.tags['mlflow.traceName'] ?? '') || info.traceId;
  // By code points, so an emoji at the cut is not split into half a surrogate pair.
  const characters = [...text];
  return characters.length > labelLength ? `${characters.slice(0, labelLength - 1).join('')}…` : text;
}

/** `OK · 2026-12-04 12:00 · 120ms`. */
export function traceDescription(info: TraceInfo): string {
  return [info.state, formatTime(info.requestTimeMs), formatMilliseconds(info.executionDurationMs)].filter(Boolean).join(' · ');
}

export function traceTooltip(info: TraceInfo): string {
  const lines = [
    `Trace ID: ${info.traceId}`,
    `State: ${info.state}`,
    `Request time: ${formatTime(info.requestTimeMs)}`,
    `Execution time: ${formatMilliseconds(info.executionDurationMs) || 'unknown'}`,
  ];
  if (info.requestPreview) lines.push(`Request: ${info.requestPreview}`);
  if (info.responsePreview) lines.push(`Response: ${info.responsePreview}`);
  const tags = Object.entries(info.tags).filter(([key]) => key.startsWith('phi3.'));
  for (const [key, value] of tags.sort(([a], [b]) => a.localeCompare(b))) lines.push(`${key} = ${value}`);
  return lines.join('\n');
}

export function spanDuration(span: TraceSpan): number | undefined {
  return span.endTimeMs === undefined ? undefined : span.endTimeMs - span.startTimeMs;
}

/** `CHAT_MODEL · 120.5ms`, with `ERROR` when the span failed. */
export function spanDescription(span: TraceSpan): string {
  return [span.spanType ?? '', formatMilliseconds(spanDuration(span)) || 'unfinished', span.status.code === 'ERROR' ? 'ERROR' : '']
    .filter(Boolean)
    .join(' · ');
}

export function spanIcon(span: TraceSpan): vscode.ThemeIcon {
  if (span.status.code === 'ERROR') return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
  return new vscode.ThemeIcon(span.endTimeMs === undefined ? 'sync~spin' : 'symbol-event');
}

export function spanTooltip(span: TraceSpan): string {
  const lines = [
    span.name,
    `Span ID: ${span.spanId}`,
    `Type: ${span.spanType ?? 'unset'}`,
    `Status: ${span.status.code}${span.status.message ? ` (${span.status.message})` : ''}`,
    `Duration: ${formatMilliseconds(spanDuration(span)) || 'unfinished'}`,
    '',
    'Click to show its inputs, outputs and attributes.',
  ];
  return lines.join('\n');
}
