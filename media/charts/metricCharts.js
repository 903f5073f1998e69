// The metric charts page (see src/charts/metricChartsPanel.ts). Draws what the extension sends with
// uPlot; every name (metric keys, run names) reaches the page through textContent, never as markup.
/* global acquireVsCodeApi, uPlot, document, window, getComputedStyle, ResizeObserver */
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const saved = vscode.getState() || {};
  const xAxisSelect = document.getElementById('x-axis');
  const chartsElement = document.getElementById('charts');
  const statusElement = document.getElementById('status');
  const runsElement = document.getElementById('runs');
  let data;
  let plots = [];
  const stepIncrements = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7];
  xAxisSelect.value = saved.xAxis || 'step';

  function themeColor(name, fallback) {
    return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
  }

  function palette() {
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
  function align(metric, xAxis) {
    const perRun = metric.series.map(function (series) {
      // A loop, not Math.min.apply: 100k timestamps as arguments overflow the call stack.
      const first = series.timestamps.reduce(function (least, t) { return t < least ? t : least; }, series.timestamps.length ? series.timestamps[0] : 0);
      const points = new Map();
      series.values.forEach(function (value, i) {
        const x = xAxis === 'step' ? series.steps[i] : xAxis === 'relative' ? (series.timestamps[i] - first) / 1000 : series.timestamps[i] / 1000;
        points.set(x, value);
      });
      return points;
    });
    const xs = Array.from(new Set(perRun.flatMap(function (points) { return Array.from(points.keys()); }))).sort(function (a, b) { return a - b; });
    return [xs].concat(perRun.map(function (points) {
      return xs.map(function (x) { return points.has(x) ? points.get(x) : null; });
    }));
  }

  function render() {
    plots.forEach(function (plot) { plot.destroy(); });
    plots = [];
    chartsElement.replaceChildren();
    if (!data) return;
    const xAxis = xAxisSelect.value;
    const colors = palette();
    const foreground = themeColor('--vscode-editor-foreground', '#cccccc');
    const grid = themeColor('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)');
    runsElement.textContent = data.runs.map(function (run) { return run.name; }).join(' · ');
    statusElement.textContent = data.metrics.length === 0
      ? 'These runs logged no metrics.'
      : data.metrics.length + ' metric' + (data.metrics.length === 1 ? '' : 's') + ' from ' + data.runs.length + ' run' + (data.runs.length === 1 ? '' : 's') +
        (data.truncated ? ' (' + data.truncated + ' series cut at 100,000 points)' : '');
    data.metrics.forEach(function (metric) {
      const section = document.createElement('section');
      section.className = 'chart';
      section.dataset.metric = metric.key;
      const heading = document.createElement('h2');
      heading.textContent = metric.key;
      section.appendChild(heading);
      chartsElement.appendChild(section);
      const axis = { stroke: foreground, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
      const options = {
        width: Math.max(300, chartsElement.clientWidth - 16),
        height: 240,
        scales: { x: { time: xAxis === 'time' } },
        // Steps are whole numbers: no tick at step 0.5.
        axes: [Object.assign({ label: xAxis === 'step' ? 'step' : xAxis === 'relative' ? 'seconds' : '' }, axis, xAxis === 'step' ? { incrs: stepIncrements } : {}), axis],
        series: [{ label: xAxis === 'step' ? 'step' : 'time' }].concat(metric.series.map(function (series) {
          return { label: data.runs[series.run].name, stroke: colors[series.run % colors.length], width: 2, spanGaps: true, points: { show: series.values.length < 60 } };
        })),
        legend: { show: true },
      };
      plots.push(new uPlot(options, align(metric, xAxis), section));
    });
    if (data.focus) {
      const focused = Array.from(chartsElement.children).find(function (section) { return section.dataset.metric === data.focus; });
      if (focused) focused.scrollIntoView();
    }
  }

  xAxisSelect.addEventListener('change', function () {
    vscode.setState({ xAxis: xAxisSelect.value });
    render();
  });

  window.addEventListener('message', function (event) {
    const message = event.data;
    if (message && message.type === 'data') {
      data = message.data;
      render();
    } else if (message && message.type === 'error') {
      statusElement.textContent = 'Could not load the metric histories: ' + message.message;
      statusElement.classList.add('error');
    }
  });

  let width = chartsElement.clientWidth;
  new ResizeObserver(function () {
    if (Math.abs(chartsElement.clientWidth - width) > 8) {
      width = chartsElement.clientWidth;
      plots.forEach(function (plot) { plot.setSize({ width: Math.max(300, width - 16), height: 240 }); });
    }
  }).observe(chartsElement);

  vscode.postMessage({ type: 'ready' });
})();
