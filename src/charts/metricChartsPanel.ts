import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { MlflowClient } from '../mlflow/client';
import { displayName } from '../views/displayName';
import { type ChartData, chartDataAsShown, type ChartRun, loadChartData } from './metricChartData';
import { errorMessage } from '../errorMessage';

/**
 * The metric charts webview: a run's metric histories as line charts (uPlot, vendored in media/),
 * or the same metric of several runs overlaid. The data is fetched here and sent as a message; the
 * page draws it with a strict CSP (scripts only with this page's nonce) and puts every name on the
 * page as text, never as markup.
 */
export class MetricChartsPanel implements vscode.Disposable {
  private static current: MetricChartsPanel | undefined;
  readonly panel: vscode.WebviewPanel;
  private data: ChartData | undefined;
  /** Why the data could not be loaded; kept until the page is ready for it (a fast 401 comes before the page). */
  private loadError: string | undefined;
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly loaded: Promise<ChartData | undefined>;

  /** Shows the charts of these runs, in the one charts panel (replacing what it showed). */
  static show(extensionUri: vscode.Uri, client: MlflowClient, runs: readonly ChartRun[], focus?: string): MetricChartsPanel {
    MetricChartsPanel.current?.dispose();
    MetricChartsPanel.current = new MetricChartsPanel(extensionUri, client, runs, focus);
    return MetricChartsPanel.current;
  }

  static get active(): MetricChartsPanel | undefined {
    return MetricChartsPanel.current;
  }

  private constructor(
    private readonly extensionUri: vscode.Uri,
    client: MlflowClient,
    runs: readonly ChartRun[],
    focus?: string,
  ) {
    const title = runs.length === 1 ? `Metrics: ${displayName(runs[0]!.name)}` : `Metrics: ${runs.length} runs`;
    this.panel = vscode.window.createWebviewPanel('phi3Mlflow.metricCharts', title, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')],
      retainContextWhenHidden: false,
    });
    this.panel.webview.html = this.html();
    this.disposables.push(
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.webview.onDidReceiveMessage((message: { type?: string }) => {
        if (message?.type === 'ready') {
          this.ready = true;
          this.post();
        }
      }),
      // A hidden webview is torn down (no retainContextWhenHidden): it asks again with 'ready' when shown.
      this.panel.onDidChangeViewState(() => {
        if (!this.panel.visible) this.ready = false;
      }),
    );
    const controller = new AbortController();
    this.disposables.push({ dispose: () => controller.abort() });
    this.loaded = loadChartData(client, runs, focus, controller.signal).then(
      (data) => {
        this.data = data;
        this.post();
        return data;
      },
      (error: unknown) => {
        if (!controller.signal.aborted) {
          this.loadError = errorMessage(error);
          this.post();
        }
        return undefined;
      },
    );
  }

  /** The data sent to the page (for tests and for whoever waits on the load). */
  whenLoaded(): Promise<ChartData | undefined> {
    return this.loaded;
  }

  private post(): void {
    if (!this.ready) return;
    if (this.data) void this.panel.webview.postMessage({ type: 'data', data: chartDataAsShown(this.data) });
    else if (this.loadError !== undefined) void this.panel.webview.postMessage({ type: 'error', message: displayName(this.loadError) });
  }

  private html(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(16).toString('base64');
    const media = (...path: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', ...path)).toString();
    const csp = [`default-src 'none'`, `img-src ${webview.cspSource} data:`, `style-src ${webview.cspSource} 'nonce-${nonce}'`, `font-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${media('vendor', 'uPlot.min.css')}" nonce="${nonce}">
<link rel="stylesheet" href="${media('charts', 'metricCharts.css')}" nonce="${nonce}">
<title>Metric charts</title>
</head>
<body>
<header class="toolbar">
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
<main id="charts"></main>
<script nonce="${nonce}" src="${media('vendor', 'uPlot.iife.min.js')}"></script>
<script nonce="${nonce}" src="${media('charts', 'metricCharts.js')}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (MetricChartsPanel.current === this) MetricChartsPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
