import { homedir } from 'node:os';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../errorMessage';
import type { Ctx } from '../context';
import { MlflowError } from '../mlflow/errors';
import { logWrapperModel, WrapperPreflightError, WrapperRegistrationError } from '../mlflow/logWrapperModel';
import { pythonInterpreter } from '../pythonInterpreter';
import { CellExecutionQueue, type QueuedCell } from './cellExecutionQueue';
import { type JupyterOutput, outputFromJupyter } from './ipynb';
import { kernelEnvironment } from './kernelEnvironment';
import { toCellOutput, jupyterNotebookType, notebookType } from './notebookSerializer';
import { missingModules, pipInstall, recipeModules, recipeModulesImported } from './packageCheck';
import { type ExecutionEnd, type KernelOutput, PythonKernel } from './pythonKernel';
import { cardFacts, loggedModelMime, progressLine, pythonLoggedModelCard, wrapperCard } from './wrapperCard';
import { formatWrapperSpecProblem, parseWrapperSpec, wrapperCellLanguage } from './wrapperSpec';

export const controllerId = 'phi3-mlflow-python';
export const untrustedMessage =
  'This workspace is not trusted, so Phi-3 MLflow runs no notebook cell in it: a cell runs code (Python, or uploads to an MLflow server) with your rights. Trust the workspace (Manage Workspace Trust) to run cells.';

/** An error shown in a cell the way Python's are: a name, a message, and lines. */
function errorOutput(ename: string, evalue: string, traceback: string[] = [`${ename}: ${evalue}`]): vscode.NotebookCellOutput {
  return toCellOutput(outputFromJupyter({ output_type: 'error', ename, evalue, traceback }, false));
}

/**
 * Runs notebook cells: Python in one long-lived process per notebook (PythonKernel), and
 * `mlflow-wrapper` cells in TypeScript through logWrapperModel against the active connection.
 * Offered for the extension's own notebook type and for the Jupyter extension's.
 */
