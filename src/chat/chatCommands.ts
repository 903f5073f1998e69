import * as vscode from 'vscode';
import type { CommandFactories } from '../commands/commandFactory';
import type { Ctx } from '../context';
import { clearConfirmation, type ClearResult, formatBytes } from '../mlflow/modelArtifactCache';
import { ExplorerNode } from '../views/explorerNode';
import type { ChatModelRef } from './chatBackend';
import type { ChatModelSource, PickChatModelOptions } from './chatModelPicker';
import { ChatModelSources, findModelFolders } from './chatModelSources';
import { chatMlflowAccess } from './chatMlflowAccess';
import { chatTraceAccess } from './chatTraceAccess';
import { openChatOnStartup } from './chatOnStartup';
import { ChatPanel, chatViewType, type ChatPanelHost } from './chatPanel';
import { errorMessage } from '../errorMessage';
import { forgetServedEndpoint } from './servedEndpointPicker';

/** What the chat's commands share: how a panel reaches the editor, and where chat models come from. */
export interface ChatCommandContext {
  readonly host: ChatPanelHost;
  readonly sources: ChatModelSources;
}

export function chatCommandContext(ctx: Ctx): ChatCommandContext {
  const context = ctx.extension;
  const log = (line: string) => ctx.log.info(line);
  const sources = new ChatModelSources(ctx);
  return {
    host: {
      extensionUri: context.extensionUri,
      workspaceState: context.workspaceState,
      globalState: context.globalState,
      log,
      mlflow: chatMlflowAccess(ctx),
      traces: chatTraceAccess(ctx),
      openPanels: ctx.chatPanels,
      endpointSecrets: (endpoint) => sources.endpoints.secretOf(endpoint),
    },
    sources,
  };
}

/**
 * The chat's commands, for the one command table (commands/commandTable.ts). pickChatModel and
 * resolveChatModel (chatModelPicker.ts names them) are internal: their callers get their errors.
 */
export const chatCommands: CommandFactories<ChatCommandContext> = {
  openChat:
    ({ host, sources }) =>
    (arg) =>
      openChat(host, sources, arg),
  testInChat:
    ({ host, sources }) =>
    (arg) =>
      openChat(host, sources, arg),
  chatWithServedModel:
    ({ host, sources }) =>
    (arg) =>
      chatWithServedModel(host, sources, arg),
  forgetServedEndpoint:
    ({ sources }) =>
    () =>
      forgetServedEndpoint(sources.endpoints),
  clearModelCache:
    ({ sources }) =>
    (confirmed) =>
      clearModelCache(sources, confirmed),
  pickChatModel: {
    internal:
      ({ sources }) =>
      (options) =>
        sources.pick(options as PickChatModelOptions | undefined),
  },
  resolveChatModel: {
    internal:
      ({ sources }) =>
      (source) =>
        sources.resolve(source as ChatModelSource),
  },
};

/**
 * What the chat registers besides its commands: the serializer that brings its panels back after a
 * reload, the model-folder context key, and the startup chat (its command is registered by then).
 * Returned as one Disposable for extension.ts to keep.
 */
export function registerChat(ctx: Ctx, { host }: ChatCommandContext): vscode.Disposable {
  void openChatOnStartup(ctx, async (target) => vscode.commands.executeCommand('phi3Mlflow.openChat', target)).catch((error: unknown) =>
    host.log(`Startup chat: ${errorMessage(error)}`),
  );
  return vscode.Disposable.from(
    watchModelFolders(),
    vscode.window.registerWebviewPanelSerializer(chatViewType, {
      deserializeWebviewPanel: async (panel, state) => {
        ChatPanel.restore(host, panel, state);
      },
    }),
  );
}

/**
 * Keeps the context key `phi3Mlflow.modelFolders` (the model folders' paths, as `resourcePath`
 * has them) up to date, so "Test in Chat" shows on those folders in the file explorer only.
 */
