import * as vscode from 'vscode';
import { traceExperimentName, traceLogMode } from '../config';
import type { Ctx } from '../context';
import type { MlflowClient } from '../mlflow/client';
import { notificationText } from '../views/displayName';
import { pickExperiment } from './chatMlflowLogging';
import type { ChatTraceAccess, TraceExperiment } from './chatTracing';

/**
 * The chat's tracing as the editor offers it: the settings, the context's one TraceBatcher per
 * connection, the question of mode "ask" (a notification: the chat goes on while it waits), and
 * the experiment (the setting's, created when missing, or picked once a window for each server).
 */
export function chatTraceAccess(ctx: Ctx): ChatTraceAccess {
  const picked = new Map<string, TraceExperiment>();
  return {
    mode: traceLogMode,
    connection: () => ctx.traceConnection,
    confirm: async () => {
      const yes = 'Log Traces';
      const answer = await vscode.window.showInformationMessage(
        notificationText('Log the answers of this chat as MLflow traces on the connected server? (setting phi3Mlflow.traces.log)'),
        yes,
        'Not for This Chat',
      );
      return answer === yes;
    },
    experiment: async (client: MlflowClient) => {
      const name = traceExperimentName();
      if (name) {
        const existing = await client.experiments.getByName(name);
        if (existing) return { experimentId: existing.experimentId, name };
        try {
          return { experimentId: await client.experiments.create(name), name };
        } catch (error) {
          // Another panel (or window) created it meanwhile.
          const created = await client.experiments.getByName(name);
          if (created) return { experimentId: created.experimentId, name };
          throw error;
        }
      }
      const server = client.connection.uri.original;
      const remembered = picked.get(server);
      if (remembered) return remembered;
      const experiment = await pickExperiment(client, 'chat traces');
      if (!experiment) return undefined;
      const chosen = { experimentId: experiment.experimentId, name: experiment.name };
      picked.set(server, chosen);
      return chosen;
    },
  };
}
