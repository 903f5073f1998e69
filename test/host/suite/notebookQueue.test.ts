import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { errorOf, executeCells, finished, openNotebook, stdoutOf, whenNotebook, workspaceFile } from './notebookHelpers';

/** Runs one cell and resolves with it once it has ended. */
async function runOne(notebook: vscode.NotebookDocument, index: number): Promise<vscode.NotebookCell> {
  const before = notebook.cellAt(index).executionSummary?.timing?.endTime;
  void executeCells(notebook, index, index + 1);
  return whenNotebook(
    notebook,
    () => {
      const cell = notebook.cellAt(index);
      return finished(cell) && cell.executionSummary?.timing?.endTime !== before ? cell : undefined;
    },
    `cell ${index} to run`,
  );
}

/** The cell as a cell that never ran shows: no order, no success, no timing, no output. */
function assertNotRun(cell: vscode.NotebookCell): void {
  assert.deepEqual(
    [cell.executionSummary?.executionOrder, cell.executionSummary?.success, cell.executionSummary?.timing, cell.outputs.length],
    [undefined, undefined, undefined, 0],
  );
}

describe('notebooks: the execution queue', function () {
  this.timeout(120_000);

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('stops a batch at a failed cell: the cells after it end as not run', async () => {
    const notebook = await openNotebook('queue-failure.ipynb', [
      { code: 'print("one")' },
      { code: 'def f():\n    return 1 / 0\nf()' },
      { code: 'third_ran = True\nprint("three")' },
      { code: 'print("third_ran" in globals())' },
    ]);
    await executeCells(notebook, 0, 3);
    await whenNotebook(notebook, () => finished(notebook.cellAt(1)), 'the failing cell to end');
    const [first, second, third] = [notebook.cellAt(0), notebook.cellAt(1), notebook.cellAt(2)];
    assert.deepEqual([first.executionSummary?.success, stdoutOf(first)], [true, 'one\n']);
    assert.equal(second.executionSummary?.success, false);
    assert.equal(second.executionSummary?.executionOrder, (first.executionSummary?.executionOrder ?? 0) + 1);
    const error = errorOf(second);
    assert.deepEqual([error?.name, error?.message], ['ZeroDivisionError', 'division by zero']);
    assert.match(error?.stack ?? '', /line 2, in f\n {4}return 1 \/ 0/);
    assertNotRun(third);
    // The same Python never saw the third cell, and it took no order number.
    const probe = await runOne(notebook, 3);
    assert.equal(stdoutOf(probe), 'False\n');
    assert.equal(probe.executionSummary?.executionOrder, (second.executionSummary?.executionOrder ?? 0) + 1);
    assertNotRun(notebook.cellAt(2));
  });

  it('runs a batch asked for while another runs after it, in order', async () => {
    // The first cell blocks reading a FIFO until the test writes to it: the second batch is asked for meanwhile.
    const fifo = workspaceFile('queue-gate.fifo').fsPath;
    execFileSync('mkfifo', [fifo]);
    const notebook = await openNotebook('queue-batches.ipynb', [
      { code: `order = ["0"]\nprint("waiting", flush=True)\nopen(${JSON.stringify(fifo)}).read()` },
      { code: 'order.append("1")' },
      { code: 'order.append("2")' },
      { code: 'print(order)' },
    ]);
    const firstBatch = executeCells(notebook, 0, 2);
    await whenNotebook(notebook, () => stdoutOf(notebook.cellAt(0)) === 'waiting\n', 'the first cell to wait on the FIFO');
    const secondBatch = executeCells(notebook, 2, 4);
    await writeFile(fifo, 'go');
    await Promise.all([firstBatch, secondBatch]);
    await whenNotebook(notebook, () => finished(notebook.cellAt(3)) && stdoutOf(notebook.cellAt(3)) !== '', 'the last cell to end');
    const cells = notebook.getCells();
    assert.deepEqual(
      cells.map((c) => c.executionSummary?.success),
      [true, true, true, true],
    );
    assert.equal(stdoutOf(cells[3]!), "['0', '1', '2']\n");
    const first = cells[0]!.executionSummary?.executionOrder ?? 0;
    assert.deepEqual(
      cells.map((c) => c.executionSummary?.executionOrder),
      [first, first + 1, first + 2, first + 3],
    );
  });

  it('Interrupt stops the running cell and ends the cells waiting behind it as not run', async () => {
    const notebook = await openNotebook('queue-interrupt.ipynb', [
      { code: 'import time\nprint("sleeping", flush=True)\ntime.sleep(60)' },
      { code: 'second_ran = True' },
      { code: 'print("second_ran" in globals())' },
    ]);
    const batch = executeCells(notebook, 0, 2);
    await whenNotebook(notebook, () => stdoutOf(notebook.cellAt(0)) === 'sleeping\n', 'the sleeping cell to start');
    await vscode.commands.executeCommand('notebook.cancelExecution');
    await batch;
    await whenNotebook(notebook, () => finished(notebook.cellAt(0)), 'the interrupted cell to end');
    const interrupted = notebook.cellAt(0);
    assert.equal(interrupted.executionSummary?.success, false);
    assert.equal(errorOf(interrupted)?.name, 'KeyboardInterrupt');
    assertNotRun(notebook.cellAt(1));
    assert.equal(stdoutOf(await runOne(notebook, 2)), 'False\n');
  });
});
