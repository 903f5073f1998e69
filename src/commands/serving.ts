import * as vscode from 'vscode';
import type { ChatCommandContext } from '../chat/chatCommands';
import { pickSignature } from '../chat/servedEndpointPicker';
import { ChatPanel } from '../chat/chatPanel';
import type { Ctx } from '../context';
import { errorMessage } from '../errorMessage';
import { type MlflowModelSpec, mlflowModelUriOf, parseMlflowModelUri } from '../mlflow/mlflowModelSource';
import type { ScoringSignature } from '../mlflow/scoring/scoringSignature';
import { type ServeEnvManager, serveEnvManagers, ServeError } from '../mlflow/serving/modelServeProcess';
import { servedModelSignature } from '../mlflow/serving/servedModelSignature';
import { kernelEnvironment } from '../notebook/kernelEnvironment';
import { pythonInterpreter } from '../pythonInterpreter';
import { ExplorerNode } from '../views/explorerNode';
import { displayName, notificationText, pickText } from '../views/displayName';
import type { CommandFactories } from './commandFactory';
import { UserFacingError } from './nodeArgument';

/** What the serving commands act on: the shared context (its served models), and the chat they open. */
export interface ServingCommandContext {
  readonly ctx: Ctx;
  readonly chat: ChatCommandContext;
}

/** What Serve This Model answers (tests read it): the server, and the chat opened on it. */
export interface ServedModelResult {
  readonly modelUri: string;
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly reused: boolean;
  readonly panel: ChatPanel;
}

export const restrictedModeServeMessage =
  "Serve This Model runs the model's Python code (and, with virtualenv, installs its packages) on this machine: not in Restricted Mode. Trust this folder to serve models.";

/** The serving commands, for the one command table (commands/commandTable.ts). */
export const servingCommands: CommandFactories<ServingCommandContext> = {
  serveModel: (context) => (arg) => serveModel(context, arg),
  stopServing:
    ({ ctx }) =>
    (arg) =>
      stopServing(ctx, arg),
  servedModelMenu: (context) => (arg) => servedModelMenu(context, arg),
};

/** `phi3Mlflow.serve.envManager`: how MLflow builds the model's environment (local: the interpreter's own packages). */
function envManagerSetting(): ServeEnvManager {
  const value = vscode.workspace.getConfiguration('phi3Mlflow').get<string>('serve.envManager', 'local');
  return (serveEnvManagers as readonly string[]).includes(value) ? (value as ServeEnvManager) : 'local';
}

/** The model a Serve is about: the explorer node it was invoked on, a model URI, or one picked. */
async function modelToServe({ chat }: ServingCommandContext, arg: unknown): Promise<MlflowModelSpec | undefined> {
  const spec =
    arg instanceof ExplorerNode
      ? arg.modelSpec()
      : typeof arg === 'string'
        ? parseMlflowModelUri(arg)
        : await chat.sources.pickModelSpec('Serve This Model: which model?');
  if (arg instanceof ExplorerNode && !spec)
    throw new UserFacingError('Serve This Model works on a logged model, a model version or an alias.');
  if (spec?.kind === 'run' && !spec.path)
    throw new UserFacingError(
      `runs:/${spec.runId} is a run, not a model: serve its logged model, a version or an alias (or runs:/${spec.runId}/<model path>).`,
    );
  return spec;
}

/**
 * "Serve This Model": `python -m mlflow models serve` on a free port of 127.0.0.1 with the
 * connection's environment, its log in an output channel, its state in the status bar, a
 * cancellable progress until `/ping` answers, then the chat on it in the signature its MLmodel
 * names. A model already served is not started again: its chat opens. Refused in Restricted Mode.
 */
