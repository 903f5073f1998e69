import type { CommandFactory } from './commandFactory';
import { MetricChartsPanel } from '../charts/metricChartsPanel';
import { MetricNode, RunNode } from '../views/runNodes';
import { nodesOf, UserFacingError } from './nodeArgument';

/**
 * Opens metric charts for the runs the command is run on: one run draws each of its metrics; two
 * or more selected runs overlay the same metric. Run on a metric, it scrolls to that metric.
 */
export const showMetricCharts: CommandFactory =
  (ctx) =>
  (arg?: unknown, extra?: unknown): MetricChartsPanel => {
    const focus = arg instanceof MetricNode ? arg.key : undefined;
    const runs = arg instanceof MetricNode ? [arg.runNode] : nodesOf(arg, extra, RunNode, ctx.explorer.experimentsView.selection);
    if (!runs.length) throw new UserFacingError('Select one or more runs in the Experiments view first.');
    const client = ctx.requireClient();
    ctx.log.info(`Metric charts for ${runs.map((r) => r.runId).join(', ')}`);
    return ctx.metricCharts.show(() =>
      MetricChartsPanel.create(
        ctx.extension.extensionUri,
        client,
        runs.map((r) => ({ runId: r.runId, name: r.label, metricKeys: r.run.metrics.map((m) => m.key) })),
        focus,
      ),
    );
  };
