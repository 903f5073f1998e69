import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  CellKind,
  errorMime,
  NotebookFormatError,
  outputFromJupyter,
  parseNotebook,
  serializeNotebook,
  stderrMime,
  stdoutMime,
} from '../../../src/notebook/ipynb';
import { repoRoot } from '../../harness/paths';

const fixture = (name: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'notebooks', name));
const text = (data: Uint8Array) => new TextDecoder().decode(data);

describe('ipynb: the Jupyter format read and written', () => {
  for (const name of ['outputs.ipynb', 'minimal-v4.4.ipynb']) {
    it(`round-trips ${name} (written by Jupyter's rules) byte for byte, also after a structured copy`, () => {
      const bytes = fixture(name);
      // VS Code copies NotebookData between the extension host and the renderer: nothing may hang on identity.
      const data = structuredClone(parseNotebook(bytes));
      assert.equal(Buffer.compare(Buffer.from(serializeNotebook(data)), bytes), 0, text(serializeNotebook(data)));
    });
  }

  it('reads cells, languages, execution counts and every kind of output', () => {
    const data = parseNotebook(fixture('outputs.ipynb'));
    assert.deepEqual(
      data.cells.map((c) => [c.kind, c.languageId, c.executionSummary?.executionOrder]),
      [
        [CellKind.Markup, 'markdown', undefined],
        [CellKind.Code, 'python', 1],
        [CellKind.Code, 'python', 2],
        [CellKind.Code, 'python', 3],
        [CellKind.Code, 'mlflow-wrapper', undefined],
        [CellKind.Code, 'raw', undefined],
        [CellKind.Markup, 'markdown', undefined],
      ],
    );
    assert.equal(data.cells[1]!.value, "import time\nprint('loading…')\nprint('ready')");
    const [stdout, stderr] = data.cells[1]!.outputs!;
    assert.deepEqual([stdout!.items[0]!.mime, text(stdout!.items[0]!.data)], [stdoutMime, 'loading…\nready\n']);
    assert.deepEqual([stderr!.items[0]!.mime, text(stderr!.items[0]!.data)], [stderrMime, 'warning: slow\n']);
    const rich = data.cells[2]!.outputs![0]!;
    assert.deepEqual(
      rich.items.map((i) => i.mime),
      ['image/png', 'text/html', 'text/plain'],
    );
    // The PNG reaches VS Code as bytes (it renders those), not as base64 text.
    assert.deepEqual([...rich.items[0]!.data.slice(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.equal(text(rich.items[1]!.data), '<table>\n<tr><td>prompt</td></tr>\n</table>');
    const [display, error] = data.cells[3]!.outputs!;
    assert.deepEqual(JSON.parse(text(display!.items.find((i) => i.mime === 'application/json')!.data)), {
      prompt: 'What is MLflow?',
      scores: [0.5, 1, null],
    });
    assert.equal(error!.items[0]!.mime, errorMime);
    const shown = JSON.parse(text(error!.items[0]!.data)) as { name: string; message: string; stack: string };
    assert.deepEqual([shown.name, shown.message], ['ZeroDivisionError', 'division by zero']);
    assert.ok(shown.stack.includes('----> 2\u001b[0m'), shown.stack);
  });

  it('writes an edited notebook as valid nbformat 4.5: new cells get ids, outputs from the editor their types', () => {
    const data = parseNotebook(fixture('minimal-v4.4.ipynb'));
    const edited = {
      ...data,
      metadata: { ...data.metadata, nbformat_minor: 5 },
      cells: [
        ...data.cells,
        {
          kind: CellKind.Code,
          value: 'print("hi")\nx',
          languageId: 'python',
          executionSummary: { executionOrder: 9 },
          outputs: [
            outputFromJupyter({ output_type: 'stream', name: 'stdout', text: 'hi\n' }, false),
            { items: [{ mime: 'text/plain', data: new TextEncoder().encode('1\n2') }] },
            { items: [{ mime: stderrMime, data: new TextEncoder().encode('careful\n') }] },
          ],
        },
        { kind: CellKind.Markup, value: '## Done', languageId: 'markdown' },
      ],
    };
    const json = JSON.parse(text(serializeNotebook(edited))) as { nbformat_minor: number; cells: Record<string, unknown>[] };
    assert.equal(json.nbformat_minor, 5);
    const added = json.cells[2]!;
    assert.match(String(added.id), /^[0-9a-f]{8}$/);
    assert.deepEqual(
      { ...added, id: 'x' },
      {
        cell_type: 'code',
        execution_count: 9,
        id: 'x',
        metadata: {},
        outputs: [
          { name: 'stdout', output_type: 'stream', text: ['hi\n'] },
          { data: { 'text/plain': ['1\n', '2'] }, metadata: {}, output_type: 'display_data' },
          { name: 'stderr', output_type: 'stream', text: ['careful\n'] },
        ],
        source: ['print("hi")\n', 'x'],
      },
    );
    assert.deepEqual({ ...json.cells[3], id: 'x' }, { cell_type: 'markdown', id: 'x', metadata: {}, source: ['## Done'] });
  });

  it("marks a cell in another language than the notebook's with metadata.vscode.languageId, and only such a cell", () => {
    const json = JSON.parse(
      text(
        serializeNotebook({
          metadata: { nbformat: 4, nbformat_minor: 4, metadata: { language_info: { name: 'python' } } },
          cells: [
            { kind: CellKind.Code, value: 'recipe: custom-onnx-pyfunc', languageId: 'mlflow-wrapper' },
            {
              kind: CellKind.Code,
              value: 'x = 1',
              languageId: 'python',
              metadata: { ipynb: { metadata: { vscode: { languageId: 'mlflow-wrapper' } } } },
            },
          ],
        }),
      ),
    ) as { cells: { metadata: unknown }[] };
    assert.deepEqual(
      json.cells.map((c) => c.metadata),
      [{ vscode: { languageId: 'mlflow-wrapper' } }, {}],
    );
  });

  it('keeps text stored as one string as one string, and base64 that does not re-encode the same', () => {
    const source = {
      cell_type: 'code',
      execution_count: null,
      metadata: {},
      source: 'a = 1\nb = 2',
      outputs: [
        { output_type: 'display_data', metadata: {}, data: { 'text/plain': 'one\ntwo', 'image/png': 'iVBORw0K\nGgo=\n' } },
        { output_type: 'stream', name: 'stdout', text: 'x\ny\n' },
      ],
    };
    const bytes = new TextEncoder().encode(
      JSON.stringify({ cells: [source], metadata: {}, nbformat: 4, nbformat_minor: 4 }, null, 2) + '\n',
    );
    const json = JSON.parse(text(serializeNotebook(structuredClone(parseNotebook(bytes))))) as { cells: unknown[] };
    assert.deepEqual(json.cells[0], source);
    // The file's two-space indent is kept too.
    assert.match(text(serializeNotebook(parseNotebook(bytes))), /^\{\n {2}"cells"/);
  });

  it('refuses what is not an nbformat 4 notebook with a clear message, and opens an empty file as a new notebook', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    assert.throws(
      () => parseNotebook(enc('{"cells": [')),
      (e: Error) => e instanceof NotebookFormatError && /^Not a Jupyter notebook: the file is not valid JSON/.test(e.message),
    );
    assert.throws(() => parseNotebook(enc('{"worksheets": []}')), /^NotebookFormatError: Not a Jupyter notebook: it has no "cells" list$/);
    assert.throws(() => parseNotebook(enc('{"cells": [], "nbformat": 3}')), /nbformat 3\); convert it/);
    const empty = parseNotebook(enc(''));
    assert.deepEqual(JSON.parse(text(serializeNotebook(empty))), { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 });
  });
});
