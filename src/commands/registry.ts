import * as vscode from 'vscode';
import type { CommandFactory } from './commandFactory';
import type { Ctx } from '../context';
import type { ModelVersion, Stage } from '../mlflow/entities';
import { displayName, notificationText, pickText } from '../views/displayName';
import { ExplorerNode, type RegistrableModel } from '../views/explorerNode';
import { AliasNode, ModelVersionNode } from '../views/modelNodes';
import { nodeOf, textArgument, UserFacingError } from './nodeArgument';

const selectionOf = (ctx: Ctx): readonly ExplorerNode[] => [
  ...ctx.explorer.experimentsView.selection,
  ...ctx.explorer.modelsView.selection,
];

/** The model to register: the node the command was invoked on, else the first registrable one selected. */
async function registrableOf(arg: unknown, selection: readonly ExplorerNode[]): Promise<RegistrableModel> {
  for (const node of [arg, ...selection]) {
    const model = node instanceof ExplorerNode ? node.registrable() : undefined;
    if (!model) continue;
    if (model.unchecked) {
      const { artifacts, folder } = model.unchecked;
      let hasMlmodel = false;
      for await (const entry of model.client.artifacts.list(artifacts, folder || undefined))
        if (entry.path.endsWith('MLmodel') && !entry.isDir) hasMlmodel = true;
      if (!hasMlmodel) throw new UserFacingError(`${folder || 'The artifact root'} holds no MLmodel file: it is not an MLflow model.`);
    }
    return model;
  }
  throw new UserFacingError('Select a logged model, or an artifact folder holding an MLmodel, first.');
}

/**
 * Registers a logged model (or a model folder of a run) under a new or an existing registered-model
 * name, and shows the new version in the Models view.
 */
export const registerModel: CommandFactory =
  (ctx) =>
  async (arg?: unknown, nameArg?: unknown): Promise<ModelVersion | undefined> => {
    const model = await registrableOf(arg, selectionOf(ctx));
    const name = textArgument(nameArg) || (await askRegisteredName(model));
    if (!name) return undefined;
    const version = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: pickText(`Registering ${model.label} as "${name}"…`) },
      () => model.client.registry.registerVersion({ name, source: model.source, runId: model.runId, modelId: model.modelId }),
    );
    ctx.log.info(`Registered ${model.source} as ${name} version ${version.version}`);
    ctx.explorer.models.refresh();
    void vscode.window.showInformationMessage(notificationText(`Registered ${model.label} as "${name}" version ${version.version}.`));
    return version;
  };

/** An existing registered model to add a version to, or the name of a new one. */
async function askRegisteredName(model: RegistrableModel): Promise<string | undefined> {
  const existing = await model.client.registry.searchModelsPage({ maxResults: 200, orderBy: ['name ASC'] });
  const newItem = { label: '$(add) New registered model…', name: undefined as string | undefined };
  const picked = await vscode.window.showQuickPick(
    [
      newItem,
      ...existing.items.map((m) => ({ label: pickText(m.name), description: 'add a version', name: m.name as string | undefined })),
    ],
    {
      title: `Register ${displayName(model.label)}`,
      placeHolder: 'A new registered model, or a new version of an existing one',
      ignoreFocusOut: true,
    },
  );
  if (!picked) return undefined;
  return (
    picked.name ??
    (
      await vscode.window.showInputBox({
        title: 'New Registered Model',
        prompt: 'Name',
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() ? undefined : 'Enter a name'),
      })
    )?.trim()
  );
}

/** Copies the URI MLflow loads the model from: runs:/, models:/<name>/<version>, models:/<name>@<alias>, models:/<model_id>. */
export const copyModelUri: CommandFactory =
  (ctx) =>
  async (arg?: unknown, which?: unknown): Promise<string | undefined> => {
    const node = [arg, ...selectionOf(ctx)].find((n): n is ExplorerNode => n instanceof ExplorerNode && n.modelUris().length > 0);
    if (!node) throw new UserFacingError('Select a model version, an alias, a logged model or a model folder first.');
    const choices = node.modelUris();
    const uri =
      which === 'version' || choices.length === 1
        ? choices[0]
        : (
            await vscode.window.showQuickPick(
              choices.map((choice) => ({ label: pickText(choice), choice })),
              { title: 'Copy Model URI' },
            )
          )?.choice;
    if (!uri) return undefined;
    await vscode.env.clipboard.writeText(uri);
    void vscode.window.setStatusBarMessage(pickText(`Copied ${uri}`), 3000);
    return uri;
  };

