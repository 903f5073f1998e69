import * as vscode from 'vscode';
import type { CommandFactory } from './commandFactory';
import type { Page, Run } from '../mlflow/entities';
import { MlflowError } from '../mlflow/errors';
import { displayName, notificationText, pickText } from '../views/displayName';
import { ExperimentNode } from '../views/experimentNodes';
import { type ExplorerNode, KeyValueNode } from '../views/explorerNode';
import { ModelVersionNode, RegisteredModelNode } from '../views/modelNodes';
import { RunNode } from '../views/runNodes';
import { nodeOf, nodesOf, textArgument, UserFacingError } from './nodeArgument';
import { errorMessage } from '../errorMessage';

const experimentsSelection = (ctx: Parameters<CommandFactory>[0]): readonly ExplorerNode[] => ctx.explorer.experimentsView.selection;
const allSelection = (ctx: Parameters<CommandFactory>[0]): readonly ExplorerNode[] => [
  ...ctx.explorer.experimentsView.selection,
  ...ctx.explorer.modelsView.selection,
];

/** Creates an experiment (name asked, or given) and returns its id. */
export const createExperiment: CommandFactory =
  (ctx) =>
  async (arg?: unknown): Promise<string | undefined> => {
    const client = ctx.requireClient();
    const name =
      textArgument(arg) ??
      (await vscode.window.showInputBox({
        title: 'New MLflow Experiment',
        prompt: 'Experiment name',
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() ? undefined : 'Enter a name'),
      }));
    if (!name?.trim()) return undefined;
    const id = await client.experiments.create(name.trim());
    ctx.log.info(`Created experiment ${id} "${name.trim()}"`);
    ctx.explorer.experiments.refresh();
    return id;
  };

export const renameExperiment: CommandFactory =
  (ctx) =>
  async (arg?: unknown, newName?: unknown): Promise<void> => {
    const node = nodeOf(arg, ExperimentNode, experimentsSelection(ctx), 'an experiment');
    const name =
      textArgument(newName) ??
      (await vscode.window.showInputBox({
        title: `Rename Experiment "${displayName(node.experiment.name)}"`,
        value: node.experiment.name,
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() ? undefined : 'Enter a name'),
      }));
    if (!name?.trim() || name.trim() === node.experiment.name) return;
    await node.client.experiments.rename(node.experiment.experimentId, name.trim());
    ctx.explorer.experiments.refresh();
  };

/** Deletes experiments (MLflow moves them to the deleted stage: Restore brings them back). */
export const deleteExperiment: CommandFactory =
  (ctx) =>
  async (arg?: unknown, extra?: unknown): Promise<void> => {
    const nodes = nodesOf(arg, extra, ExperimentNode, experimentsSelection(ctx)).filter((n) => !n.deleted);
    if (!nodes.length) throw new UserFacingError('Select an active experiment in the MLflow explorer first.');
    for (const node of nodes) await node.client.experiments.delete(node.experiment.experimentId);
    ctx.explorer.experiments.refresh();
    void vscode.window.showInformationMessage(
      notificationText(
        `Deleted ${nodes.length === 1 ? `experiment "${nodes[0]!.experiment.name}"` : `${nodes.length} experiments`}. Show deleted experiments to restore.`,
      ),
    );
  };

export const restoreExperiment: CommandFactory =
  (ctx) =>
  async (arg?: unknown, extra?: unknown): Promise<void> => {
    const nodes = nodesOf(arg, extra, ExperimentNode, experimentsSelection(ctx)).filter((n) => n.deleted);
    if (!nodes.length) throw new UserFacingError('Select a deleted experiment (Show Deleted Experiments) first.');
    for (const node of nodes) await node.client.experiments.restore(node.experiment.experimentId);
    ctx.explorer.experiments.refresh();
  };

/**
 * Filters an experiment's runs with MLflow's search syntax. The filter is tried on the server first:
 * an invalid one shows the server's own message and the current filter stays.
 */
