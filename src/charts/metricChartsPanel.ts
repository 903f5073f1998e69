import * as vscode from 'vscode';
import type { MlflowClient } from '../mlflow/client';
import { displayName } from '../views/displayName';
import { WebviewHost, webviewOptions } from '../webview/webviewHost';
import { parseChartsViewMessage, type ChartsHostToView, type ChartsViewToHost } from './chartsProtocol';
import { type ChartData, chartDataAsShown, type ChartRun, loadChartData } from './metricChartData';
import { errorMessage } from '../errorMessage';

/** The page's fixed markup: the controls its script finds by id. */
const chartsBody = `<header class="toolbar">
  <label>X axis
    <select id="x-axis">
      <option value="step">Step</option>
      <option value="relative">Time since first point (s)</option>
      <option value="time">Wall-clock time</option>
    </select>
  </label>
  <span id="runs" class="runs"></span>
</header>
<p id="status" class="status" role="status">Loading metric histories…</p>
<main id="charts"></main>`;

/**
 * The metric charts webview: a run's metric histories as line charts (uPlot, bundled into the page),
 * or the same metric of several runs overlaid. The data is fetched here and sent as a message; the
 * page puts every name on the page as text, never as markup.
 */
export class MetricChartsPanel extends WebviewHost<ChartsHostToView, ChartsViewToHost> {
  private data: ChartData | undefined;
  /** Why the data could not be loaded; kept for every load of the page (a fast 401 comes before the page). */
  private loadError: string | undefined;
  private readonly controller = new AbortController();
  private readonly loaded: Promise<ChartData | undefined>;

  /** Shows the charts of these runs in a new panel. */
  static create(extensionUri: vscode.Uri, client: MlflowClient, runs: readonly ChartRun[], focus?: string): MetricChartsPanel {
    const title = runs.length === 1 ? `Metrics: ${displayName(runs[0]!.name)}` : `Metrics: ${runs.length} runs`;
    const panel = vscode.window.createWebviewPanel(
      'phi3Mlflow.metricCharts',
      title,
      vscode.ViewColumn.Active,
      webviewOptions(extensionUri),
    );
    return new MetricChartsPanel(panel, extensionUri, client, runs, focus);
  }

  private constructor(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    client: MlflowClient,
    runs: readonly ChartRun[],
    focus?: string,
  ) {
    super(
      panel,
      extensionUri,
      { page: 'metricCharts', title: 'Metric charts', body: chartsBody, dataImages: true },
      parseChartsViewMessage,
    );
    this.loaded = loadChartData(client, runs, focus, this.controller.signal).then(
      (data) => {
        this.data = data;
        this.post(this.fullState()!);
        return data;
      },
      (error: unknown) => {
        if (!this.controller.signal.aborted) {
          this.loadError = errorMessage(error);
          this.post(this.fullState()!);
        }
        return undefined;
      },
    );
  }

  /** The data sent to the page (for tests and for whoever waits on the load). */
  whenLoaded(): Promise<ChartData | undefined> {
    return this.loaded;
  }

  protected fullState(): ChartsHostToView | undefined {
    if (this.data) return { type: 'data', data: chartDataAsShown(this.data) };
    if (this.loadError !== undefined) return { type: 'error', message: displayName(this.loadError) };
    return undefined;
  }

  protected coveredByFullState(): boolean {
    // The page is told one thing, the data or why there is none: the full state is all of it.
    return true;
  }

  protected onMessage(): void {
    // The page sends nothing but 'ready'.
  }

  override dispose(): void {
    this.controller.abort();
    super.dispose();
  }
}