export const setAlias: CommandFactory =
  (ctx) =>
  async (arg?: unknown, aliasArg?: unknown): Promise<void> => {
    const node = nodeOf(arg, ModelVersionNode, selectionOf(ctx), 'a model version');
    const alias =
      textArgument(aliasArg) ??
      (await vscode.window.showInputBox({
        title: displayName(`Set Alias on ${node.version.name} Version ${node.version.version}`),
        prompt: 'An alias such as champion; it moves here from any other version',
        ignoreFocusOut: true,
        validateInput: (v) => (/^[A-Za-z0-9_-]+$/.test(v.trim()) ? undefined : 'Letters, digits, - and _ only'),
      }));
    if (!alias?.trim()) return;
    await node.client.registry.setAlias(node.version.name, alias.trim(), node.version.version);
    ctx.explorer.refresh(node.parent);
  };

export const removeAlias: CommandFactory =
  (ctx) =>
  async (arg?: unknown, aliasArg?: unknown): Promise<void> => {
    let versionNode: ModelVersionNode;
    let alias: string | undefined;
    if (arg instanceof AliasNode) {
      versionNode = arg.versionNode;
      alias = arg.alias;
    } else {
      versionNode = nodeOf(arg, ModelVersionNode, selectionOf(ctx), 'a model version');
      if (!versionNode.aliases.length) throw new UserFacingError(`Version ${versionNode.version.version} has no alias.`);
      alias =
        textArgument(aliasArg) ??
        (
          await vscode.window.showQuickPick(
            versionNode.aliases.map((a) => ({ label: pickText(a), alias: a })),
            { title: 'Remove Alias' },
          )
        )?.alias;
    }
    if (!alias) return;
    await versionNode.client.registry.deleteAlias(versionNode.version.name, alias);
    ctx.explorer.refresh(versionNode.parent);
  };

const stages: Stage[] = ['None', 'Staging', 'Production', 'Archived'];

/** Stages are deprecated since MLflow 2.9 (aliases replace them): offered for older workflows, and said so. */
export const transitionStage: CommandFactory =
  (ctx) =>
  async (arg?: unknown, stageArg?: unknown): Promise<void> => {
    const node = nodeOf(arg, ModelVersionNode, selectionOf(ctx), 'a model version');
    const stage =
      (stages.find((s) => s === stageArg) as Stage | undefined) ??
      (await vscode.window.showQuickPick(
        stages.filter((s) => s !== node.version.currentStage),
        {
          title: displayName(`Transition ${node.version.name} Version ${node.version.version} (deprecated: MLflow recommends aliases)`),
          placeHolder: `Now: ${node.version.currentStage}`,
        },
      ));
    if (!stage) return;
    await node.client.registry.transitionStage(node.version.name, node.version.version, stage as Stage);
    ctx.explorer.refresh(node.parent);
  };

/** Deletes a model version for good (MLflow has no restore for versions): asks first. */
export const deleteModelVersion: CommandFactory =
  (ctx) =>
  async (arg?: unknown, confirmed?: unknown): Promise<boolean> => {
    const node = nodeOf(arg, ModelVersionNode, selectionOf(ctx), 'a model version');
    if (confirmed !== 'confirmed') {
      const answer = await vscode.window.showWarningMessage(
        `Delete version ${node.version.version} of "${displayName(node.version.name)}"?`,
        {
          modal: true,
          detail: 'MLflow deletes model versions permanently; its aliases go with it. The source run and its artifacts stay.',
        },
        'Delete Version',
      );
      if (answer !== 'Delete Version') return false;
    }
    await node.client.registry.deleteVersion(node.version.name, node.version.version);
    ctx.explorer.refresh(node.parent);
    return true;
  };
