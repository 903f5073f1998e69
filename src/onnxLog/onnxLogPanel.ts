import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from '../context';
import { errorMessage } from '../errorMessage';
import { MlflowError } from '../mlflow/errors';
import { type LoggedWrapperModel, logWrapperModel, WrapperPreflightError, WrapperRegistrationError } from '../mlflow/logWrapperModel';
import type { ModelVersion } from '../mlflow/entities';
import { promptToTextSignature } from '../mlflow/modelDirectory/modelSignature';
import { onnxFolderProblems } from '../mlflow/modelDirectory/onnxFolderProblems';
import { webUiPaths } from '../mlflow/modelUris';
import { cardFacts, progressLine, wrapperCardRows } from '../notebook/wrapperCard';
import { defaultInputExample } from '../notebook/wrapperSpec';
import { displayName, notificationText } from '../views/displayName';
import { WebviewHost, webviewOptions } from '../webview/webviewHost';
import { checkOnnxLogForm, defaultFormValues } from './onnxLogForm';
import {
  type OnnxLogCard,
  type OnnxLogCardAction,
  type OnnxLogFormValues,
  type OnnxLogHostToView,
  type OnnxLogState,
  type OnnxLogViewToHost,
  parseOnnxLogViewMessage,
} from './onnxLogProtocol';

export const onnxLogViewType = 'phi3Mlflow.logOnnxFolder';
export const untrustedLogMessage =
  'This workspace is not trusted, so Phi-3 MLflow uploads none of its files to an MLflow server (as its notebook cells do not run). Trust the workspace (Manage Workspace Trust) to log the folder.';

/** How a submit ended: what the form shows after it, for whoever waits on it (the tests, the command). */
export type OnnxLogOutcome =
  | { readonly kind: 'logged'; readonly logged: LoggedWrapperModel }
  | { readonly kind: 'invalid' | 'preflight' | 'failed' | 'cancelled' | 'busy' };

/**
 * The "Log ONNX Folder as MLflow Model…" form: a webview with every field at once (experiment, names,
 * registered model and alias, search options), the folder's pre-flight problems, progress while the
 * declarative wrapper engine (logWrapperModel) logs it, and the logged model's card with its actions.
 * What the page sends is checked again here (checkOnnxLogForm): the page is not trusted with values.
 */
export class OnnxLogPanel extends WebviewHost<OnnxLogHostToView, OnnxLogViewToHost> {
  private state: OnnxLogState;
  private logged: { model: LoggedWrapperModel; experiment: string } | undefined;
  private abort: AbortController | undefined;
  private readonly folderChecked: Promise<void>;
  private readonly connectionChanged: vscode.Disposable;

  static create(ctx: Ctx, folder: string): OnnxLogPanel {
    const panel = vscode.window.createWebviewPanel(
      onnxLogViewType,
      `Log ${basename(folder)} to MLflow`,
      vscode.ViewColumn.Active,
      webviewOptions(ctx.extension.extensionUri),
    );
    return new OnnxLogPanel(panel, ctx, folder);
  }

  private constructor(
    panel: vscode.WebviewPanel,
    private readonly ctx: Ctx,
    readonly folder: string,
  ) {
    super(panel, ctx.extension.extensionUri, { page: 'onnxLog', title: 'Log ONNX Folder as MLflow Model' }, parseOnnxLogViewMessage);
    this.state = {
      type: 'state',
      folder: displayName(folder),
      experiments: [],
      initialValues: defaultFormValues(),
      phase: 'editing',
      fieldProblems: {},
      preflightProblems: [],
    };
    this.folderChecked = this.checkFolder();
    this.connectionChanged = ctx.onDidChangeConnection(() => void this.loadServer());
    void this.loadServer();
  }

  /** What the form shows now (for the tests: the page gets the same). */
  get current(): OnnxLogState {
    return this.state;
  }

  get busy(): boolean {
    return this.state.phase === 'logging';
  }

  /** Resolves once the folder's problems (none, or what onnxFolderProblems found) are in the form. */
  whenFolderChecked(): Promise<void> {
    return this.folderChecked;
  }

  protected fullState(): OnnxLogHostToView {
    return this.state;
  }

