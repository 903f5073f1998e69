import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { restrictedSetting } from '../config';
import type { Ctx } from '../context';
import type { MlflowClient } from '../mlflow/client';
import { MlflowError } from '../mlflow/errors';
import { type MlflowModelSpec, mlflowModelUriOf, parseMlflowModelUri, resolveMlflowModel } from '../mlflow/mlflowModelSource';
import { type ClearResult, type FoundOnnxFolder, ModelArtifactCache } from '../mlflow/modelArtifactCache';
import { normalizeScoringUrl } from '../mlflow/scoring/scoringClient';
import { checkAzureScoringUri, checkDatabricksInvocationsUrl, checkDeploymentName, providerName } from '../mlflow/scoring/scoringEndpoint';
import { searchLiteral } from '../mlflow/searchLiteral';
import { displayName, notificationText, pickText } from '../views/displayName';
import type { ChatModelRef } from './chatBackend';
import { allChatModelSourceKinds, type ChatModelSource, type ChatModelSourceKind, type PickChatModelOptions } from './chatModelPicker';
import {
  aliasItems,
  experimentItems,
  loggedModelItems,
  mib,
  onnxFolderItems,
  registeredModelItems,
  runItems,
  versionItems,
} from './mlflowModelPicks';
import { errorMessage } from '../errorMessage';
import { pickServedEndpoint, pickSignature } from './servedEndpointPicker';
import { ServedEndpointStore } from './servedEndpointStore';

export const modelCacheSetting = 'phi3Mlflow.chat.modelCacheDirectory';

/**
 * Every way to name a model for the chat: the picker behind "Phi-3: Open Chat…" and
 * `pickChatModel` (chatModelPicker.ts), and the download of models in MLflow into the model cache.
 */
export class ChatModelSources {
  /** One cache object per folder: it knows the downloads running in it. */
  private readonly caches = new Map<string, ModelArtifactCache>();
  /** The served endpoints used before, and the clouds' keys and tokens (SecretStorage). */
  readonly endpoints: ServedEndpointStore;

  constructor(private readonly ctx: Ctx) {
    this.endpoints = new ServedEndpointStore(ctx.extension.secrets, ctx.extension.globalState);
  }

  /** The model cache, where the setting says (default: the extension's global storage). */
  get cache(): ModelArtifactCache {
    const configured = restrictedSetting<string>('chat.modelCacheDirectory', '').trim();
    const root = configured || join(this.ctx.extension.globalStorageUri.fsPath, 'model-cache');
    let cache = this.caches.get(root);
    if (!cache) this.caches.set(root, (cache = new ModelArtifactCache(root)));
    return cache;
  }

  async pick(options: PickChatModelOptions = {}): Promise<ChatModelRef | undefined> {
    const kinds = new Set(options.kinds ?? allChatModelSourceKinds);
    type Item = vscode.QuickPickItem & { action?: () => Promise<ChatModelRef | undefined> };
    const items: Item[] = [];
    if (kinds.has('local')) {
      const folders = await findModelFolders();
      if (folders.length) items.push({ label: 'Local ONNX folders', kind: vscode.QuickPickItemKind.Separator });
      for (const folder of folders)
        items.push({
          label: `$(folder) ${pickText(vscode.workspace.asRelativePath(folder))}`,
          description: pickText(folder),
          action: async () => ({ kind: 'local', folder }),
        });
      items.push({
        label: '$(folder-opened) Choose a Local ONNX Folder…',
        detail: 'onnxruntime-genai (genai_config.json) or transformers.js (onnx/ and config.json)',
        action: () => this.pickLocalFolder(),
      });
    }
    if (kinds.has('served'))
      items.push({
        label: '$(cloud) Served Model…',
        detail: 'An MLflow scoring server (mlflow models serve), an Azure ML online endpoint or a Databricks serving endpoint',
        action: () => this.pickServed(),
      });
    const mlflowKinds: Array<[ChatModelSourceKind, string, string, (client: MlflowClient) => Promise<MlflowModelSpec | undefined>]> = [
      ['version', '$(versions) Registered Model Version…', 'models:/<name>/<version>', (client) => this.pickVersion(client)],
      [
        'alias',
        '$(bookmark) Registered Model Alias…',
        'models:/<name>@<alias>: the version it points to now',
        (client) => this.pickAlias(client),
      ],
      ['loggedModel', '$(package) Logged Model…', 'models:/<model_id> (MLflow 3)', (client) => this.pickLoggedModel(client)],
      ['run', "$(beaker) Run's Artifacts…", "runs:/<run_id>: the ONNX folder among a run's artifacts", (client) => this.pickRun(client)],
    ];
    const offered = mlflowKinds.filter(([kind]) => kinds.has(kind));
    if (offered.length) {
      items.push({ label: `MLflow${this.ctx.client ? ` — ${this.ctx.client.http.base}` : ''}`, kind: vscode.QuickPickItemKind.Separator });
      if (!this.ctx.client) {
        items.push({
          label: '$(plug) Connect to an MLflow Tracking Server…',
          detail: "To open a registered model, a logged model or a run's artifacts",
          action: async () => {
            await vscode.commands.executeCommand('phi3Mlflow.connect');
            return this.ctx.client ? this.pick(options) : undefined;
          },
        });
      } else {
        for (const [, label, detail, pickSpec] of offered) {
          items.push({ label, detail, action: async () => this.openFromSpec(await pickSpec(this.ctx.requireClient())) });
        }
        items.push({
          label: '$(link) Model URI…',
          detail: 'runs:/…, models:/<name>/<version>, models:/<name>@<alias>, models:/m-…',
          action: async () => this.openFromSpec(await this.askModelUri()),
        });
      }
    }
    const picked = await vscode.window.showQuickPick(items, {
      title: options.title ?? 'Open Chat: which model?',
      placeHolder: 'A local ONNX folder, a served model, or a model in MLflow',
      ignoreFocusOut: true,
      matchOnDescription: true,
    });
    return picked?.action?.();
  }

