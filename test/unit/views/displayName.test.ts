import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ChartData, chartDataAsShown } from '../../../src/charts/metricChartData';
import { displayName, hasBidiControl, notificationText, pickText, visibleControl } from '../../../src/views/displayName';

describe('displayName: server names as a user reads them', () => {
  it('shows a right-to-left override as its code point, so a name cannot pass for another', () => {
    // Rendered as is, "model\u202Egnp.onnx" reads "modelxnno.png".
    assert.equal(displayName('model\u202Egnp.onnx'), 'model⟪U+202E⟫gnp.onnx');
  });

  it('makes every bidirectional control visible: embeddings, overrides, isolates and marks', () => {
    const controls = [
      '\u202A',
      '\u202B',
      '\u202C',
      '\u202D',
      '\u202E',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
      '\u200E',
      '\u200F',
      '\u061C',
    ];
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

/**
 * VS Code's renderLabelWithIcons (src/vs/base/common/iconLabels.ts), as code-server 1.100's
 * workbench.js has it: what a quick pick item's label, description and detail and a status bar
 * text become. `\$(name)` is the characters `$(name)`; `$(name)` is an icon.
 */
const labelWithIcons = /(\\)?\$\(([A-Za-z0-9-]+(?:~[A-Za-z]+)?)\)/g;
function renderLabelWithIcons(text: string): Array<string | { icon: string }> {
  const parts: Array<string | { icon: string }> = [];
  let start = 0;
  for (const match of text.matchAll(labelWithIcons)) {
    if (start < match.index) parts.push(text.substring(start, match.index));
    start = match.index + match[0].length;
    parts.push(match[1] ? `$(${match[2]})` : { icon: match[2]! });
  }
  if (start < text.length) parts.push(text.substring(start));
  return parts;
}
const iconsIn = (parts: ReturnType<typeof renderLabelWithIcons>) => parts.filter((part) => typeof part !== 'string');
const textOf = (parts: ReturnType<typeof renderLabelWithIcons>) => parts.filter((part) => typeof part === 'string').join('');

/**
 * VS Code's parseLinkedText (src/vs/base/common/linkedText.ts), as workbench.js has it: how a
 * notification's message becomes text and links (opened with commands allowed).
 */
// VS Code writes `[^\)\s]`; the same class without the escape eslint calls useless.
const linkPattern = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;
function parseLinkedText(text: string): Array<string | { label: string; href: string }> {
  const nodes: Array<string | { label: string; href: string }> = [];
  let index = 0;
  for (const match of text.matchAll(linkPattern)) {
    if (match.index > index) nodes.push(text.substring(index, match.index));
    nodes.push({ label: match[1]!, href: match[2]! });
    index = match.index + match[0].length;
  }
  if (index < text.length) nodes.push(text.substring(index));
  return nodes;
}
const linksIn = (nodes: ReturnType<typeof parseLinkedText>) => nodes.filter((node) => typeof node !== 'string');

/** Names that VS Code would render as icons in a quick pick. */
const iconNames = [
  '$(warning) prod',
  '$(sync~spin)',
  'a$(x)b$(y-z)c',
  '\\$(warning)',
  '\\\\$(warning)',
  '$(check)$(check)',
  '$(warning)\u202Egnp',
];

describe('pickText: server text in a quick pick item or the status bar', () => {
  it('puts a backslash before each icon reference, after making bidirectional controls visible', () => {
    assert.equal(pickText('$(warning) prod'), '\\$(warning) prod');
    assert.equal(pickText('$(sync~spin) loading'), '\\$(sync~spin) loading');
    assert.equal(pickText('a$(x)b$(y-z)c'), 'a\\$(x)b\\$(y-z)c');
    assert.equal(pickText('$(check)$(check)'), '\\$(check)\\$(check)');
    assert.equal(pickText('$(warning)\u202Egnp'), '\\$(warning)⟪U+202E⟫gnp');
    // A control inside the parentheses: shown, it is no longer an icon name.
    assert.equal(pickText('$(war\u202Ening)'), '$(war⟪U+202E⟫ning)');
    assert.equal(pickText(undefined), undefined);
  });

  it('keeps a name that already holds the escape reading as it is: its backslash gets one of its own', () => {
    assert.equal(pickText('\\$(warning)'), '\\\\$(warning)');
    assert.equal(pickText('\\\\$(warning)'), '\\\\\\$(warning)');
  });

  it('leaves text without an icon reference as it is, however often it is applied', () => {
    const plain = [
      'phi3-mini-onnx',
      'price $5 (net)',
      '$warning',
      '$()',
      '$(a b)',
      '$(a~b~c)',
      '$(~spin)',
      '$ (x)',
      '(x)$',
      '[link](command:workbench.action.quit)',
      '<img src=x onerror=alert(1)>',
      'מודל-phi3',
      '',
    ];
    for (const text of plain) {
      assert.equal(pickText(text), text);
      assert.equal(pickText(pickText(text)), text);
    }
  });

  it('renders in VS Code as the name shown by displayName, with no icon', () => {
    for (const name of iconNames) {
      // Not vacuous: each of these, as it is, shows an icon or loses a backslash.
      assert.notEqual(textOf(renderLabelWithIcons(name)), displayName(name), name);
      const rendered = renderLabelWithIcons(pickText(name));
      assert.deepEqual(iconsIn(rendered), [], name);
      assert.equal(textOf(rendered), displayName(name), name);
    }
  });

  it('applied twice shows one backslash too many, never an icon', () => {
    for (const name of iconNames) assert.deepEqual(iconsIn(renderLabelWithIcons(pickText(pickText(name)))), [], name);
    assert.equal(textOf(renderLabelWithIcons(pickText(pickText('$(warning)')))), '\\$(warning)');
  });
});

describe('notificationText: server text in a notification', () => {
  const joiner = '\u2060';

  it('puts a word joiner between each ] and (, after making bidirectional controls visible', () => {
    assert.equal(
      notificationText('[Open](command:workbench.action.terminal.new)'),
      `[Open]${joiner}(command:workbench.action.terminal.new)`,
    );
    assert.equal(
      notificationText('Deleted run "[a](https://evil.example) [b](file:///etc/passwd \'t\')".'),
      `Deleted run "[a]${joiner}(https://evil.example) [b]${joiner}(file:///etc/passwd 't')".`,
    );
    assert.equal(notificationText('[[x]](command:y)'), `[[x]]${joiner}(command:y)`);
    assert.equal(notificationText('[x](command:y)\u202Egnp'), `[x]${joiner}(command:y)⟪U+202E⟫gnp`);
  });

  it('gives the same text when applied twice, and leaves text without ]( as it is', () => {
    const linked = notificationText('[Open](command:workbench.action.terminal.new)');
    assert.equal(notificationText(linked), linked);
    // Notifications do not render icons: `$(…)` stays as it is.
    for (const text of ['phi3-mini-onnx', 'f(x)[0]', '[x] (command:y)', 'a]b(c', '$(warning) prod', '<b>bold</b>', '**bold**', ''])
      assert.equal(notificationText(text), text);
  });

  it('leaves no link for VS Code to parse, and the text reads as the name shown by displayName', () => {
    const names = [
      '[Open](command:workbench.action.terminal.new)',
      '[Open](COMMAND:workbench.action.terminal.new "Open")',
      'run [a](https://evil.example/x) and [b](file:///etc/passwd)',
      '[[x]] [y](command:z) [w]](command:z)',
      '\\[Open](command:workbench.action.quit)',
    ];
    for (const name of names) {
      assert.notDeepEqual(linksIn(parseLinkedText(name)), [], name);
      const shown = notificationText(name);
      assert.deepEqual(parseLinkedText(shown), [shown], name);
      assert.equal(shown.replaceAll(joiner, ''), displayName(name), name);
    }
  });

  it('is needed because the parser has no escape: a backslash before [ shows, and the link still parses', () => {
    assert.deepEqual(parseLinkedText('\\[Open](command:workbench.action.quit)'), [
      '\\',
      { label: 'Open', href: 'command:workbench.action.quit' },
    ]);
  });
});
