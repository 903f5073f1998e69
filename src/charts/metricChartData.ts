import type { MlflowClient } from '../mlflow/client';
import type { Metric } from '../mlflow/entities';
import { displayName } from '../views/displayName';
import type { ChartData } from './chartsProtocol';

export type { ChartData } from './chartsProtocol';

/** A chart past this many points per series says so rather than hold the editor up. */
export const maxPointsPerSeries = 100_000;

export interface ChartRun {
  readonly runId: string;
  readonly name: string;
  readonly metricKeys: readonly string[];
}

/** Fetches the history of every metric of the runs (all pages, up to the limit), keys sorted. */
export async function loadChartData(
  client: MlflowClient,
  runs: readonly ChartRun[],
  focus?: string,
  signal?: AbortSignal,
): Promise<ChartData> {
  const keys = [...new Set(runs.flatMap((r) => r.metricKeys))].sort((a, b) => a.localeCompare(b));
  let truncated = 0;
  const metrics = [];
  for (const key of keys) {
    const series = [];
    for (const [index, run] of runs.entries()) {
      if (!run.metricKeys.includes(key)) continue;
      const points: Metric[] = [];
      for await (const point of client.runs.metricHistory(run.runId, key, { signal })) {
        // Leaving the loop stops the paging: no page past the cap is fetched.
        if (points.length >= maxPointsPerSeries) {
          truncated++;
          break;
        }
        points.push(point);
      }
      points.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
      series.push({
        run: index,
        steps: points.map((p) => p.step),
        timestamps: points.map((p) => p.timestamp),
        values: points.map((p) => p.value),
      });
    }
    metrics.push({ key, series });
  }
  return { runs: runs.map((r) => ({ runId: r.runId, name: r.name })), metrics, focus, truncated };
}

/**
 * The chart data as the page shows it: run names and metric keys with their bidirectional controls
 * made visible (displayName.ts), in legends, headings and the run list alike.
 */
export function chartDataAsShown(data: ChartData): ChartData {
  return {
    ...data,
    runs: data.runs.map((run) => ({ ...run, name: displayName(run.name) })),
    metrics: data.metrics.map((metric) => ({ ...metric, key: displayName(metric.key) })),
    ...(data.focus !== undefined ? { focus: displayName(data.focus) } : {}),
  };
}
