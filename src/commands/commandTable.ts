import type { ChatCommandContext } from '../chat/chatCommands';
import { chatCommands } from '../chat/chatCommands';
import type { Ctx } from '../context';
import { notebookCommands, type NotebookCommandContext } from '../notebook/notebookCommands';
import { logOnnxFolder } from '../onnxLog/onnxLogCommand';
import * as artifacts from './artifacts';
import * as charts from './charts';
import type { Command, CommandFactories } from './commandFactory';
import * as connection from './connection';
import * as experiments from './experiments';
import * as explorer from './explorer';
import * as prompts from './prompts';
import * as registry from './registry';
import { servingCommands, type ServingCommandContext } from './serving';
import * as traces from './traces';

/** The commands over the shared Ctx: the explorer, its objects, the prompt registry, the connection and the charts. */
const explorerCommands: CommandFactories = {
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
  filterPrompts: explorer.filterPrompts,
  createExperiment: experiments.createExperiment,
  renameExperiment: experiments.renameExperiment,
  deleteExperiment: experiments.deleteExperiment,
  restoreExperiment: experiments.restoreExperiment,
  filterRuns: experiments.filterRuns,
  clearRunFilter: experiments.clearRunFilter,
  toggleDeletedRuns: experiments.toggleDeletedRuns,
  filterTraces: traces.filterTraces,
  clearTraceFilter: traces.clearTraceFilter,
  showTrace: traces.showTrace,
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
  usePromptInChat: prompts.usePromptInChat,
  registerPrompt: prompts.registerPrompt,
  openPromptTemplate: prompts.openPromptTemplate,
  copyPromptUri: prompts.copyPromptUri,
  showMetricCharts: charts.showMetricCharts,
  logOnnxFolder,
};

/** A command of the table, made: its handler, and whether the error guard wraps it (see registerCommands). */
export interface CommandEntry {
  readonly run: Command;
  readonly internal: boolean;
}

/** The contexts the chat's, the notebook's and the serving commands are factories over. */
export interface AreaContexts {
  readonly chat: ChatCommandContext;
  readonly notebook: NotebookCommandContext;
  readonly serving: ServingCommandContext;
}

/** Every command of the extension, by name without the `phi3Mlflow.` prefix, made over its area's context. */
export function createCommands(ctx: Ctx, areas: AreaContexts): Record<string, CommandEntry> {
  return {
    ...made(explorerCommands, ctx),
    ...made(chatCommands, areas.chat),
    ...made(notebookCommands, areas.notebook),
    ...made(servingCommands, areas.serving),
  };
}

function made<C>(factories: CommandFactories<C>, context: C): Record<string, CommandEntry> {
  return Object.fromEntries(
    Object.entries(factories).map(([name, factory]) => [
      name,
      typeof factory === 'function' ? { run: factory(context), internal: false } : { run: factory.internal(context), internal: true },
    ]),
  );
}