function watchModelFolders(): vscode.Disposable {
  let timer: NodeJS.Timeout | undefined;
  const update = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      void findModelFolders().then((folders) =>
        vscode.commands.executeCommand(
          'setContext',
          'phi3Mlflow.modelFolders',
          folders.map((folder) => vscode.Uri.file(folder).path),
        ),
      );
    }, 500);
  };
  const watcher = vscode.workspace.createFileSystemWatcher('**/{genai_config.json,model*.onnx}', false, true, false);
  watcher.onDidCreate(update);
  watcher.onDidDelete(update);
  const folders = vscode.workspace.onDidChangeWorkspaceFolders(update);
  update();
  return vscode.Disposable.from(watcher, folders, { dispose: () => clearTimeout(timer) });
}

/**
 * "Phi-3: Open Chat…" and "Test in Chat": on a folder (a Uri or a path), a model URI (`runs:/…`,
 * `models:/…`), a run, logged model, model version or alias node of the MLflow explorer; without
 * one, the picker asks.
 */
async function openChat(host: ChatPanelHost, sources: ChatModelSources, arg: unknown): Promise<ChatPanel | undefined> {
  let ref: ChatModelRef | undefined;
  const spec = arg instanceof ExplorerNode ? arg.modelSpec() : undefined;
  if (spec) ref = await sources.openMlflow(spec);
  else if (arg instanceof vscode.Uri) ref = { kind: 'local', folder: arg.fsPath };
  else if (typeof arg === 'string')
    ref = /^(runs|models):\//.test(arg.trim()) ? await sources.resolve({ kind: 'mlflow', uri: arg }) : { kind: 'local', folder: arg };
  else ref = await sources.pick({ title: 'Open Chat: which model?' });
  return ref ? ChatPanel.create(host, ref) : undefined;
}

/**
 * "Phi-3: Chat with a Served Model…": an MLflow scoring server, an Azure ML online endpoint or a
 * Databricks serving endpoint (pickServed asks which, and its URL, key or token and signature). An
 * MLflow server's URL as the argument skips to the signature.
 */
async function chatWithServedModel(host: ChatPanelHost, sources: ChatModelSources, arg: unknown): Promise<ChatPanel | undefined> {
  const ref = typeof arg === 'string' ? await sources.resolve({ kind: 'served', url: arg }) : await sources.pickServed();
  return ref ? ChatPanel.create(host, ref) : undefined;
}

/**
 * "Phi-3: Clear Model Cache": asks first (modal, with the size), then removes the models the cache
 * downloaded — nothing else in the folder, and no model another window has open — and says what
 * that freed. `'confirmed'` as its argument skips the question (tests), as Delete Version does.
 */
async function clearModelCache(sources: ChatModelSources, confirmed?: unknown): Promise<ClearResult | undefined> {
  const plan = await sources.planClearCache();
  const confirmation = clearConfirmation(plan, plan.folder);
  if (!confirmation) {
    const left = plan.inUse.length + plan.notOurs.length;
    void vscode.window.showInformationMessage(
      `The model cache (${plan.folder}) has nothing to clear${left ? ` (${left} item${left === 1 ? '' : 's'} in use or not made by the cache left alone)` : ''}.`,
    );
    return undefined;
  }
  if (confirmed !== 'confirmed') {
    const answer = await vscode.window.showWarningMessage(confirmation.message, { modal: true, detail: confirmation.detail }, 'Delete');
    if (answer !== 'Delete') return undefined;
  }
  const result = await sources.clearCache();
  const kept = result.inUse.length ? ` ${result.inUse.length} in use by another window kept.` : '';
  void vscode.window.showInformationMessage(
    `Cleared the model cache: freed ${formatBytes(result.bytes)} (${result.entries} model${result.entries === 1 ? '' : 's'}) in ${result.folder}.${kept}`,
  );
  return result;
}
