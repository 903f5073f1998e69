import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { normalizeScoringUrl } from '../mlflow/scoring/scoringClient';
import { chatSignature, describeScoringSignature, promptSignature, scoringSignatureOf, type ScoringSignature } from '../mlflow/scoring/scoringSignature';
import { parseMlmodel } from '../mlflow/mlmodel';
import { parse as parseYaml } from 'yaml';
import { ChatPanel, chatViewType, type ChatPanelHost } from './chatPanel';

/**
 * The chat's commands and the serializer that brings its panels back after a reload. Everything
 * it registers is returned as one Disposable for extension.ts to keep.
 */
export function registerChat(context: vscode.ExtensionContext, log: (line: string) => void): vscode.Disposable {
  const host: ChatPanelHost = { extensionUri: context.extensionUri, workspaceState: context.workspaceState, globalState: context.globalState, log };
  const guarded =
    (handler: (...args: unknown[]) => Promise<unknown>) =>
    async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (error) {
        void vscode.window.showErrorMessage((error as Error).message);
        return undefined;
      }
    };
  return vscode.Disposable.from(
    vscode.commands.registerCommand('phi3Mlflow.openChat', guarded((arg) => openChat(host, arg))),
    vscode.commands.registerCommand('phi3Mlflow.testInChat', guarded((arg) => openChat(host, arg))),
    watchModelFolders(),
    vscode.commands.registerCommand('phi3Mlflow.chatWithServedModel', guarded((arg) => chatWithServedModel(host, arg))),
    vscode.window.registerWebviewPanelSerializer(chatViewType, {
      deserializeWebviewPanel: async (panel, state) => {
        ChatPanel.restore(host, panel, state);
      },
    }),
  );
}

/** The ONNX model folders of the workspace: onnxruntime-genai (genai_config.json) and transformers.js (onnx/ beside config.json). */
async function findModelFolders(): Promise<string[]> {
  const [genai, transformersJs] = await Promise.all([
    vscode.workspace.findFiles('**/genai_config.json', '**/node_modules/**', 100),
    vscode.workspace.findFiles('**/onnx/model*.onnx', '**/node_modules/**', 100),
  ]);
  return [...new Set([...genai.map((uri) => dirname(uri.fsPath)), ...transformersJs.map((uri) => dirname(dirname(uri.fsPath)))])].sort();
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

/** "Phi-3: Open Chat…": a model folder given (a Uri or path), found in the workspace, or picked. */
async function openChat(host: ChatPanelHost, arg: unknown): Promise<ChatPanel | undefined> {
  const given = arg instanceof vscode.Uri ? arg.fsPath : typeof arg === 'string' ? arg : undefined;
  const folder = given ?? (await pickModelFolder());
  return folder ? ChatPanel.create(host, { kind: 'local', folder }) : undefined;
}

async function pickModelFolder(): Promise<string | undefined> {
  const folders = await findModelFolders();
  const browse = { label: '$(folder-opened) Choose a Folder…', folder: undefined as string | undefined };
  const items = [...folders.map((folder) => ({ label: vscode.workspace.asRelativePath(folder), description: folder, folder })), browse];
  const picked = folders.length
    ? await vscode.window.showQuickPick(items, { title: 'Open Chat: a Phi-3 ONNX model folder', placeHolder: 'A model folder in the workspace, or choose one' })
    : browse;
  if (!picked) return undefined;
  if (picked.folder) return picked.folder;
  const chosen = await vscode.window.showOpenDialog({ title: 'A Phi-3 ONNX model folder (genai_config.json, or onnx/ and config.json)', canSelectFolders: true, canSelectFiles: false, openLabel: 'Open Chat' });
  return chosen?.[0]?.fsPath;
}

/** "Phi-3: Chat with a Served Model…": an MLflow scoring server's URL, and the signature to speak. */
async function chatWithServedModel(host: ChatPanelHost, arg: unknown): Promise<ChatPanel | undefined> {
  const url =
    typeof arg === 'string'
      ? arg
      : await vscode.window.showInputBox({
          title: 'Chat with a Served Model',
          prompt: 'The address of an MLflow scoring server (mlflow models serve), or of any endpoint that speaks its /invocations protocol',
          value: 'http://127.0.0.1:5001',
          validateInput: (value) => {
            try {
              normalizeScoringUrl(value);
              return undefined;
            } catch (error) {
              return (error as Error).message;
            }
          },
        });
  if (!url) return undefined;
  const signature = await pickSignature();
  return signature ? ChatPanel.create(host, { kind: 'served', url, signature }) : undefined;
}

async function pickSignature(): Promise<ScoringSignature | undefined> {
  const fromFile = { label: '$(file) Read It from the Model\'s MLmodel File…', signature: undefined as ScoringSignature | undefined };
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'llm/v1/chat', detail: describeScoringSignature(chatSignature), signature: chatSignature as ScoringSignature | undefined },
      { label: '{prompt} → string', detail: describeScoringSignature(promptSignature), signature: promptSignature as ScoringSignature | undefined },
      fromFile,
    ],
    { title: 'Which signature does the served model have?', placeHolder: 'The Phi-3 recipes log either a transformers llm/v1/chat model or a custom {prompt} wrapper' },
  );
  if (!picked) return undefined;
  if (picked.signature) return picked.signature;
  const file = await vscode.window.showOpenDialog({ title: 'The served model\'s MLmodel file', canSelectFiles: true, canSelectMany: false, openLabel: 'Use Its Signature' });
  if (!file?.[0]) return undefined;
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file[0]));
  const summary = parseMlmodel(text);
  const metadata = (parseYaml(text) as { metadata?: { task?: unknown } } | null)?.metadata;
  const signature = scoringSignatureOf(summary.signature, typeof metadata?.task === 'string' ? metadata.task : undefined);
  if (!signature) throw new Error(`${file[0].fsPath} has neither the llm/v1/chat signature nor a single string input: choose the signature yourself.`);
  return signature;
}