  /** What the chat panel needs for a source named without asking. */
  async resolve(source: ChatModelSource): Promise<ChatModelRef | undefined> {
    switch (source.kind) {
      case 'local':
        return { kind: 'local', folder: source.folder };
      case 'served': {
        const provider = source.provider ?? 'mlflow';
        // The same checks as when the user types them: a bad URL fails here, not at the first question.
        let url = source.url;
        if (provider === 'azureml') url = checkAzureScoringUri(url).url;
        else if (provider === 'databricks') url = checkDatabricksInvocationsUrl(url).url;
        else normalizeScoringUrl(url);
        const deployment = provider === 'azureml' ? checkDeploymentName(source.deployment) : undefined;
        const signature = source.signature ?? (await pickSignature());
        if (!signature) return undefined;
        return {
          kind: 'served',
          url,
          signature,
          ...(provider !== 'mlflow' ? { provider } : {}),
          ...(deployment ? { deployment } : {}),
        };
      }
      case 'mlflow':
        return this.openMlflow(parseMlflowModelUri(source.uri));
    }
  }

  /**
   * A model in MLflow, named by picking (a registered version, an alias, a logged model) or by its
   * URI, for commands that act on the model itself rather than chat with its ONNX folder (Serve).
   */
  async pickModelSpec(title: string): Promise<MlflowModelSpec | undefined> {
    const client = this.ctx.requireClient();
    const items: Array<vscode.QuickPickItem & { pick: () => Promise<MlflowModelSpec | undefined> }> = [
      { label: '$(versions) Registered Model Version…', detail: 'models:/<name>/<version>', pick: () => this.pickVersion(client) },
      { label: '$(bookmark) Registered Model Alias…', detail: 'models:/<name>@<alias>', pick: () => this.pickAlias(client) },
      { label: '$(package) Logged Model…', detail: 'models:/<model_id> (MLflow 3)', pick: () => this.pickLoggedModel(client) },
      {
        label: '$(link) Model URI…',
        detail: 'models:/<name>/<version>, models:/<name>@<alias>, models:/m-…, runs:/<run_id>/<path>',
        pick: () => this.askModelUri(),
      },
    ];
    const picked = await vscode.window.showQuickPick(items, { title, placeHolder: `A model on ${client.http.base}`, ignoreFocusOut: true });
    return picked?.pick();
  }

  private openFromSpec(spec: MlflowModelSpec | undefined): Promise<ChatModelRef | undefined> {
    return spec ? this.openMlflow(spec) : Promise.resolve(undefined);
  }

