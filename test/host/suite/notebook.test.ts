import assert from 'node:assert/strict';
import { copyFileSync, cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { writeLargeFile } from '../../harness/largeFile';
import { repoRoot, venvPython } from '../../harness/paths';
import { activatedApi } from './activation.test';
import { rest, serverUrl } from './explorerHelpers';
import {
  errorOf,
  finished,
  itemsOf,
  notebookType,
  openNotebook,
  openWithOurs,
  runCell,
  startCell,
  stdoutOf,
  text,
  waitFor,
  workspaceFile,
} from './notebookHelpers';

describe('notebooks: serializer and controller', function () {
  this.timeout(180_000);

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('saves a notebook Jupyter wrote byte for byte after an edit is undone (outputs, metadata, attachments kept)', async () => {
    const uri = workspaceFile('roundtrip.ipynb');
    copyFileSync(join(repoRoot, 'test', 'fixtures', 'notebooks', 'outputs.ipynb'), uri.fsPath);
    const original = readFileSync(uri.fsPath);
    const notebook = await openWithOurs(uri);
    assert.equal(notebook.cellCount, 7);
    assert.equal(notebook.cellAt(4).document.languageId, 'mlflow-wrapper');
    const cell = notebook.cellAt(1);
    const edit = (value: string) => {
      const workspaceEdit = new vscode.WorkspaceEdit();
      workspaceEdit.replace(cell.document.uri, new vscode.Range(0, 0, cell.document.lineCount, 0), value);
      return vscode.workspace.applyEdit(workspaceEdit);
    };
    const source = cell.document.getText();
    await edit('changed');
    await edit(source);
    assert.ok(notebook.isDirty);
    assert.ok(await notebook.save());
    assert.equal(Buffer.compare(readFileSync(uri.fsPath), original), 0, readFileSync(uri.fsPath, 'utf8'));
  });

  it('runs Python cells: names persist, stdout streams while the cell runs, execution order counts', async () => {
    const notebook = await openNotebook('streaming.ipynb', [
      { code: 'greeting = "hello"' },
      { code: 'import time\nfor i in range(3):\n    print(greeting, i, flush=True)\n    time.sleep(0.4)' },
    ]);
    const first = await runCell(notebook, 0);
    assert.equal(first.executionSummary?.success, true);
    startCell(notebook, 1);
    // The first line shows before the cell has ended.
    await waitFor(
      () => stdoutOf(notebook.cellAt(1)).startsWith('hello 0\n') && !finished(notebook.cellAt(1)),
      'the first line while the cell runs',
    );
    const second = await waitFor(() => (finished(notebook.cellAt(1)) ? notebook.cellAt(1) : undefined), 'the streaming cell to end');
    assert.equal(stdoutOf(second), 'hello 0\nhello 1\nhello 2\n');
    assert.equal(second.outputs.length, 1, 'one stream output, appended to');
    assert.equal(second.executionSummary?.executionOrder, (first.executionSummary?.executionOrder ?? 0) + 1);
  });

  it('shows rich outputs (HTML, Markdown, PNG, JSON, the last value) and an error with its traceback', async () => {
    const notebook = await openNotebook('rich.ipynb', [
      {
        code: 'import base64\nfrom phi3_display import HTML, Markdown, Image, JSON\ndisplay(HTML("<b>bold</b>"), Markdown("**md**"))\ndisplay(Image(base64.b64decode("iVBORw0KGgo=")))\ndisplay(JSON({"a": 1}))\n6 * 7',
      },
      { code: 'def f():\n    return 1 / 0\nf()' },
    ]);
    const rich = await runCell(notebook, 0);
    assert.equal(rich.executionSummary?.success, true);
    assert.deepEqual(
      rich.outputs.map((o) => o.items.map((i) => i.mime)),
      [
        ['text/html', 'text/plain'],
        ['text/markdown', 'text/plain'],
        ['image/png', 'text/plain'],
        ['application/json', 'text/plain'],
        ['text/plain'],
      ],
    );
    assert.equal(text(rich.outputs[0]!.items[0]!.data), '<b>bold</b>');
    assert.deepEqual([...rich.outputs[2]!.items[0]!.data.slice(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.equal(text(rich.outputs[4]!.items[0]!.data), '42');
    const failed = await runCell(notebook, 1);
    assert.equal(failed.executionSummary?.success, false);
    const error = errorOf(failed);
    assert.deepEqual([error?.name, error?.message], ['ZeroDivisionError', 'division by zero']);
    assert.match(error?.stack ?? '', /line 2, in f\n {4}return 1 \/ 0/);
  });

  it('interrupts time.sleep (KeyboardInterrupt), restarts Python, and reports a killed process', async () => {
    const notebook = await openNotebook('control.ipynb', [
      { code: 'import os, time\nkept = 1\nprint(os.getpid(), flush=True)\ntime.sleep(60)' },
      { code: 'print("kept" in globals())' },
      { code: 'import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(60)' },
    ]);
    startCell(notebook, 0);
    await waitFor(() => /^\d+\n/.test(stdoutOf(notebook.cellAt(0))), 'the sleeping cell to start');
    await vscode.commands.executeCommand('notebook.cancelExecution');
    const interrupted = await waitFor(
      () => (finished(notebook.cellAt(0)) ? notebook.cellAt(0) : undefined),
      'the interrupted cell to end',
      20_000,
    );
    assert.equal(interrupted.executionSummary?.success, false);
    assert.equal(errorOf(interrupted)?.name, 'KeyboardInterrupt');
    assert.equal(stdoutOf(await runCell(notebook, 1)), 'True\n');

    await vscode.commands.executeCommand('phi3Mlflow.restartKernel');
    assert.equal(stdoutOf(await runCell(notebook, 1)), 'False\n');

    startCell(notebook, 2);
    const pid = Number(await waitFor(() => /^(\d+)\n/.exec(stdoutOf(notebook.cellAt(2)))?.[1], 'the pid'));
    process.kill(pid, 'SIGKILL');
    const killed = await waitFor(() => (finished(notebook.cellAt(2)) ? notebook.cellAt(2) : undefined), 'the killed cell to end', 20_000);
    const error = errorOf(killed);
    assert.equal(error?.name, 'KernelDied');
    assert.match(
      error?.message ?? '',
      /^The Python process was killed \(SIGKILL\), most likely because the machine ran out of memory \(it had reached \d+ (MiB|KiB) of memory\)\. The next run starts a new Python process/,
    );
    // The next run starts a new process.
    assert.equal(stdoutOf(await runCell(notebook, 1)), 'False\n');
  });

  it('starts the interpreter of phi3Mlflow.pythonPath after Restart Python', async () => {
    const notebook = await openNotebook('interpreter.ipynb', [{ code: 'import sys\nprint(sys.executable)' }]);
    const settings = vscode.workspace.getConfiguration('phi3Mlflow');
    try {
      assert.notEqual(stdoutOf(await runCell(notebook, 0)), `${venvPython}\n`);
      await settings.update('pythonPath', venvPython, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('phi3Mlflow.restartKernel');
      assert.equal(stdoutOf(await runCell(notebook, 0)), `${venvPython}\n`);
    } finally {
      await settings.update('pythonPath', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it("without phi3Mlflow.pythonPath, starts the Python extension's active interpreter (else python3)", async () => {
    // ms-python.python here is the stand-in from test/fixtures/extension-standins/python (the real one
    // cannot be downloaded): its getActiveEnvironmentPath answers with pythonStandin.activeEnvironmentPath.
    assert.ok(vscode.extensions.getExtension('ms-python.python'), 'the Python extension stand-in is installed');
    const active = workspaceFile('active-python').fsPath;
    symlinkSync(venvPython, active);
    const notebook = await openNotebook('python-extension.ipynb', [{ code: 'import sys\nprint(sys.executable)' }]);
    const standin = vscode.workspace.getConfiguration('pythonStandin');
    try {
      await standin.update('activeEnvironmentPath', active, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('phi3Mlflow.restartKernel');
      assert.equal(stdoutOf(await runCell(notebook, 0)), `${active}\n`);
      // No active environment: python3.
      await standin.update('activeEnvironmentPath', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('phi3Mlflow.restartKernel');
      assert.notEqual(stdoutOf(await runCell(notebook, 0)), `${active}\n`);
    } finally {
      await standin.update('activeEnvironmentPath', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it("runs cells of a notebook opened with the Jupyter extension's notebook type", async () => {
    // ms-toolsai.jupyter here is the stand-in from test/fixtures/extension-standins/jupyter: the jupyter-notebook type.
    assert.ok(vscode.extensions.getExtension('ms-toolsai.jupyter'), 'the Jupyter extension stand-in is installed');
    const uri = workspaceFile('jupyter-type.ipynb');
    writeFileSync(
      uri.fsPath,
      JSON.stringify({
        cells: [{ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: 'print(6 * 7)' }],
        metadata: {},
        nbformat: 4,
        nbformat_minor: 5,
      }),
    );
    await vscode.commands.executeCommand('vscode.openWith', uri, 'jupyter-notebook');
    const notebook = await waitFor(
      () => vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === uri.toString() && n.notebookType === 'jupyter-notebook'),
      'the notebook to open as jupyter-notebook',
    );
    await vscode.commands.executeCommand('notebook.selectKernel', {
      id: 'phi3-mlflow-python-jupyter',
      extension: 'phi3-mlflow.phi3-mlflow',
    });
    assert.equal(stdoutOf(await runCell(notebook, 0)), '42\n');
  });

  it("logs a model from an mlflow-wrapper cell to the connected server, and points at a problem's line and column", async () => {
    // Earlier suites may have left another server connected (the basic-auth one) or none.
    const state = (await activatedApi()).connection();
    if (state.kind !== 'connected' || state.uri.original !== serverUrl) {
      const next = await vscode.commands.executeCommand<{ kind: string }>('phi3Mlflow.connect', serverUrl);
      assert.equal(next.kind, 'connected');
    }
    const onnxFolder = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4');
    const notebook = await openNotebook('wrapper.ipynb', [
      {
        code: `recipe: custom-onnx-pyfunc\nonnx_folder: ${onnxFolder}\nexperiment: notebook-wrapper-cells\nrun_name: from-a-cell\nregistered_model_name: notebook-wrapper\nalias: champion\n`,
        language: 'mlflow-wrapper',
      },
      { code: 'recipe: custom-onnx-pyfunc\nonnx_folder: /x\nsearch_options:\n  max_length: lots\n', language: 'mlflow-wrapper' },
    ]);
    const logged = await runCell(notebook, 0, 120_000);
    assert.equal(logged.executionSummary?.success, true, JSON.stringify(errorOf(logged)));
    const card = logged.outputs[0]!;
    const markdown = text(card.items.find((i) => i.mime === 'text/markdown')!.data);
    const facts = (
      card.metadata?.ipynb as {
        metadata: {
          phi3_mlflow: { model_uri: string; run_id: string; model_id: string; registered_model: { version: string; aliases: string[] } };
        };
      }
    ).metadata.phi3_mlflow;
    assert.match(facts.model_uri, /^models:\/m-[0-9a-f]+$/);
    assert.ok(markdown.startsWith(`**Logged the wrapper model** \`${facts.model_uri}\``), markdown);
    assert.match(markdown, /\| Signature \| prompt: string → string \|/);
    assert.deepEqual(facts.registered_model.aliases, ['champion']);
    // The server has it: a READY logged model from a FINISHED run, and the registered version with its alias.
    const model = await rest<{ model: { info: { status: string; source_run_id: string } } }>(`logged-models/${facts.model_id}`);
    assert.deepEqual([model.body.model.info.status, model.body.model.info.source_run_id], ['LOGGED_MODEL_READY', facts.run_id]);
    const run = await rest<{ run: { info: { status: string; run_name: string } } }>(`runs/get?run_id=${facts.run_id}`);
    assert.deepEqual([run.body.run.info.status, run.body.run.info.run_name], ['FINISHED', 'from-a-cell']);
    const alias = await rest<{ model_version: { version: string } }>('registered-models/alias?name=notebook-wrapper&alias=champion');
    assert.equal(alias.body.model_version.version, facts.registered_model.version);
    // The card's Register… action adds a version of another registered model from the same logged model.
    const version = await vscode.commands.executeCommand<{ name: string; version: string; runId: string }>(
      'phi3Mlflow.registerLoggedModel',
      facts,
      'notebook-wrapper-copy',
    );
    assert.deepEqual([version?.name, version?.version, version?.runId], ['notebook-wrapper-copy', '1', facts.run_id]);
    const copy = await rest<{ model_version: { model_id?: string; source: string } }>(
      'model-versions/get?name=notebook-wrapper-copy&version=1',
    );
    assert.equal(copy.body.model_version.source, facts.model_uri);

    const refused = await runCell(notebook, 1);
    assert.equal(refused.executionSummary?.success, false);
    const error = errorOf(refused);
    assert.equal(error?.name, 'WrapperCellError');
    assert.match(error?.stack ?? '', /^line 4, column 15: search_options\.max_length/m);
  });

  it('shows upload progress for an mlflow-wrapper cell, and Interrupt cancels the upload (the run is KILLED)', async () => {
    const state = (await activatedApi()).connection();
    if (state.kind !== 'connected' || state.uri.original !== serverUrl)
      await vscode.commands.executeCommand('phi3Mlflow.connect', serverUrl);
    // The tiny test model with a large extra file, so the upload lasts long enough to interrupt.
    const folder = workspaceFile('large-onnx-model').fsPath;
    cpSync(join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4'), folder, { recursive: true });
    await writeLargeFile(join(folder, 'extra-weights.bin'), 600);
    const notebook = await openNotebook('cancel.ipynb', [
      { code: `recipe: custom-onnx-pyfunc\nonnx_folder: ${folder}\nexperiment: notebook-wrapper-cancel\n`, language: 'mlflow-wrapper' },
    ]);
    startCell(notebook, 0);
    const progress = await waitFor(
      () => {
        const line = itemsOf(notebook.cellAt(0))
          .filter((i) => i.mime === 'text/plain')
          .map((i) => text(i.data))
          .find((t) => t.startsWith('Uploading the model:'));
        return line && !/^Uploading the model: 0 B of/.test(line) ? line : undefined;
      },
      'upload progress',
      60_000,
    );
    assert.match(progress, /^Uploading the model: \d+ (B|KiB|MiB) of 60\d MiB \(\d+%\)… Interrupt the cell to cancel\.$/);
    await vscode.commands.executeCommand('notebook.cancelExecution');
    const cancelled = await waitFor(
      () => (finished(notebook.cellAt(0)) ? notebook.cellAt(0) : undefined),
      'the cancelled cell to end',
      60_000,
    );
    assert.equal(cancelled.executionSummary?.success, false);
    assert.deepEqual(
      [errorOf(cancelled)?.name, errorOf(cancelled)?.message],
      ['Cancelled', 'Logging was cancelled: the run is marked KILLED and the logged model UPLOAD_FAILED.'],
    );
    const experiment = await rest<{ experiment: { experiment_id: string } }>(
      'experiments/get-by-name?experiment_name=notebook-wrapper-cancel',
    );
    const runs = await rest<{ runs: { info: { status: string } }[] }>('runs/search', {
      method: 'POST',
      body: { experiment_ids: [experiment.body.experiment.experiment_id] },
    });
    assert.deepEqual(
      runs.body.runs.map((r) => r.info.status),
      ['KILLED'],
    );
  });

  it("writes a wrapper notebook from a template (New Wrapper Notebook…) in the extension's notebook type", async () => {
    const onnxFolder = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4');
    const notebook = await vscode.commands.executeCommand<vscode.NotebookDocument>('phi3Mlflow.newWrapperNotebook', {
      recipe: 'custom-onnx-pyfunc',
      model: onnxFolder,
      artifactPath: 'phi3-mlflow-model',
    });
    assert.equal(notebook.notebookType, notebookType);
    assert.equal(vscode.window.activeNotebookEditor?.notebook, notebook);
    const cells = notebook.getCells();
    assert.deepEqual(
      cells.map((c) => c.document.languageId),
      ['markdown', 'python', 'python', 'python', 'python', 'python', 'markdown', 'python'],
    );
    assert.ok(cells[1]!.document.getText().includes(`ONNX_FOLDER = ${JSON.stringify(onnxFolder)}`));
    assert.match(cells[7]!.document.getText(), /^loaded = mlflow\.pyfunc\.load_model\(model_info\.model_uri\)/);
  });

  it('checks an mlflow-wrapper cell against the JSON schema as it is typed, and completes keys and values', async () => {
    const notebook = await openNotebook('typing.ipynb', [
      { code: 'recipe: custom-onnx-pyfunc\nonnx_folder: ./models/m\nsearch_options:\n  max_length: 64\n', language: 'mlflow-wrapper' },
    ]);
    const cell = notebook.cellAt(0);
    const schemaDiagnostics = () => vscode.languages.getDiagnostics(cell.document.uri).filter((d) => d.source === 'mlflow-wrapper schema');
    // Type into the cell's editor: select the value 64 and type a word over it, key by key.
    const notebookEditor = vscode.window.activeNotebookEditor;
    assert.equal(notebookEditor?.notebook, notebook);
    notebookEditor.selections = [new vscode.NotebookRange(0, 1)];
    await vscode.commands.executeCommand('notebook.cell.edit');
    const editor = await waitFor(
      () =>
        vscode.window.activeTextEditor?.document.uri.toString() === cell.document.uri.toString()
          ? vscode.window.activeTextEditor
          : undefined,
      'the cell editor to take focus',
    );
    assert.deepEqual(schemaDiagnostics(), []);
    editor.selection = new vscode.Selection(3, 14, 3, 16);
    for (const key of 'lots') await vscode.commands.executeCommand('type', { text: key });
    assert.equal(cell.document.lineAt(3).text, '  max_length: lots');
    // Checked once typing pauses: on a slow machine a pause between keys shows "lo" first, then "lots".
    const expected = '"search_options.max_length" must be a whole number (got "lots")';
    const diagnostic = await waitFor(() => schemaDiagnostics().find((d) => d.message === expected), 'the schema diagnostic for "lots"');
    assert.equal(schemaDiagnostics().length, 1);
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    assert.deepEqual(
      [diagnostic.range.start.line, diagnostic.range.start.character, diagnostic.range.end.line, diagnostic.range.end.character],
      [3, 14, 3, 18],
    );
    // Fixed, the diagnostic goes away.
    editor.selection = new vscode.Selection(3, 14, 3, 18);
    await vscode.commands.executeCommand('type', { text: '128' });
    await waitFor(() => schemaDiagnostics().length === 0, 'the diagnostic to go once the value is fixed');

    // Completion: the keys not there yet at the top level, and the allowed values of a key.
    const keys = await vscode.commands.executeCommand<vscode.CompletionList>(
      'vscode.executeCompletionItemProvider',
      cell.document.uri,
      new vscode.Position(4, 0),
    );
    const keyLabels = keys.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(keyLabels.includes('registered_model_name') && keyLabels.includes('signature'), keyLabels.join(', '));
    assert.ok(!keyLabels.includes('onnx_folder'), 'a key already there is not offered');
    editor.selection = new vscode.Selection(4, 0, 4, 0);
    await vscode.commands.executeCommand('type', { text: '  do_sample: ' });
    const values = await vscode.commands.executeCommand<vscode.CompletionList>(
      'vscode.executeCompletionItemProvider',
      cell.document.uri,
      new vscode.Position(4, 13),
    );
    const valueLabels = values.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(valueLabels.includes('true') && valueLabels.includes('false'), valueLabels.join(', '));
  });
});