export const filterRuns: CommandFactory =
  (ctx) =>
  async (arg?: unknown, filterArg?: unknown): Promise<boolean> => {
    const node = nodeOf(arg, ExperimentNode, experimentsSelection(ctx), 'an experiment');
    const filter =
      textArgument(filterArg) ??
      (await vscode.window.showInputBox({
        title: `Filter Runs of "${displayName(node.experiment.name)}"`,
        prompt: "MLflow search syntax, e.g. metrics.loss < 0.5 and params.lr = '0.01'; empty shows all runs",
        value: node.runFilter,
        ignoreFocusOut: true,
      }));
    if (filter === undefined) return false;
    let firstPage: Page<Run>;
    try {
      // The first page itself checks the filter: an invalid one changes nothing, a valid one is shown.
      firstPage = await node.searchRuns(filter.trim());
    } catch (error) {
      const message = error instanceof MlflowError && error.serverMessage ? error.serverMessage : errorMessage(error);
      void vscode.window.showErrorMessage(notificationText(`Invalid run filter: ${message}`));
      return false;
    }
    ctx.explorer.experiments.refresh(node);
    node.showFilteredRuns(filter.trim(), firstPage);
    return true;
  };

export const clearRunFilter: CommandFactory =
  (ctx) =>
  (arg?: unknown): void => {
    const node = nodeOf(arg, ExperimentNode, experimentsSelection(ctx), 'an experiment');
    node.runFilter = '';
    ctx.explorer.experiments.refresh(node);
  };

export const toggleDeletedRuns: CommandFactory =
  (ctx) =>
  (arg?: unknown): void => {
    const node = nodeOf(arg, ExperimentNode, experimentsSelection(ctx), 'an experiment');
    node.showDeletedRuns = !node.showDeletedRuns;
    ctx.explorer.experiments.refresh(node);
  };

export const deleteRun: CommandFactory =
  (ctx) =>
  async (arg?: unknown, extra?: unknown): Promise<void> => {
    const nodes = nodesOf(arg, extra, RunNode, experimentsSelection(ctx)).filter((n) => n.run.info.lifecycleStage !== 'deleted');
    if (!nodes.length) throw new UserFacingError('Select a run in the MLflow explorer first.');
    for (const node of nodes) await node.client.runs.delete(node.runId);
    for (const parent of new Set(nodes.map((n) => n.parent))) ctx.explorer.refresh(parent);
    void vscode.window.showInformationMessage(
      notificationText(
        `Deleted ${nodes.length === 1 ? `run "${nodes[0]!.label}"` : `${nodes.length} runs`}. "Show Deleted Runs" on the experiment lists them to restore.`,
      ),
    );
  };

export const restoreRun: CommandFactory =
  (ctx) =>
  async (arg?: unknown, extra?: unknown): Promise<void> => {
    const nodes = nodesOf(arg, extra, RunNode, experimentsSelection(ctx)).filter((n) => n.run.info.lifecycleStage === 'deleted');
    if (!nodes.length) throw new UserFacingError('Select a deleted run first ("Show Deleted Runs" on its experiment).');
    for (const node of nodes) await node.client.runs.restore(node.runId);
    for (const parent of new Set(nodes.map((n) => n.parent))) ctx.explorer.refresh(parent);
  };

export const copyRunId: CommandFactory =
  (ctx) =>
  async (arg?: unknown): Promise<string> => {
    const node = nodeOf(arg, RunNode, allSelection(ctx), 'a run');
    await vscode.env.clipboard.writeText(node.runId);
    void vscode.window.setStatusBarMessage(pickText(`Copied run ID ${node.runId}`), 3000);
    return node.runId;
  };

type Taggable = ExperimentNode | RunNode | RegisteredModelNode | ModelVersionNode;

function taggableOf(arg: unknown, selection: readonly ExplorerNode[]): Taggable {
  for (const candidate of [arg, ...selection]) {
    if (
      candidate instanceof ExperimentNode ||
      candidate instanceof RunNode ||
      candidate instanceof RegisteredModelNode ||
      candidate instanceof ModelVersionNode
    )
      return candidate;
  }
  throw new UserFacingError('Select an experiment, a run, a registered model or a model version first.');
}

