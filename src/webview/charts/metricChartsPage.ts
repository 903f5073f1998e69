// The metric charts page (see src/charts/metricChartsPanel.ts). Draws what the extension sends with
// uPlot; every name (metric keys, run names) reaches the page through textContent, never as markup.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './metricCharts.css';
import type { ChartData, ChartsHostToView, ChartsViewState, ChartsViewToHost, ChartsXAxis } from '../../charts/chartsProtocol';
import { onHostMessage, vscodeApi } from '../page/vscodeApi';

type Metric = ChartData['metrics'][number];

const vscode = vscodeApi<ChartsViewToHost, ChartsViewState>();
const saved = vscode.getState() ?? {};
const xAxisSelect = document.getElementById('x-axis') as HTMLSelectElement;
const chartsElement = document.getElementById('charts') as HTMLElement;
const statusElement = document.getElementById('status') as HTMLElement;
const runsElement = document.getElementById('runs') as HTMLElement;
let data: ChartData | undefined;
let plots: uPlot[] = [];
const stepIncrements = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7];
xAxisSelect.value = saved.xAxis ?? 'step';

function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function palette(): string[] {
  return [
    themeColor('--vscode-charts-blue', '#3794ff'),
    themeColor('--vscode-charts-orange', '#d18616'),
    themeColor('--vscode-charts-green', '#89d185'),
    themeColor('--vscode-charts-red', '#f14c4c'),
    themeColor('--vscode-charts-purple', '#b180d7'),
    themeColor('--vscode-charts-yellow', '#cca700'),
  ];
}

/** One x array shared by every run's series (union of x values), with null where a run has no point. */
function align(metric: Metric, xAxis: ChartsXAxis): uPlot.AlignedData {
  const perRun = metric.series.map((series) => {
    // A loop, not Math.min(...): 100k timestamps as arguments overflow the call stack.
    const first = series.timestamps.reduce((least, t) => (t < least ? t : least), series.timestamps.length ? series.timestamps[0]! : 0);
    const points = new Map<number, number>();
    series.values.forEach((value, i) => {
      const x =
        xAxis === 'step' ? series.steps[i]! : xAxis === 'relative' ? (series.timestamps[i]! - first) / 1000 : series.timestamps[i]! / 1000;
      points.set(x, value);
    });
    return points;
  });
  const xs = Array.from(new Set(perRun.flatMap((points) => Array.from(points.keys())))).sort((a, b) => a - b);
  return [xs, ...perRun.map((points) => xs.map((x) => (points.has(x) ? points.get(x)! : null)))];
}

function render(): void {
  for (const plot of plots) plot.destroy();
  plots = [];
  chartsElement.replaceChildren();
  if (!data) return;
  const shown = data;
  const xAxis = xAxisSelect.value as ChartsXAxis;
  const colors = palette();
  const foreground = themeColor('--vscode-editor-foreground', '#cccccc');
  const grid = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)');
  runsElement.textContent = shown.runs.map((run) => run.name).join(' · ');
  statusElement.textContent =
    shown.metrics.length === 0
      ? 'These runs logged no metrics.'
      : `${shown.metrics.length} metric${shown.metrics.length === 1 ? '' : 's'} from ${shown.runs.length} run${shown.runs.length === 1 ? '' : 's'}` +
        (shown.truncated ? ` (${shown.truncated} series cut at 100,000 points)` : '');
  for (const metric of shown.metrics) {
    const section = document.createElement('section');
    section.className = 'chart';
    section.dataset.metric = metric.key;
    const heading = document.createElement('h2');
    heading.textContent = metric.key;
    section.appendChild(heading);
    chartsElement.appendChild(section);
    const axis: uPlot.Axis = { stroke: foreground, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const options: uPlot.Options = {
      width: Math.max(300, chartsElement.clientWidth - 16),
      height: 240,
      scales: { x: { time: xAxis === 'time' } },
      // Steps are whole numbers: no tick at step 0.5.
      axes: [
        {
          label: xAxis === 'step' ? 'step' : xAxis === 'relative' ? 'seconds' : '',
          ...axis,
          ...(xAxis === 'step' ? { incrs: stepIncrements } : {}),
        },
        axis,
      ],
      series: [
        { label: xAxis === 'step' ? 'step' : 'time' },
        ...metric.series.map((series) => ({
          label: shown.runs[series.run]!.name,
          stroke: colors[series.run % colors.length]!,
          width: 2,
          spanGaps: true,
          points: { show: series.values.length < 60 },
        })),
      ],
      legend: { show: true },
    };
    plots.push(new uPlot(options, align(metric, xAxis), section));
  }
  if (shown.focus) {
    const focused = Array.from(chartsElement.children).find((section) => (section as HTMLElement).dataset.metric === shown.focus);
    if (focused) focused.scrollIntoView();
  }
}

xAxisSelect.addEventListener('change', () => {
  vscode.setState({ xAxis: xAxisSelect.value as ChartsXAxis });
  render();
});

onHostMessage<ChartsHostToView>((message) => {
  if (message.type === 'data') {
    data = message.data;
    render();
  } else if (message.type === 'error') {
    statusElement.textContent = `Could not load the metric histories: ${message.message}`;
    statusElement.classList.add('error');
  }
});

let width = chartsElement.clientWidth;
new ResizeObserver(() => {
  if (Math.abs(chartsElement.clientWidth - width) > 8) {
    width = chartsElement.clientWidth;
    for (const plot of plots) plot.setSize({ width: Math.max(300, width - 16), height: 240 });
  }
}).observe(chartsElement);

vscode.postMessage({ type: 'ready' });
