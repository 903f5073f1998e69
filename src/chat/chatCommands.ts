import * as vscode from 'vscode';
import type { Ctx } from '../context';
import { clearConfirmation, type ClearResult, formatBytes } from '../mlflow/modelArtifactCache';
import { ExplorerNode } from '../views/explorerNode';
import type { ChatModelRef } from './chatBackend';
import { type ChatModelSource, pickChatModelCommand, type PickChatModelOptions, resolveChatModelCommand } from './chatModelPicker';
import { askScoringUrl, ChatModelSources, findModelFolders } from './chatModelSources';
import { chatMlflowAccess } from './chatMlflowAccess';
import { openChatOnStartup } from './chatOnStartup';
import { ChatPanel, chatViewType, type ChatPanelHost } from './chatPanel';
import { errorMessage } from '../errorMessage';

/**
 * The chat's commands and the serializer that brings its panels back after a reload. Everything
 * it registers is returned as one Disposable for extension.ts to keep.
 */
export function registerChat(ctx: Ctx): vscode.Disposable {
  const context = ctx.extension;
  const log = (line: string) => ctx.log.info(line);
  const host: ChatPanelHost = { extensionUri: context.extensionUri, workspaceState: context.workspaceState, globalState: context.globalState, log, mlflow: chatMlflowAccess(ctx) };
  const sources = new ChatModelSources(ctx);
  void openChatOnStartup(ctx, async (target) => vscode.commands.executeCommand('phi3Mlflow.openChat', target)).catch((error: unknown) => log(`Startup chat: ${errorMessage(error)}`));
  const guarded =
    (handler: (...args: unknown[]) => Promise<unknown>) =>
    async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (error) {
        const message = errorMessage(error);
        log(`Chat: ${message}`);
        void vscode.window.showErrorMessage(message);
        return undefined;
      }
    };
  return vscode.Disposable.from(
    vscode.commands.registerCommand('phi3Mlflow.openChat', guarded((arg) => openChat(host, sources, arg))),
    vscode.commands.registerCommand('phi3Mlflow.testInChat', guarded((arg) => openChat(host, sources, arg))),
    watchModelFolders(),
    vscode.commands.registerCommand('phi3Mlflow.chatWithServedModel', guarded((arg) => chatWithServedModel(host, sources, arg))),
    vscode.commands.registerCommand('phi3Mlflow.clearModelCache', guarded((confirmed) => clearModelCache(sources, confirmed))),
    // No guard: callers of pickChatModel / resolveChatModel get the error and say it where they show things.
    vscode.commands.registerCommand(pickChatModelCommand, (options?: PickChatModelOptions) => sources.pick(options)),
    vscode.commands.registerCommand(resolveChatModelCommand, (source: ChatModelSource) => sources.resolve(source)),
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
      void findModelFolders().then((folders) => vscode.commands.executeCommand('setContext', 'phi3Mlflow.modelFolders', folders.map((folder) => vscode.Uri.file(folder).path)));
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
  else if (typeof arg === 'string') ref = /^(runs|models):\//.test(arg.trim()) ? await sources.resolve({ kind: 'mlflow', uri: arg }) : { kind: 'local', folder: arg };
  else ref = await sources.pick({ title: 'Open Chat: which model?' });
  return ref ? ChatPanel.create(host, ref) : undefined;
}

/** "Phi-3: Chat with a Served Model…": an MLflow scoring server's URL, and the signature to speak. */
async function chatWithServedModel(host: ChatPanelHost, sources: ChatModelSources, arg: unknown): Promise<ChatPanel | undefined> {
  const url = typeof arg === 'string' ? arg : await askScoringUrl();
  if (!url) return undefined;
  const ref = await sources.resolve({ kind: 'served', url });
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
    void vscode.window.showInformationMessage(`The model cache (${plan.folder}) has nothing to clear${left ? ` (${left} item${left === 1 ? '' : 's'} in use or not made by the cache left alone)` : ''}.`);
    return undefined;
  }
  if (confirmed !== 'confirmed') {
    const answer = await vscode.window.showWarningMessage(confirmation.message, { modal: true, detail: confirmation.detail }, 'Delete');
    if (answer !== 'Delete') return undefined;
  }
  const result = await sources.clearCache();
  const kept = result.inUse.length ? ` ${result.inUse.length} in use by another window kept.` : '';
  void vscode.window.showInformationMessage(`Cleared the model cache: freed ${formatBytes(result.bytes)} (${result.entries} model${result.entries === 1 ? '' : 's'}) in ${result.folder}.${kept}`);
  return result;
}