export class NotebookKernels implements vscode.Disposable {
  private readonly controllers: vscode.NotebookController[];
  private readonly kernels = new Map<string, PythonKernel>();
  private readonly executionCounts = new Map<string, number>();
  /** Each notebook's cells in the order they were asked to run (see CellExecutionQueue). */
  private readonly queues = new Map<string, CellExecutionQueue>();
  /** The wrapper cell being logged in each notebook: Interrupt cancels its upload. */
  private readonly wrapperRuns = new Map<string, AbortController>();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('mlflow-wrapper');
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx) {
    this.controllers = [
      { id: controllerId, type: notebookType },
      { id: `${controllerId}-jupyter`, type: jupyterNotebookType },
    ].map(({ id, type }) => {
      const controller = vscode.notebooks.createNotebookController(id, type, 'Phi-3 MLflow (Python)', (cells, notebook, c) =>
        this.execute(cells, notebook, c),
      );
      controller.supportedLanguages = ['python', wrapperCellLanguage];
      controller.supportsExecutionOrder = true;
      controller.description = 'Python cells and mlflow-wrapper cells, with the active MLflow connection';
      controller.interruptHandler = (notebook) => this.interrupt(notebook);
      return controller;
    });
    const ours = this.controllers[0]!;
    const prefer = (notebook: vscode.NotebookDocument) => {
      if (notebook.notebookType === notebookType) ours.updateNotebookAffinity(notebook, vscode.NotebookControllerAffinity.Preferred);
    };
    vscode.workspace.notebookDocuments.forEach(prefer);
    this.disposables.push(
      vscode.workspace.onDidOpenNotebookDocument(prefer),
      vscode.workspace.onDidCloseNotebookDocument((notebook) => this.closed(notebook)),
      // A running Python keeps the connection it started with (its environment): say so when it changes.
      ctx.onDidChangeConnection((state) => {
        if (state.kind !== 'connected' && state.kind !== 'disconnected') return;
        if (![...this.kernels.values()].some((kernel) => kernel.pid !== undefined)) return;
        void vscode.window.showInformationMessage(
          `Running notebooks still use the MLflow connection their Python started with. Restart Python in a notebook (Phi-3 MLflow: Restart Python) to use ${state.kind === 'connected' ? state.uri.original : 'no connection'}.`,
        );
      }),
      this.diagnostics,
      // What a run found is stale once the cell changes; the schema check (wrapperCellEditing) takes over while typing.
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (this.diagnostics.has(event.document.uri)) this.diagnostics.delete(event.document.uri);
      }),
    );
  }

  /** The kernel of a notebook, if its Python has been started (for tests and the restart command). */
  kernelOf(notebook: vscode.NotebookDocument): PythonKernel | undefined {
    return this.kernels.get(notebook.uri.toString());
  }

  /**
   * Ends the notebook's Python; the next run starts a new one, with the interpreter and the MLflow
   * connection as they are then (a changed setting or connection applies from there).
   */
  async restart(notebook: vscode.NotebookDocument): Promise<void> {
    const key = notebook.uri.toString();
    const kernel = this.kernels.get(key);
    this.executionCounts.delete(key);
    if (kernel) {
      await kernel.restart();
      if (this.kernels.get(key) === kernel) this.kernels.delete(key);
    }
    this.ctx.log.info(`Python restarted for ${notebook.uri.fsPath}`);
  }

  private closed(notebook: vscode.NotebookDocument): void {
    const key = notebook.uri.toString();
    this.kernels.get(key)?.dispose();
    this.kernels.delete(key);
    this.executionCounts.delete(key);
    this.queues.get(key)?.cancel();
    this.queues.delete(key);
    this.wrapperRuns.get(key)?.abort();
  }

  /** Queues the cells after whatever the notebook is running; resolves once each has run or ended as not run. */
  private execute(cells: vscode.NotebookCell[], notebook: vscode.NotebookDocument, controller: vscode.NotebookController): Promise<void> {
    const key = notebook.uri.toString();
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = new CellExecutionQueue()));
    const queued: QueuedCell[] = [];
    for (const cell of cells) {
      const cellKey = cell.document.uri.toString();
      if (queue.has(cellKey) || queued.some((q) => q.key === cellKey)) continue;
      // Created as the cell is queued, so VS Code shows it as pending until its turn.
      const execution = controller.createNotebookCellExecution(cell);
      queued.push({ key: cellKey, run: () => this.runCell(cell, notebook, execution), notRun: () => execution.end(undefined) });
    }
    return queue.queue(queued);
  }

  /** Runs one cell to its end; true when it succeeded. */
  private async runCell(
    cell: vscode.NotebookCell,
    notebook: vscode.NotebookDocument,
    execution: vscode.NotebookCellExecution,
  ): Promise<boolean> {
    const key = notebook.uri.toString();
    const count = (this.executionCounts.get(key) ?? 0) + 1;
    this.executionCounts.set(key, count);
    execution.executionOrder = count;
    execution.start(Date.now());
    await execution.clearOutput();
    if (!vscode.workspace.isTrusted) {
      await execution.replaceOutput(errorOutput('WorkspaceNotTrusted', untrustedMessage));
      execution.end(false, Date.now());
      return false;
    }
    try {
      const success =
        cell.document.languageId === wrapperCellLanguage
          ? await this.runWrapperCell(cell, notebook, execution)
          : await this.runPythonCell(cell, notebook, execution, count);
      execution.end(success, Date.now());
      return success;
    } catch (error) {
      this.ctx.log.error(`Cell ${cell.index + 1} of ${notebook.uri.fsPath}: ${errorMessage(error)}`);
      await execution.appendOutput(errorOutput('Error', errorMessage(error))).then(undefined, () => undefined);
      execution.end(false, Date.now());
      return false;
    }
  }

  private async runPythonCell(
    cell: vscode.NotebookCell,
    notebook: vscode.NotebookDocument,
    execution: vscode.NotebookCellExecution,
    count: number,
  ): Promise<boolean> {
    const kernel = await this.kernelFor(notebook);
    // Output updates are asynchronous: chained so they land in the order the cell wrote them.
    let updates: Thenable<void> = Promise.resolve();
    const enqueue = (update: () => Thenable<void>) => (updates = updates.then(update, update));
    let lastStream: { name: string; output: vscode.NotebookCellOutput } | undefined;
    const onOutput = (output: KernelOutput) => {
      if (output.type === 'stream') {
        const item =
          output.name === 'stderr' ? vscode.NotebookCellOutputItem.stderr(output.text) : vscode.NotebookCellOutputItem.stdout(output.text);
        // One output per run of the same stream, as Jupyter shows it.
        if (lastStream?.name === output.name) {
          const target = lastStream.output;
          enqueue(() => execution.appendOutputItems(item, target));
        } else {
          const created = toCellOutput(outputFromJupyter({ output_type: 'stream', name: output.name, text: output.text }, false));
          lastStream = { name: output.name, output: created };
          enqueue(() => execution.appendOutput(created));
        }
        return;
      }
      lastStream = undefined;
      const loggedCard = output.type === 'display' ? pythonLoggedModelCard(output.data[loggedModelMime]) : undefined;
      if (loggedCard) {
        // A model the cell logged with mlflow's log_model: the card, with its actions in the status bar.
        const card = toCellOutput(
          outputFromJupyter(
            {
              output_type: 'display_data',
              data: { 'text/markdown': loggedCard.markdown, 'text/plain': loggedCard.plain },
              metadata: { phi3_mlflow: loggedCard.facts },
            },
            false,
          ),
        );
        enqueue(() => execution.appendOutput(card));
        this.ctx.log.info(
          `Cell ${cell.index + 1} of ${notebook.uri.fsPath} logged ${loggedCard.facts.model_uri} (run ${loggedCard.facts.run_id})`,
        );
        this.ctx.explorer.refresh();
        return;
      }
      const jupyter: JupyterOutput =
        output.type === 'error'
          ? { output_type: 'error', ename: output.ename, evalue: output.evalue, traceback: output.traceback }
          : output.type === 'result'
            ? { output_type: 'execute_result', data: output.data, metadata: output.metadata, execution_count: count }
            : { output_type: 'display_data', data: output.data, metadata: output.metadata };
      const created = toCellOutput(outputFromJupyter(jupyter as unknown as Record<string, unknown>, false));
      enqueue(() => execution.appendOutput(created));
    };
    const end: ExecutionEnd = await kernel.execute(cell.document.getText(), onOutput);
    await updates;
    if ('message' in end) {
      const name = end.status === 'died' ? 'KernelDied' : end.status === 'failedToStart' ? 'KernelFailedToStart' : 'NotRun';
      await execution.appendOutput(errorOutput(name, end.message));
    }
    return end.status === 'ok';
  }

  private async kernelFor(notebook: vscode.NotebookDocument): Promise<PythonKernel> {
    const key = notebook.uri.toString();
    let kernel = this.kernels.get(key);
    if (!kernel) {
      const python = await pythonInterpreter(notebook.uri);
      const env = kernelEnvironment(process.env, this.ctx.activeConnection);
      // Before the first run: the recipe packages the cells import and this Python lacks are offered for install.
      void this.offerMissingPackages(notebook, python, env).catch((error: Error) =>
        this.ctx.log.warn(`Package check for ${notebook.uri.fsPath}: ${error.message}`),
      );
      kernel = new PythonKernel({
        python,
        driverDir: vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'media', 'python').fsPath,
        env,
        cwd:
          notebook.uri.scheme === 'file' ? dirname(notebook.uri.fsPath) : (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? homedir()),
        log: (line) => this.ctx.log.info(line),
      });
      this.kernels.set(key, kernel);
    }
    return kernel;
  }

  /** Offers to pip-install the recipe modules the notebook imports and its Python lacks; never blocks the run. */
  private async offerMissingPackages(notebook: vscode.NotebookDocument, python: string, env: NodeJS.ProcessEnv): Promise<void> {
    const sources = notebook
      .getCells()
      .filter((c) => c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'python')
      .map((c) => c.document.getText());
    const missing = await missingModules(python, recipeModulesImported(sources), env);
    if (missing.length === 0) return;
    const packages = missing.map((module) => recipeModules[module] ?? module);
    const install = 'Install';
    const choice = await vscode.window.showWarningMessage(
      `This notebook imports ${packages.join(', ')}, which its Python (${python}) does not have: cells importing ${packages.length === 1 ? 'it' : 'them'} will fail. Install into that Python now?`,
      install,
      'Not Now',
    );
    if (choice !== install) return;
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Installing ${packages.join(', ')} into ${python}`, cancellable: true },
        (progress, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          return pipInstall(python, packages, {
            env,
            signal: abort.signal,
            onLine: (line) => {
              this.ctx.log.info(`pip: ${line}`);
              progress.report({ message: line.length > 120 ? `${line.slice(0, 117)}…` : line });
            },
          });
        },
      );
      void vscode.window.showInformationMessage(
        `Installed ${packages.join(', ')}: cells can import ${packages.length === 1 ? 'it' : 'them'} now.`,
      );
    } catch (error) {
      this.ctx.log.error(errorMessage(error));
      void vscode.window.showErrorMessage(`${errorMessage(error).split('\n')[0]} (details in the Phi-3 MLflow log).`);
    }
  }

  private async runWrapperCell(
    cell: vscode.NotebookCell,
    notebook: vscode.NotebookDocument,
    execution: vscode.NotebookCellExecution,
  ): Promise<boolean> {
    const baseDir =
      notebook.uri.scheme === 'file' ? dirname(notebook.uri.fsPath) : (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? homedir());
    const parsed = parseWrapperSpec(cell.document.getText(), { baseDir });
    if (!parsed.ok) {
      this.diagnostics.set(
        cell.document.uri,
        parsed.problems.map(
          (p) =>
            new vscode.Diagnostic(
              new vscode.Range(p.line - 1, p.column - 1, p.line - 1, Number.MAX_SAFE_INTEGER),
              p.message,
              vscode.DiagnosticSeverity.Error,
            ),
        ),
      );
      const lines = parsed.problems.map(formatWrapperSpecProblem);
      await execution.replaceOutput(
        errorOutput('WrapperCellError', `${lines.length} problem${lines.length === 1 ? '' : 's'} in this mlflow-wrapper cell`, lines),
      );
      return false;
    }
    this.diagnostics.delete(cell.document.uri);
    const client = this.ctx.client;
    if (!client) {
      await execution.replaceOutput(
        errorOutput(
          'NotConnected',
          'Connect to an MLflow tracking server first (MLflow: Connect to Tracking Server…): the wrapper is logged to the active connection.',
        ),
      );
      return false;
    }
    const { spec } = parsed;
    const key = notebook.uri.toString();
    const abort = new AbortController();
    this.wrapperRuns.set(key, abort);
    const cancel = execution.token.onCancellationRequested(() => abort.abort());
    const progress = new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(progressLine({ phase: 'checking' }))]);
    await execution.replaceOutput(progress);
    let shown = '';
    let lastShown = 0;
    let updates: Thenable<void> = Promise.resolve();
    try {
      const logged = await logWrapperModel(client, spec, {
        pythonVersion: this.kernels.get(key)?.pythonVersion,
        sourceName: notebook.uri.fsPath,
        signal: abort.signal,
        onProgress: (p) => {
          const line = progressLine(p);
          // At most a few updates a second: the upload reports every chunk.
          if (line === shown || (p.phase === 'uploading' && Date.now() - lastShown < 250 && p.bytesDone !== p.bytesTotal)) return;
          shown = line;
          lastShown = Date.now();
          updates = updates.then(() => execution.replaceOutputItems(vscode.NotebookCellOutputItem.text(line), progress));
        },
      });
      await updates;
      await execution.replaceOutput(this.cardOutput(logged, spec.experiment, spec.model.onnxFolder));
      this.ctx.log.info(`Logged the wrapper model of ${notebook.uri.fsPath} as ${logged.modelUri} (run ${logged.runId})`);
      this.ctx.explorer.refresh();
      return true;
    } catch (error) {
      await updates;
      if (error instanceof WrapperRegistrationError) {
        await execution.replaceOutput([
          this.cardOutput(error.logged, spec.experiment, spec.model.onnxFolder),
          errorOutput('WrapperRegistrationError', error.message),
        ]);
        this.ctx.explorer.refresh();
      } else if (error instanceof WrapperPreflightError) {
        await execution.replaceOutput(
          errorOutput(
            'WrapperPreflightError',
            'The wrapper cannot be logged: nothing was created on the server.',
            error.problems.map((p) => `- ${p}`),
          ),
        );
      } else if (abort.signal.aborted || (error instanceof MlflowError && error.kind === 'cancelled')) {
        await execution.replaceOutput(
          errorOutput('Cancelled', 'Logging was cancelled: the run is marked KILLED and the logged model UPLOAD_FAILED.'),
        );
      } else {
        await execution.replaceOutput(errorOutput(error instanceof MlflowError ? 'MlflowError' : 'Error', errorMessage(error)));
      }
      return false;
    } finally {
      cancel.dispose();
      if (this.wrapperRuns.get(key) === abort) this.wrapperRuns.delete(key);
    }
  }

  private cardOutput(logged: Parameters<typeof wrapperCard>[0], experiment: string, onnxFolder: string): vscode.NotebookCellOutput {
    const card = wrapperCard(logged, experiment);
    return toCellOutput(
      outputFromJupyter(
        {
          output_type: 'display_data',
          data: { 'text/markdown': card.markdown, 'text/plain': card.plain },
          metadata: { phi3_mlflow: cardFacts(logged, onnxFolder) },
        },
        false,
      ),
    );
  }

  private async interrupt(notebook: vscode.NotebookDocument): Promise<void> {
    const key = notebook.uri.toString();
    // Interrupt stops the batch, not just its running cell: the cells waiting behind it end as not run.
    this.queues.get(key)?.cancel();
    this.wrapperRuns.get(key)?.abort();
    const kernel = this.kernels.get(key);
    if (!kernel?.busy) return;
    const graceSeconds = vscode.workspace.getConfiguration('phi3Mlflow').get<number>('interruptGraceSeconds', 5);
    if (await kernel.interrupt(graceSeconds * 1000)) return;
    const restart = 'Restart Python';
    const choice = await vscode.window.showWarningMessage(
      `The running cell did not stop ${graceSeconds} s after Interrupt (it may be inside native code, or catching KeyboardInterrupt). Restart its Python process? Names defined in the notebook are lost.`,
      restart,
    );
    if (choice === restart) await this.restart(notebook);
  }

  dispose(): void {
    for (const kernel of this.kernels.values()) kernel.dispose();
    this.kernels.clear();
    for (const queue of this.queues.values()) queue.cancel();
    for (const abort of this.wrapperRuns.values()) abort.abort();
    this.controllers.forEach((c) => c.dispose());
    this.disposables.forEach((d) => d.dispose());
  }
}