/** Sets a tag (`key=value`) on an experiment, a run, a registered model or a model version. */
export const setTag: CommandFactory =
  (ctx) =>
  async (arg?: unknown, keyArg?: unknown, valueArg?: unknown): Promise<void> => {
    const node = taggableOf(arg, allSelection(ctx));
    let key = textArgument(keyArg);
    let value = textArgument(valueArg);
    if (key === undefined) {
      const typed = await vscode.window.showInputBox({
        title: 'Set Tag',
        prompt: 'key=value',
        ignoreFocusOut: true,
        validateInput: (v) => (/^[^=]+=/.test(v) ? undefined : 'Write key=value'),
      });
      if (!typed) return;
      key = typed.slice(0, typed.indexOf('=')).trim();
      value = typed.slice(typed.indexOf('=') + 1);
    }
    value ??= '';
    if (node instanceof ExperimentNode) await node.client.experiments.setTag(node.experiment.experimentId, key, value);
    else if (node instanceof RunNode) await node.client.runs.setTag(node.runId, key, value);
    else if (node instanceof RegisteredModelNode) await node.client.registry.setModelTag(node.name, key, value);
    else await node.client.registry.setVersionTag(node.version.name, node.version.version, key, value);
    ctx.explorer.refresh(node instanceof ModelVersionNode ? node.parent : node);
  };

/** Deletes the tag the command is run on (a tag line under a run, a registered model or a model version). */
export const deleteTag: CommandFactory =
  (ctx) =>
  async (arg?: unknown): Promise<void> => {
    if (!(arg instanceof KeyValueNode) || !arg.contextValue.startsWith('tag.'))
      throw new UserFacingError('Run Delete Tag on a tag in the MLflow explorer.');
    let owner: ExplorerNode | undefined = arg.parent;
    while (owner && !(owner instanceof RunNode || owner instanceof RegisteredModelNode || owner instanceof ModelVersionNode))
      owner = owner.parent;
    if (owner instanceof RunNode) await owner.client.runs.deleteTag(owner.runId, arg.key);
    else if (owner instanceof RegisteredModelNode) await owner.client.registry.deleteModelTag(owner.name, arg.key);
    else if (owner instanceof ModelVersionNode)
      await owner.client.registry.deleteVersionTag(owner.version.name, owner.version.version, arg.key);
    else return;
    ctx.explorer.refresh(owner instanceof ModelVersionNode ? owner.parent : owner);
  };

/**
 * Edits the description of a registered model, a model version, an experiment or a run (the last two
 * keep it in the `mlflow.note.content` tag, as MLflow's UI does).
 */
export const editDescription: CommandFactory =
  (ctx) =>
  async (arg?: unknown, textArg?: unknown): Promise<void> => {
    const node = taggableOf(arg, allSelection(ctx));
    const current =
      node instanceof ExperimentNode
        ? (node.experiment.tags['mlflow.note.content'] ?? '')
        : node instanceof RunNode
          ? (node.run.tags['mlflow.note.content'] ?? '')
          : node instanceof RegisteredModelNode
            ? node.model.description
            : node.version.description;
    const text =
      textArgument(textArg) ?? (await vscode.window.showInputBox({ title: 'Edit Description', value: current, ignoreFocusOut: true }));
    if (text === undefined) return;
    if (node instanceof ExperimentNode) await node.client.experiments.setTag(node.experiment.experimentId, 'mlflow.note.content', text);
    else if (node instanceof RunNode) await node.client.runs.setTag(node.runId, 'mlflow.note.content', text);
    else if (node instanceof RegisteredModelNode) await node.client.registry.updateModelDescription(node.name, text);
    else await node.client.registry.updateVersionDescription(node.version.name, node.version.version, text);
    ctx.explorer.refresh(node instanceof ModelVersionNode ? node.parent : node instanceof ExperimentNode ? undefined : node);
  };
