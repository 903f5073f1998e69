/**
 * Every message between the metric charts panel (src/charts/metricChartsPanel.ts) and its page
 * (src/webview/charts/), in one place. No vscode import: both sides build on it.
 */

/** What the chart webview draws: for each metric, one series per run. Plain data, sent as a message. */
export interface ChartData {
  readonly runs: ReadonlyArray<{ readonly runId: string; readonly name: string }>;
  readonly metrics: ReadonlyArray<{
    readonly key: string;
    /** One per run that logged the metric, `run` indexing `runs`. */
    readonly series: ReadonlyArray<{
      readonly run: number;
      readonly steps: number[];
      readonly timestamps: number[];
      readonly values: number[];
    }>;
  }>;
  /** The metric to scroll to first (the one clicked in the tree). */
  readonly focus?: string;
  /** Series cut at the limit: their later points were not fetched. */
  readonly truncated: number;
}

export type ChartsHostToView =
  /** The metric histories, names as shown (chartDataAsShown): the page draws them. */
  | { readonly type: 'data'; readonly data: ChartData }
  /** Why the histories could not be loaded. */
  | { readonly type: 'error'; readonly message: string };

export type ChartsViewToHost = { readonly type: 'ready' };

/** The x axis the page draws against; kept in the page's state across hiding and showing. */
export type ChartsXAxis = 'step' | 'relative' | 'time';

export interface ChartsViewState {
  readonly xAxis?: ChartsXAxis;
}

/** A message from the page, checked: anything else is dropped. */
export function parseChartsViewMessage(raw: unknown): ChartsViewToHost | undefined {
  return typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type === 'ready' ? { type: 'ready' } : undefined;
}
