import * as vscode from 'vscode';
import { registerChat } from './chat/chatCommands';
import { MetricChartsPanel } from './charts/metricChartsPanel';
import type { CommandFactory } from './commands/commandFactory';
import * as artifacts from './commands/artifacts';
import * as charts from './commands/charts';
import * as connection from './commands/connection';
import * as experiments from './commands/experiments';
import * as explorer from './commands/explorer';
import { UserFacingError } from './commands/nodeArgument';
import * as registry from './commands/registry';
import { affectsRequestTimeout, affectsRestrictedSettings, affectsTrackingUri } from './config';
import type { ConnectionState } from './connectionState';
import { Ctx } from './context';
import { registerNotebooks } from './notebook/registerNotebooks';
import { artifactScheme } from './views/artifactDocuments';
import type { Explorer } from './views/explorer';
import { errorMessage } from './errorMessage';

/** What activate() returns: read by the in-host tests, and by other extensions that depend on this one. */
export interface Phi3MlflowApi {
  readonly connection: () => ConnectionState;
  readonly statusBarText: () => string;
  readonly statusBarTooltip: () => string;
  /** The explorer's trees (providers and views), for tests and other extensions. */
  readonly explorer: Explorer;
  /** The open metric charts panel, if any. */
  readonly metricCharts: () => MetricChartsPanel | undefined;
}

const commandFactories: Record<string, CommandFactory> = {
  connect: connection.connect,
  disconnect: connection.disconnect,
  forgetConnection: connection.forgetConnectionCommand,
  editConnection: connection.editConnection,
  openInBrowser: connection.openInBrowser,
  showLog: connection.showLog,
  refresh: explorer.refresh,
  retry: explorer.retry,
  cancelLoading: explorer.cancelLoading,
  loadMore: explorer.loadMore,
  filterExperiments: explorer.filterExperiments,
  clearExperimentFilter: explorer.clearExperimentFilter,
  showDeletedExperiments: explorer.showDeletedExperiments,
  hideDeletedExperiments: explorer.hideDeletedExperiments,
  filterModels: explorer.filterModels,
  createExperiment: experiments.createExperiment,
  renameExperiment: experiments.renameExperiment,
  deleteExperiment: experiments.deleteExperiment,
  restoreExperiment: experiments.restoreExperiment,
  filterRuns: experiments.filterRuns,
  clearRunFilter: experiments.clearRunFilter,
  toggleDeletedRuns: experiments.toggleDeletedRuns,
  deleteRun: experiments.deleteRun,
  restoreRun: experiments.restoreRun,
  copyRunId: experiments.copyRunId,
  setTag: experiments.setTag,
  deleteTag: experiments.deleteTag,
  editDescription: experiments.editDescription,
  openArtifact: artifacts.openArtifact,
  downloadArtifacts: artifacts.downloadArtifacts,
  registerModel: registry.registerModel,
  copyModelUri: registry.copyModelUri,
  setAlias: registry.setAlias,
  removeAlias: registry.removeAlias,
  transitionStage: registry.transitionStage,
  deleteModelVersion: registry.deleteModelVersion,
  showMetricCharts: charts.showMetricCharts,
};

export function activate(context: vscode.ExtensionContext): Phi3MlflowApi {
  const ctx = new Ctx(context);
  context.subscriptions.push(ctx);

  for (const [id, factory] of Object.entries(commandFactories)) {
    const handler = factory(ctx);
    // Every failure becomes a message (and a log line), never an unhandled rejection in the host.
    const guarded = async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (error) {
        const message = errorMessage(error);
        if (!(error instanceof UserFacingError)) ctx.log.error(`${id}: ${message}`);
        void vscode.window.showErrorMessage(message);
        return undefined;
      }
    };
    context.subscriptions.push(vscode.commands.registerCommand(`phi3Mlflow.${id}`, guarded));
  }
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(artifactScheme, ctx.artifactDocuments));
  context.subscriptions.push(registerNotebooks(ctx));
  context.subscriptions.push(registerChat(ctx));

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (affectsRestrictedSettings(event)) void ctx.updateIgnoredSettings();
      if (affectsTrackingUri(event)) void ctx.connectToConfigured().catch(() => undefined);
      else if (affectsRequestTimeout(event)) void ctx.applyRequestTimeout().catch(() => undefined);
    }),
    // Trusted now: the workspace's own server, when it names one, is the one to use.
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      void ctx.updateIgnoredSettings().then(async (before) => {
        if (before.includes('phi3Mlflow.trackingUri')) await ctx.connectToConfigured().catch(() => undefined);
      });
    }),
  );
  void ctx.updateIgnoredSettings();
  // The probe runs in the background: activation never waits on the network.
  void ctx.connectToConfigured().catch(() => undefined);
  ctx.log.info(`Phi-3 MLflow ${context.extension.packageJSON.version as string} activated`);

  return {
    connection: () => ctx.connection,
    statusBarText: () => ctx.statusBarText,
    statusBarTooltip: () => ctx.statusBarTooltip,
    explorer: ctx.explorer,
    metricCharts: () => MetricChartsPanel.active,
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
