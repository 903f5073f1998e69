import * as vscode from 'vscode';
import type { Ctx } from '../context';
import type { ModelVersion } from '../mlflow/entities';
import { notificationText, pickText } from '../views/displayName';
import { nameProblem, type WrapperCardFacts } from './wrapperCard';

/**
 * The card's "Register…": a new version of a registered model (created when missing, as
 * `mlflow.register_model` does) from the logged model a cell's card names, on the connected server.
 */
export async function registerLoggedModel(ctx: Ctx, facts: WrapperCardFacts, nameArg?: string): Promise<ModelVersion | undefined> {
  const client = ctx.requireClient();
  const name =
    nameArg ??
    (
      await vscode.window.showInputBox({
        title: `Register ${facts.model_uri}`,
        prompt: 'Registered model name: a new version is added when it exists',
        value: facts.registered_model?.name ?? '',
        ignoreFocusOut: true,
        validateInput: (v) => nameProblem(v.trim()),
      })
    )?.trim();
  if (!name) return undefined;
  const problem = nameProblem(name);
  if (problem) throw new Error(`${problem}: ${JSON.stringify(name)}`);
  // MLflow 3 registers the logged model by its models:/ URI; MLflow 2 by the files' location.
  const version = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: pickText(`Registering ${facts.model_uri} as "${name}"…`) },
    () =>
      client.registry.registerVersion({
        name,
        source: facts.model_id ? facts.model_uri : facts.artifact_uri,
        runId: facts.run_id,
        modelId: facts.model_id,
      }),
  );
  ctx.log.info(`Registered ${facts.model_uri} as ${name} version ${version.version}`);
  ctx.explorer.models.refresh();
  void vscode.window.showInformationMessage(notificationText(`Registered ${facts.model_uri} as "${name}" version ${version.version}.`));
  return version;
}
