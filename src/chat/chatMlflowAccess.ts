import * as vscode from 'vscode';
import type { Ctx } from '../context';
import type { MlflowClient } from '../mlflow/client';
import { webUiPaths } from '../mlflow/modelUris';

/** What the chat panel needs of the MLflow connection: the client, and where a logged run shows. */
export interface ChatMlflowAccess {
  /** The active connection's client; throws "connect first" when there is none. */
  client(): MlflowClient;
  /** The run's page in MLflow's web UI, when connected. */
  runUrl(experimentId: string, runId: string): string | undefined;
  /** The trace's page in MLflow's web UI, when connected. */
  traceUrl(experimentId: string, traceId: string): string | undefined;
  /** Shows the run in the Experiments tree; false when it is not listed there. */
  revealRun(experimentId: string, runId: string): Promise<boolean>;
}

export function chatMlflowAccess(ctx: Ctx): ChatMlflowAccess {
  return {
    client: () => ctx.requireClient(),
    runUrl: (experimentId, runId) => {
      const state = ctx.connection;
      return state.kind === 'connected' ? `${state.uri.restBase}/#${webUiPaths.run(experimentId, runId)}` : undefined;
    },
    traceUrl: (experimentId, traceId) => {
      const state = ctx.connection;
      return state.kind === 'connected' ? `${state.uri.restBase}/#${webUiPaths.trace(experimentId, traceId)}` : undefined;
    },
    revealRun: async (experimentId, runId) => {
      await vscode.commands.executeCommand('phi3Mlflow.experiments.focus');
      return ctx.explorer.revealRun(experimentId, runId);
    },
  };
}