  protected coveredByFullState(): boolean {
    // Every message is the full state.
    return true;
  }

  protected async onMessage(message: OnnxLogViewToHost): Promise<void> {
    switch (message.type) {
      case 'submit':
        await this.submit(message.values);
        return;
      case 'cancel':
        this.cancel();
        return;
      case 'connect':
        await vscode.commands.executeCommand('phi3Mlflow.connect');
        return;
      case 'action':
        await this.runAction(message.action).catch((error: unknown) => {
          this.ctx.log.error(`Log ONNX folder, ${message.action}: ${errorMessage(error)}`);
          void vscode.window.showErrorMessage(notificationText(errorMessage(error)));
        });
        return;
      case 'ready':
        return;
    }
  }

  private update(change: Partial<Omit<OnnxLogState, 'type'>>): void {
    this.state = { ...this.state, ...change };
    this.post(this.state);
  }

  private async checkFolder(): Promise<void> {
    try {
      this.update({ folderProblems: await onnxFolderProblems(this.folder) });
    } catch (error) {
      this.update({ folderProblems: [`The folder could not be read: ${errorMessage(error)}`] });
    }
  }

  /** The server's address and its experiments' names (the experiment field's suggestions). */
  private async loadServer(): Promise<void> {
    const connection = this.ctx.connection;
    const client = this.ctx.client;
    if (connection.kind !== 'connected' || !client) {
      this.update({ server: undefined, experiments: [] });
      return;
    }
    this.update({ server: connection.uri.original });
    try {
      const page = await client.experiments.searchPage({ maxResults: 500, orderBy: ['last_update_time DESC'] });
      this.update({ experiments: page.items.map((e) => displayName(e.name)) });
    } catch (error) {
      // Suggestions only: a new name can still be typed.
      this.ctx.log.warn(`Log ONNX folder: listing experiments: ${errorMessage(error)}`);
    }
  }

