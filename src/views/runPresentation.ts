import * as vscode from 'vscode';
import type { Run, RunStatus } from '../mlflow/entities';

/** How a run reads in the tree: status icon, "start time · duration", a tooltip with its id and key metrics. */
const statusIcons: Record<RunStatus, [string, string | undefined]> = {
  FINISHED: ['pass', 'testing.iconPassed'],
  FAILED: ['error', 'testing.iconFailed'],
  RUNNING: ['sync~spin', undefined],
  SCHEDULED: ['clock', undefined],
  KILLED: ['circle-slash', 'testing.iconSkipped'],
};

export function runStatusIcon(run: Run): vscode.ThemeIcon {
  if (run.info.lifecycleStage === 'deleted') return new vscode.ThemeIcon('trash');
  const [icon, color] = statusIcons[run.info.status] ?? ['circle-outline', undefined];
  return new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
}

/** `2023-11-14 22:13` in the editor's local time zone. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `45s`, `1m 30s`, `2h 05m`; a running run counts to now. */
export function formatDuration(startMs: number | undefined, endMs: number | undefined, now = Date.now()): string {
  if (startMs === undefined) return '';
  const seconds = Math.max(0, Math.round(((endMs ?? now) - startMs) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
}

export function runDescription(run: Run): string {
  const parts = [formatTime(run.info.startTime), formatDuration(run.info.startTime, run.info.endTime)].filter(Boolean);
  if (run.info.lifecycleStage === 'deleted') parts.push('deleted');
  return parts.join(' · ');
}

/** Plain text for a string tooltip, which VS Code never renders as Markdown or HTML. */
export function runTooltipText(run: Run, keyMetrics = 8): string {
  const lines = [
    run.info.runName || run.info.runId,
    `Run ID: ${run.info.runId}`,
    `Status: ${run.info.status}${run.info.lifecycleStage === 'deleted' ? ' (deleted)' : ''}`,
    `Started: ${formatTime(run.info.startTime)}${run.info.startTime !== undefined ? `, ran ${formatDuration(run.info.startTime, run.info.endTime)}` : ''}`,
  ];
  const metrics = [...run.metrics].sort((a, b) => a.key.localeCompare(b.key)).slice(0, keyMetrics);
  if (metrics.length) {
    lines.push('Metrics:');
    for (const metric of metrics) lines.push(`  ${metric.key} = ${formatNumber(metric.value)}`);
    if (run.metrics.length > keyMetrics) lines.push(`  … and ${run.metrics.length - keyMetrics} more`);
  }
  return lines.join('\n');
}

export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e6 ? String(Number(value.toPrecision(6))) : value.toExponential(4);
}
