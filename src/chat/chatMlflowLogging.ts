import * as vscode from 'vscode';
import type { MlflowClient } from '../mlflow/client';
import type { Experiment } from '../mlflow/entities';
import { notificationText, pickText } from '../views/displayName';
import { logBulkAssessments } from './bulkAssessments';
import { bulkRunRequest, bulkTraceIds } from './bulkResults';
import type { ChatBackend } from './chatBackend';
import type { ChatMlflowAccess } from './chatMlflowAccess';
import type { ChatPanelParts } from './chatPanelParts';
import { logChatRun, type ChatRunPhase, type LoggedChatRun } from './chatRunLogger';
import { conversationRunRequest, type ChatRunRequest, type RunModel } from './chatRunRequest';
import { errorMessage } from '../errorMessage';

const phaseText: Record<ChatRunPhase, string> = {
  creating: 'creating the run…',
  logging: 'logging params and metrics…',
  uploading: 'uploading artifacts…',
  finishing: 'finishing the run…',
};

/** The model as a logged run names it: with the MLflow URI it was opened from, when it was. */
export function runModelOf(backend: ChatBackend): RunModel {
  const origin = backend.ref.kind === 'local' ? backend.ref.mlflow : undefined;
  return { ...backend.exported, ...(origin ? { mlflowUri: origin.requestedUri } : {}) };
}

/** "Log to MLflow": the conversation (both sides when comparing) as a run. */
export async function logConversation(parts: ChatPanelParts): Promise<void> {
  const session = parts.session;
  if (session.busy || session.logging) return;
  if (session.conversation.turns.length === 0) {
    session.notice = { kind: 'error', message: 'Nothing to log yet: send a message first.' };
    return parts.show();
  }
  const compare = session.compare;
  const request = () =>
    conversationRunRequest({
      model: runModelOf(session.backend),
      settings: session.settings,
      conversation: session.conversation.snapshot,
      loggedAt: new Date(),
      ...(session.promptUri ? { promptUri: session.promptUri } : {}),
      ...(compare ? { compare: { model: runModelOf(compare.backend), conversation: compare.conversation.snapshot } } : {}),
    });
  await logRun(parts, compare ? 'comparison' : 'conversation', request, undefined, () => [
    ...session.conversation.traceIds,
    ...(compare?.conversation.traceIds ?? []),
  ]);
}

/**
 * "Log Results to MLflow": the bulk run's table as a run; when it was scored, with the pass rates,
 * and each answer's trace linked to the run with its scores as assessments (MLflow 3). Assessments
 * that cannot be written (an MLflow 2 server) leave the run logged and say why.
 */
export async function logBulk(parts: ChatPanelParts): Promise<void> {
  const bulk = parts.session.bulk;
  if (!bulk || bulk.running || bulk.scoring || parts.session.logging) return;
  const evaluation = bulk.evaluation;
  await logRun(
    parts,
    'bulk run',
    () =>
      bulkRunRequest({
        models: bulk.models,
        settings: bulk.settings,
        rows: bulk.rows,
        loggedAt: new Date(),
        ...(evaluation ? { evaluation } : {}),
        ...(bulk.promptUri ? { promptUri: bulk.promptUri } : {}),
      }),
    evaluation
      ? async (client, logged, signal) => {
          try {
            const written = await logBulkAssessments(client, {
              experimentId: logged.experimentId,
              runId: logged.runId,
              models: bulk.models,
              settings: bulk.settings,
              rows: bulk.rows,
              evaluation,
              signal,
              // The answers' own traces, sent in the background as they came, are on the server first.
              tracesLogged: () => parts.session.tracing.flushed(),
            });
            const missing = written.missingTraces.length
              ? ` ${written.missingTraces.length} answers' traces are not on the server, so their scores are only in the run.`
              : '';
            return ` Its ${written.traces} traces carry ${written.assessments} assessments.${missing}`;
          } catch (error) {
            parts.session.log(`Chat: the bulk run's assessments were not logged: ${errorMessage(error)}`);
            return ` Its scores are in the run's metrics, but not on traces: ${errorMessage(error)}`;
          }
        }
      : undefined,
    // A scored run's traces were linked with their assessments.
    () => (evaluation ? [] : bulkTraceIds(bulk.rows)),
  );
}

/**
 * Asks for the experiment, then logs the run with progress (and Cancel) in a notification, and
 * links the answers' traces to it. The panel keeps everything whatever happens; success offers to
 * show the run.
 */