  /**
   * Checks the values, then logs the folder with progress in a cancellable notification (and in the
   * form). The pre-flight checks' problems, a failure or a cancellation show in the form; nothing is
   * left half-registered (logWrapperModel marks an interrupted model UPLOAD_FAILED, its run KILLED).
   */
  async submit(values: OnnxLogFormValues): Promise<OnnxLogOutcome> {
    if (this.busy) return { kind: 'busy' };
    const checked = checkOnnxLogForm(values);
    const cleared = { fieldProblems: {}, preflightProblems: [], error: undefined, card: undefined, progress: undefined };
    if (!checked.ok) {
      this.update({ ...cleared, fieldProblems: checked.problems, phase: 'editing' });
      return { kind: 'invalid' };
    }
    // As a notebook's cells: an untrusted folder's files are not uploaded.
    if (!vscode.workspace.isTrusted) {
      this.update({ ...cleared, phase: 'editing', error: untrustedLogMessage });
      return { kind: 'failed' };
    }
    const client = this.ctx.client;
    if (!client) {
      this.update({
        ...cleared,
        phase: 'editing',
        error:
          'Connect to an MLflow tracking server first (MLflow: Connect to Tracking Server…): the model is logged to the active connection.',
      });
      return { kind: 'failed' };
    }
    const { fields } = checked;
    const abort = new AbortController();
    this.abort = abort;
    this.logged = undefined;
    this.update({ ...cleared, phase: 'logging', progress: progressLine({ phase: 'checking' }, 'Cancel to stop.') });
    let lastShown = 0;
    try {
      const logged = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: notificationText(`Logging ${basename(this.folder)} to MLflow`),
          cancellable: true,
        },
        (progress, token) => {
          token.onCancellationRequested(() => abort.abort());
          return logWrapperModel(
            client,
            {
              model: {
                onnxFolder: this.folder,
                artifactName: fields.artifactName,
                searchOptions: fields.searchOptions,
                signature: promptToTextSignature,
                inputExample: { ...defaultInputExample },
              },
              modelName: fields.modelName,
              experiment: fields.experiment,
              runName: fields.runName,
              registeredModelName: fields.registeredModelName,
              alias: fields.alias,
            },
            {
              sourceName: this.folder,
              signal: abort.signal,
              onProgress: (p) => {
                const line = progressLine(p, 'Cancel to stop.');
                // At most a few updates a second: the upload reports every chunk.
                if (p.phase === 'uploading' && Date.now() - lastShown < 250 && p.bytesDone !== p.bytesTotal) return;
                lastShown = Date.now();
                progress.report({ message: notificationText(line) });
                if (line !== this.state.progress) this.update({ progress: line });
              },
            },
          );
        },
      );
      this.logged = { model: logged, experiment: fields.experiment };
      this.update({ phase: 'done', progress: undefined, card: this.card() });
      this.ctx.log.info(`Logged the ONNX folder ${this.folder} as ${logged.modelUri} (run ${logged.runId})`);
      this.ctx.explorer.refresh();
      return { kind: 'logged', logged };
    } catch (error) {
      if (error instanceof WrapperRegistrationError) {
        this.logged = { model: error.logged, experiment: fields.experiment };
        this.update({ phase: 'done', progress: undefined, card: this.card(), error: displayName(error.message) });
        this.ctx.explorer.refresh();
        return { kind: 'failed' };
      }
      if (error instanceof WrapperPreflightError) {
        this.update({ phase: 'editing', progress: undefined, preflightProblems: error.problems.map((p) => displayName(p)) });
        return { kind: 'preflight' };
      }
      if (abort.signal.aborted || (error instanceof MlflowError && error.kind === 'cancelled')) {
        this.update({
          phase: 'editing',
          progress: undefined,
          error:
            'Logging was cancelled and nothing was registered: a run already started is marked KILLED, its logged model UPLOAD_FAILED.',
        });
        return { kind: 'cancelled' };
      }
      this.ctx.log.error(`Log ONNX folder ${this.folder}: ${errorMessage(error)}`);
      this.update({ phase: 'editing', progress: undefined, error: displayName(errorMessage(error)) });
      return { kind: 'failed' };
    } finally {
      if (this.abort === abort) this.abort = undefined;
    }
  }

  /** Cancels the logging under way, as the form's Cancel button does. */
  cancel(): void {
    this.abort?.abort();
  }

  private card(): OnnxLogCard | undefined {
    if (!this.logged) return undefined;
    const { model, experiment } = this.logged;
    const version = model.registeredVersion;
    return {
      modelUri: displayName(model.modelUri),
      rows: wrapperCardRows(model, experiment).map(([name, value]) => [name, displayName(value)] as const),
      ...(version ? { registered: displayName(`${version.name} version ${version.version}`) } : {}),
    };
  }

  /** The card's buttons; also what the tests call. Answers what the action made (a version, a URL), if anything. */
  async runAction(action: OnnxLogCardAction): Promise<unknown> {
    if (!this.logged) return undefined;
    const { model } = this.logged;
    const facts = cardFacts(model, this.folder);
    switch (action) {
      case 'register': {
        const version = await vscode.commands.executeCommand<ModelVersion | undefined>('phi3Mlflow.registerLoggedModel', facts);
        if (version) {
          this.logged = { ...this.logged, model: { ...model, registeredVersion: version } };
          this.update({ card: this.card(), error: undefined });
        }
        return version;
      }
      case 'testInChat':
        return vscode.commands.executeCommand('phi3Mlflow.openChat', this.folder);
      case 'copyModelUri':
        await vscode.env.clipboard.writeText(model.modelUri);
        void vscode.window.setStatusBarMessage(`Copied ${displayName(model.modelUri)}`, 3000);
        return model.modelUri;
      case 'openInMlflow': {
        const connection = this.ctx.connection;
        if (connection.kind !== 'connected') throw new Error('Connect to the MLflow tracking server the model was logged to first.');
        const path = model.modelId
          ? webUiPaths.loggedModel(model.experimentId, model.modelId)
          : webUiPaths.run(model.experimentId, model.runId);
        const url = `${connection.uri.restBase}/#${path}`;
        await vscode.env.openExternal(vscode.Uri.parse(url, true));
        return url;
      }
    }
  }

  override dispose(): void {
    // Closing the form stops its upload: logWrapperModel marks what it started as failed.
    this.abort?.abort();
    this.connectionChanged.dispose();
    super.dispose();
  }
}