  /**
   * A model in MLflow as a local folder: resolved on the active connection, its ONNX folder found
   * in its artifacts and downloaded into the cache (or taken from there), with progress and Cancel.
   */
  async openMlflow(spec: MlflowModelSpec): Promise<ChatModelRef | undefined> {
    const client = this.ctx.requireClient();
    const cache = this.cache;
    const uri = mlflowModelUriOf(spec);
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: notificationText(`Opening ${uri}`), cancellable: true },
        async (progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          progress.report({ message: 'asking MLflow where its files are…' });
          const resolved = await resolveMlflowModel(client, spec);
          if (controller.signal.aborted) return undefined;
          let reported = 0;
          const cached = await cache.fetch(client, resolved, {
            signal: controller.signal,
            onStep: (step, detail) =>
              progress.report({ message: notificationText(`${step === 'listing' ? 'looking through' : 'downloading'} ${detail}…`) }),
            onProgress: (done, total) => {
              if (!total) return progress.report({ message: `downloading: ${mib(done)}` });
              const percent = (done / total) * 100;
              progress.report({ increment: percent - reported, message: `downloading: ${mib(done)} of ${mib(total)}` });
              reported = percent;
            },
            choose: (found) => chooseOnnxFolder(uri, found),
          });
          if (!cached) return undefined;
          this.ctx.log.info(
            cached.downloaded
              ? `Downloaded ${resolved.resolvedUri} (${cached.marker.artifactPath || 'artifact root'} of ${cached.marker.from}: ${cached.marker.files} files, ${mib(cached.marker.bytes)}) into ${cached.folder}`
              : `Opened ${resolved.resolvedUri} from the model cache (${resolved.cacheUri}): ${cached.folder}`,
          );
          return {
            kind: 'local' as const,
            folder: cached.folder,
            mlflow: {
              requestedUri: resolved.requestedUri,
              resolvedUri: resolved.resolvedUri,
              title: resolved.title,
              trackingUri: client.http.base,
            },
          };
        },
      );
    } catch (error) {
      if (error instanceof MlflowError && error.kind === 'cancelled') {
        void vscode.window.showInformationMessage(notificationText(`Download of ${uri} cancelled; nothing partial was kept.`));
        return undefined;
      }
      throw error;
    }
  }

  async clearCache(): Promise<ClearResult & { readonly folder: string }> {
    const cache = this.cache;
    return { ...(await cache.clear()), folder: cache.root };
  }

  /** What clearCache() would remove, for its confirmation. */
  async planClearCache(): Promise<ClearResult & { readonly folder: string }> {
    const cache = this.cache;
    return { ...(await cache.plan()), folder: cache.root };
  }

  private async pickLocalFolder(): Promise<ChatModelRef | undefined> {
    const chosen = await vscode.window.showOpenDialog({
      title: 'A Phi-3 ONNX model folder (genai_config.json, or onnx/ and config.json)',
      canSelectFolders: true,
      canSelectFiles: false,
      openLabel: 'Open Chat',
    });
    const folder = chosen?.[0]?.fsPath;
    return folder ? { kind: 'local', folder } : undefined;
  }

  /** "Chat with a Served Model…" and the picker's Served Model: kind, URL, deployment, key or token, signature. */
  async pickServed(): Promise<ChatModelRef | undefined> {
    const ref = await pickServedEndpoint(this.endpoints);
    // Where, never with what: the key or token stays in SecretStorage.
    if (ref?.kind === 'served')
      this.ctx.log.info(
        `Served model: ${providerName(ref.provider ?? 'mlflow')} ${ref.url}${ref.deployment ? ` (deployment ${ref.deployment})` : ''}, ${ref.signature.kind}`,
      );
    return ref;
  }

  private async askModelUri(): Promise<MlflowModelSpec | undefined> {
    const text = await vscode.window.showInputBox({
      title: 'Open a Model in MLflow',
      prompt: 'runs:/<run_id>[/<path>], models:/<name>/<version>, models:/<name>@<alias> or models:/<model_id>',
      placeHolder: 'models:/phi3-mini-onnx@champion',
      ignoreFocusOut: true,
      validateInput: (value) => {
        try {
          parseMlflowModelUri(value);
          return undefined;
        } catch (error) {
          return errorMessage(error);
        }
      },
    });
    return text ? parseMlflowModelUri(text) : undefined;
  }

  private async pickRegisteredModel(
    client: MlflowClient,
    withAliases: boolean,
  ): Promise<{ name: string; aliases: Record<string, string> } | undefined> {
    const page = await client.registry.searchModelsPage({ maxResults: 500, orderBy: ['name ASC'] });
    const models = page.items.filter((m) => !withAliases || Object.keys(m.aliases).length > 0);
    if (models.length === 0)
      throw new Error(
        withAliases ? `No registered model on ${client.http.base} has an alias.` : `${client.http.base} has no registered models.`,
      );
    const picked = await vscode.window.showQuickPick(registeredModelItems(models), { title: 'Registered Model', ignoreFocusOut: true });
    return picked ? { name: picked.model.name, aliases: { ...picked.model.aliases } } : undefined;
  }

  private async pickVersion(client: MlflowClient): Promise<MlflowModelSpec | undefined> {
    const model = await this.pickRegisteredModel(client, false);
    if (!model) return undefined;
    const versions = await client.registry.searchVersionsPage({
      filter: `name = ${searchLiteral(model.name)}`,
      orderBy: ['version_number DESC'],
      maxResults: 200,
    });
    if (versions.items.length === 0) throw new Error(`Registered model "${model.name}" has no versions.`);
    const picked = await vscode.window.showQuickPick(versionItems(versions.items, model.aliases), {
      title: `${displayName(model.name)}: which version?`,
      ignoreFocusOut: true,
    });
    return picked ? { kind: 'version', name: model.name, version: picked.version } : undefined;
  }

  private async pickAlias(client: MlflowClient): Promise<MlflowModelSpec | undefined> {
    const model = await this.pickRegisteredModel(client, true);
    if (!model) return undefined;
    const picked = await vscode.window.showQuickPick(aliasItems(model.aliases), {
      title: `${displayName(model.name)}: which alias?`,
      ignoreFocusOut: true,
    });
    return picked ? { kind: 'alias', name: model.name, alias: picked.alias } : undefined;
  }

  private async pickExperiment(client: MlflowClient): Promise<string | undefined> {
    const page = await client.experiments.searchPage({ maxResults: 500, orderBy: ['last_update_time DESC'] });
    const picked = await vscode.window.showQuickPick(experimentItems(page.items), { title: 'Experiment', ignoreFocusOut: true });
    return picked?.id;
  }

  private async pickRun(client: MlflowClient): Promise<MlflowModelSpec | undefined> {
    const experimentId = await this.pickExperiment(client);
    if (!experimentId) return undefined;
    const runs = await client.runs.searchPage({ experimentIds: [experimentId], orderBy: ['attributes.start_time DESC'], maxResults: 200 });
    if (runs.items.length === 0) throw new Error('This experiment has no runs.');
    const picked = await vscode.window.showQuickPick(runItems(runs.items), {
      title: 'Run',
      ignoreFocusOut: true,
      matchOnDescription: true,
    });
    return picked ? { kind: 'run', runId: picked.runId } : undefined;
  }

  private async pickLoggedModel(client: MlflowClient): Promise<MlflowModelSpec | undefined> {
    const experimentId = await this.pickExperiment(client);
    if (!experimentId) return undefined;
    const models = await client.loggedModels.searchPage({
      experimentIds: [experimentId],
      orderBy: [{ field: 'creation_timestamp', ascending: false }],
      maxResults: 100,
    });
    if (models.items.length === 0) throw new Error('This experiment has no logged models.');
    const picked = await vscode.window.showQuickPick(loggedModelItems(models.items), {
      title: 'Logged Model',
      ignoreFocusOut: true,
      matchOnDescription: true,
    });
    return picked ? { kind: 'loggedModel', modelId: picked.modelId } : undefined;
  }
}

async function chooseOnnxFolder(uri: string, found: readonly FoundOnnxFolder[]): Promise<FoundOnnxFolder | undefined> {
  const picked = await vscode.window.showQuickPick(onnxFolderItems(found), {
    title: `${displayName(uri)} holds ${found.length} ONNX model folders: which one?`,
    ignoreFocusOut: true,
  });
  return picked?.found;
}

/** The ONNX model folders of the workspace: onnxruntime-genai (genai_config.json) and transformers.js (onnx/ beside config.json). */
export async function findModelFolders(): Promise<string[]> {
  const [genai, transformersJs] = await Promise.all([
    vscode.workspace.findFiles('**/genai_config.json', '**/node_modules/**', 100),
    vscode.workspace.findFiles('**/onnx/model*.onnx', '**/node_modules/**', 100),
  ]);
  return [...new Set([...genai.map((uri) => dirname(uri.fsPath)), ...transformersJs.map((uri) => dirname(dirname(uri.fsPath)))])].sort();
}