async function serveModel(context: ServingCommandContext, arg: unknown): Promise<ServedModelResult | undefined> {
  const { ctx, chat } = context;
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage(restrictedModeServeMessage);
    return undefined;
  }
  const spec = await modelToServe(context, arg);
  if (!spec) return undefined;
  const modelUri = mlflowModelUriOf(spec);
  const served = ctx.served;
  const running = served.get(modelUri);
  const known = served.signatureOf(modelUri);
  if (running && known) return openChat(chat, modelUri, running.url, running.port, running.pid, known, true);

  const client = ctx.requireClient();
  // The MLmodel says which request shape the model takes; unreadable or neither shape, the user says.
  const fromMlmodel = await servedModelSignature(client, spec).catch((error: unknown) => {
    ctx.log.warn(`Serve ${modelUri}: its MLmodel could not be read (${errorMessage(error)}); asking for the signature`);
    return undefined;
  });
  const signature = fromMlmodel ?? (await pickSignature());
  if (!signature) return undefined;
  const request = {
    python: await pythonInterpreter(),
    envManager: envManagerSetting(),
    // MLFLOW_TRACKING_URI and the connection's credentials, as the notebook's Python gets them: never logged.
    env: kernelEnvironment(process.env, ctx.activeConnection),
  };
  const controller = new AbortController();
  try {
    const { server, reused } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: notificationText(`Serving ${modelUri}`), cancellable: true },
      (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        progress.report({ message: 'starting mlflow models serve, then waiting for /ping (it downloads and loads the model first)…' });
        return served.serve(modelUri, request, signature, controller.signal);
      },
    );
    ctx.log.info(`${reused ? 'Reused the server of' : 'Serving'} ${modelUri} at ${server.url} (process group ${server.pid})`);
    return openChat(chat, modelUri, server.url, server.port, server.pid, served.signatureOf(modelUri) ?? signature, reused);
  } catch (error) {
    if (error instanceof ServeError && error.kind === 'cancelled') {
      void vscode.window.showInformationMessage(notificationText(`Serving ${modelUri} was cancelled; its process was stopped.`));
      return undefined;
    }
    ctx.log.error(`Serve ${modelUri}: ${errorMessage(error)}`);
    const showLog = 'Show Log';
    // The first line says why; the channel has the whole log.
    const headline = errorMessage(error).split('\n')[0]!;
    void vscode.window.showErrorMessage(notificationText(headline), showLog).then((choice) => {
      if (choice === showLog) served.channel(modelUri).show(true);
    });
    return undefined;
  }
}

function openChat(
  chat: ChatCommandContext,
  modelUri: string,
  url: string,
  port: number,
  pid: number,
  signature: ScoringSignature,
  reused: boolean,
): ServedModelResult {
  const panel = ChatPanel.create(chat.host, { kind: 'served', url, signature });
  return { modelUri, url, port, pid, reused, panel };
}

/** "Stop Serving": the model named (its URI), else the only one served, else the one picked; answers the URIs stopped. */
async function stopServing(ctx: Ctx, arg: unknown): Promise<string[]> {
  const served = ctx.served;
  const running = served.servers.servers;
  let uris: string[];
  if (typeof arg === 'string') uris = [arg];
  else if (running.length === 0) {
    void vscode.window.showInformationMessage('No model is served from this window.');
    return [];
  } else if (running.length === 1) uris = [running[0]!.modelUri];
  else {
    const picked = await vscode.window.showQuickPick(
      running.map((server) => ({ label: pickText(server.modelUri), description: server.url, picked: false, uri: server.modelUri })),
      { title: 'Stop Serving: which models?', canPickMany: true, ignoreFocusOut: true },
    );
    if (!picked?.length) return [];
    uris = picked.map((item) => item.uri);
  }
  const stopped: string[] = [];
  for (const uri of uris) {
    if (await served.servers.stop(uri)) {
      stopped.push(uri);
      ctx.log.info(`Stopped serving ${uri}`);
    }
  }
  if (stopped.length) void vscode.window.setStatusBarMessage(`Stopped serving ${stopped.map((uri) => displayName(uri)).join(', ')}`, 4000);
  else if (typeof arg === 'string') void vscode.window.showInformationMessage(notificationText(`${arg} is not served from this window.`));
  return stopped;
}

/** The status bar item's menu for one served model: chat, log, copy its URL, stop. */
async function servedModelMenu(context: ServingCommandContext, arg: unknown): Promise<void> {
  const { ctx } = context;
  const uri = typeof arg === 'string' ? arg : undefined;
  const server = uri ? ctx.served.get(uri) : undefined;
  if (!uri || !server) {
    void vscode.window.showInformationMessage(notificationText(`${uri ?? 'That model'} is not served any more.`));
    return;
  }
  const actions: Array<vscode.QuickPickItem & { run: () => unknown }> = [
    { label: '$(comment-discussion) Open Chat', detail: `Chat with it at ${server.url}`, run: () => serveModel(context, uri) },
    { label: '$(output) Show Log', run: () => ctx.served.channel(uri).show(true) },
    { label: '$(copy) Copy URL', detail: server.url, run: () => vscode.env.clipboard.writeText(server.url) },
    { label: '$(debug-stop) Stop Serving', run: () => stopServing(ctx, uri) },
  ];
  const picked = await vscode.window.showQuickPick(actions, { title: pickText(`Serving ${uri} on port ${server.port}`) });
  await picked?.run();
}