async function logRun(
  parts: ChatPanelParts,
  what: string,
  makeRequest: () => ChatRunRequest,
  /** What is logged once the run is, in the same progress; answers a sentence for the notice. */
  afterRun: ((client: MlflowClient, logged: LoggedChatRun, signal: AbortSignal) => Promise<string>) | undefined,
  /** The traces to link to the run once it is logged (none when `afterRun` linked them). */
  traceIds: () => readonly string[],
): Promise<void> {
  const session = parts.session;
  const access = parts.host.mlflow;
  let client: MlflowClient;
  try {
    if (!access) throw new Error('Logging to MLflow is not available here.');
    client = access.client();
  } catch (error) {
    session.notice = { kind: 'error', message: errorMessage(error) };
    return parts.show();
  }
  session.logging = true;
  parts.show();
  try {
    const experiment = await pickExperiment(client, what);
    if (!experiment) return;
    const request = makeRequest();
    let more = '';
    const logged = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Logging the ${what} to MLflow`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort(new Error('cancelled')));
        const run = await logChatRun(client, experiment.experimentId, request, {
          signal: controller.signal,
          onPhase: (phase) => progress.report({ message: phaseText[phase] }),
        });
        if (afterRun) {
          progress.report({ message: 'logging traces and assessments…' });
          more = await afterRun(client, run, controller.signal);
        }
        return run;
      },
    );
    const linked = await linkTraces(parts, logged.runId, traceIds());
    session.notice = {
      kind: 'info',
      message: `Logged the ${what} to MLflow: run "${logged.runName}" (${logged.runId}) in experiment "${experiment.name}"${linked}.${more}`,
    };
    parts.show();
    void offerRun(access!, logged.experimentId, logged.runId, logged.runName);
  } catch (error) {
    session.log(`Chat: logging the ${what} to MLflow failed: ${errorMessage(error)}`);
    session.notice = { kind: 'error', message: errorMessage(error) };
  } finally {
    session.logging = false;
    parts.show();
  }
}

/** Links the traces to the run; what to add to the notice: how many, or why they are not linked (the run stays logged). */
async function linkTraces(parts: ChatPanelParts, runId: string, traceIds: readonly string[]): Promise<string> {
  if (traceIds.length === 0) return '';
  try {
    const linked = await parts.session.tracing.linkToRun(runId, traceIds);
    return linked === 0 ? '' : `, with its ${linked === 1 ? 'trace' : `${linked} traces`}`;
  } catch (error) {
    parts.session.log(`Chat: linking traces to run ${runId} failed: ${errorMessage(error)}`);
    return `; its traces could not be linked to it: ${errorMessage(error)}`;
  }
}

/** A bulk answer's trace, in MLflow's web UI (the experiment the panel traces into). */
export async function openTrace(parts: ChatPanelParts, traceId: string): Promise<void> {
  const state = parts.session.tracing.state;
  const url = state.kind === 'on' ? parts.host.mlflow?.traceUrl(state.experiment.experimentId, traceId) : undefined;
  if (!url) {
    parts.session.notice = { kind: 'info', message: `Trace ${traceId}: connect to its server to open it.` };
    return parts.show();
  }
  await vscode.env.openExternal(vscode.Uri.parse(url, true));
}

async function offerRun(access: ChatMlflowAccess, experimentId: string, runId: string, runName: string): Promise<void> {
  const reveal = 'Reveal in MLflow Explorer';
  const open = 'Open in MLflow UI';
  const answer = await vscode.window.showInformationMessage(notificationText(`Logged run "${runName}" to MLflow.`), reveal, open);
  if (answer === reveal) {
    try {
      if (!(await access.revealRun(experimentId, runId)))
        void vscode.window.showWarningMessage(
          notificationText(`Run ${runId} is not listed in the Experiments view (a filter, or more runs than one page?).`),
        );
    } catch (error) {
      void vscode.window.showErrorMessage(notificationText(`Could not show run ${runId} in the Experiments view: ${errorMessage(error)}`));
    }
  }
  const url = access.runUrl(experimentId, runId);
  if (answer === open && url) await vscode.env.openExternal(vscode.Uri.parse(url, true));
}

/**
 * The experiment to log to: those of the active connection, most recently updated first, or a
 * new one (an existing name is used as it is).
 */
export async function pickExperiment(client: MlflowClient, what: string): Promise<Experiment | undefined> {
  type Item = vscode.QuickPickItem & { experiment?: Experiment };
  const items = client.experiments.searchPage({ orderBy: ['last_update_time DESC'], maxResults: 500 }).then((page): Item[] => [
    { label: '$(add) New Experiment…' },
    ...page.items.map((experiment) => ({
      label: pickText(experiment.name),
      description: pickText(`ID ${experiment.experimentId}`),
      experiment,
    })),
  ]);
  const picked = await vscode.window.showQuickPick(items, {
    title: `Log the ${what} to MLflow: the experiment`,
    placeHolder: 'An experiment on the connected server, or a new one',
    matchOnDescription: true,
  });
  if (!picked) return undefined;
  if (picked.experiment) return picked.experiment;
  const name = await vscode.window.showInputBox({
    title: `Log the ${what} to MLflow: a new experiment`,
    prompt: "The new experiment's name",
    validateInput: (value) => (value.trim() ? undefined : 'Give the experiment a name.'),
  });
  if (!name?.trim()) return undefined;
  const existing = await client.experiments.getByName(name.trim());
  if (existing) return existing;
  return client.experiments.get(await client.experiments.create(name.trim()));
}
