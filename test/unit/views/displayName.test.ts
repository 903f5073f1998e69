import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ChartData, chartDataAsShown } from '../../../src/charts/metricChartData';
import { displayName, hasBidiControl, visibleControl } from '../../../src/views/displayName';

describe('displayName: server names as a user reads them', () => {
  it('shows a right-to-left override as its code point, so a name cannot pass for another', () => {
    // Rendered as is, "model\u202Egnp.onnx" reads "modelxnno.png".
    assert.equal(displayName('model\u202Egnp.onnx'), 'model⟪U+202E⟫gnp.onnx');
  });

  it('makes every bidirectional control visible: embeddings, overrides, isolates and marks', () => {
    const controls = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C'];
    assert.equal(
      displayName(`a${controls.join('')}b`),
      'a⟪U+202A⟫⟪U+202B⟫⟪U+202C⟫⟪U+202D⟫⟪U+202E⟫⟪U+2066⟫⟪U+2067⟫⟪U+2068⟫⟪U+2069⟫⟪U+200E⟫⟪U+200F⟫⟪U+061C⟫b',
    );
    for (const control of controls) assert.equal(hasBidiControl(`x${control}`), true, visibleControl(control));
  });

  it('leaves markup, Markdown, command links and right-to-left letters as the characters they are', () => {
    const markup = '<img src=x onerror=alert(1)>**bold**[link](command:workbench.action.quit)';
    assert.equal(displayName(markup), markup);
    // Hebrew and Arabic names are text, not controls: they read right to left as they should.
    assert.equal(displayName('מודל-phi3'), 'מודל-phi3');
    assert.equal(displayName('نموذج'), 'نموذج');
    assert.equal(hasBidiControl(`${markup}מודל`), false);
  });

  it('keeps other invisible or odd characters as they are, and undefined as undefined', () => {
    assert.equal(displayName('zero\u200Bwidth tab\there é'), 'zero\u200Bwidth tab\there é');
    assert.equal(displayName('😀 ⟪U+202E⟫'), '😀 ⟪U+202E⟫');
    assert.equal(displayName(undefined), undefined);
    assert.equal(displayName(''), '');
  });

  it('is the same on a second look: hasBidiControl is false for what displayName gives', () => {
    const shown = displayName('\u2067evil\u2069.exe');
    assert.equal(shown, '⟪U+2067⟫evil⟪U+2069⟫.exe');
    assert.equal(hasBidiControl(shown), false);
    assert.equal(displayName(shown), shown);
  });
});

describe('chartDataAsShown: what the metric charts page is sent', () => {
  it('shows run names and metric keys with their bidirectional controls visible, values untouched', () => {
    const data: ChartData = {
      runs: [{ runId: 'r1', name: '<img src=x onerror=alert(1)>\u202Egnp.onnx' }],
      metrics: [{ key: 'loss\u2067', series: [{ run: 0, steps: [0, 1], timestamps: [10, 20], values: [0.5, 0.25] }] }],
      focus: 'loss\u2067',
      truncated: 0,
    };
    assert.deepEqual(chartDataAsShown(data), {
      runs: [{ runId: 'r1', name: '<img src=x onerror=alert(1)>⟪U+202E⟫gnp.onnx' }],
      metrics: [{ key: 'loss⟪U+2067⟫', series: [{ run: 0, steps: [0, 1], timestamps: [10, 20], values: [0.5, 0.25] }] }],
      focus: 'loss⟪U+2067⟫',
      truncated: 0,
    });
    // The data the panel keeps (and its whenLoaded) is the server's.
    assert.equal(data.runs[0]!.name, '<img src=x onerror=alert(1)>\u202Egnp.onnx');
  });
});
