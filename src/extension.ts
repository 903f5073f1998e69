import * as vscode from 'vscode';
import { chatCommandContext, registerChat } from './chat/chatCommands';
import type { MetricChartsPanel } from './charts/metricChartsPanel';
import { createCommands } from './commands/commandTable';
import { registerCommands } from './commands/registerCommands';
import { affectsRequestTimeout, affectsRestrictedSettings, affectsTrackingUri } from './config';
import type { ConnectionState } from './connectionState';
import { Ctx } from './context';
import { registerNotebooks } from './notebook/registerNotebooks';
import { OnnxFolderContext } from './onnxLog/onnxFolderContext';
import type { OnnxLogPanel } from './onnxLog/onnxLogPanel';
import { artifactScheme } from './views/artifactDocuments';
import { PromptDocumentProvider, promptScheme } from './views/promptDocuments';
import type { Explorer } from './views/explorer';
import { traceScheme } from './views/traceDocuments';

/** What activate() returns: read by the in-host tests, and by other extensions that depend on this one. */
export interface Phi3MlflowApi {
  readonly connection: () => ConnectionState;
  readonly statusBarText: () => string;
  readonly statusBarTooltip: () => string;
  /** The served models' status bar items ("Serving <model> :port"), one per server. */
  readonly servedModelsStatusBar: () => readonly string[];
  /** The explorer's trees (providers and views), for tests and other extensions. */
  readonly explorer: Explorer;
  /** The open metric charts panel, if any. */
  readonly metricCharts: () => MetricChartsPanel | undefined;
  /** The workspace's folders holding genai_config.json, as the explorer's "Log ONNX Folder…" menu sees them. */
  readonly onnxFolders: () => readonly string[];
  /** The open "Log ONNX Folder as MLflow Model…" form, if any. */
  readonly onnxLogForm: () => OnnxLogPanel | undefined;
}

/** The active context, for deactivate() to flush the chat traces still queued. */
let active: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): Phi3MlflowApi {
  const ctx = new Ctx(context);
  active = ctx;
  context.subscriptions.push(ctx);

  const notebooks = registerNotebooks(ctx);
  const chat = chatCommandContext(ctx);
  const commands = createCommands(ctx, { chat, notebook: { ctx, kernels: notebooks.kernels }, serving: { ctx, chat } });
  const onnxFolders = new OnnxFolderContext();
  context.subscriptions.push(
    onnxFolders,
    vscode.workspace.registerTextDocumentContentProvider(artifactScheme, ctx.artifactDocuments),
    vscode.workspace.registerTextDocumentContentProvider(promptScheme, new PromptDocumentProvider(() => ctx.client)),
    vscode.workspace.registerTextDocumentContentProvider(traceScheme, ctx.traceDocuments),
    notebooks,
    registerCommands(ctx, commands),
    // After the commands: the startup chat opens through phi3Mlflow.openChat.
    registerChat(ctx, chat),
  );

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
    servedModelsStatusBar: () => ctx.served.statusBarTexts,
    explorer: ctx.explorer,
    metricCharts: () => ctx.metricCharts.current,
    onnxFolders: () => onnxFolders.folders,
    onnxLogForm: () => ctx.onnxLog.current,
  };
}

export async function deactivate(): Promise<void> {
  // Everything else is disposed through context.subscriptions (after this resolves).
  const ctx = active;
  active = undefined;
  // The served models' process groups stop (SIGTERM, SIGKILL after a grace period; Ctx.dispose kills
  // what is still left) while the traces flush.
  await Promise.all([ctx?.flushTraces(), ctx?.served.stopAll()]);
}
