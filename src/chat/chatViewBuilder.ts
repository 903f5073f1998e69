import { displayName } from '../views/displayName';
import type { BulkRow } from './bulkResults';
import { viewScoring } from './bulkScoringView';
import type { ChatViewState, ViewBulk, ViewBulkRow, ViewModel, ViewTracing, ViewTurn } from './chatProtocol';
import type { BulkState, ChatSession } from './chatSession';
import type { ChatSide } from './chatSide';
import type { Conversation } from './conversation';
import { describeFigures } from './conversationExport';
import type { RenderedAnswers } from './renderedAnswers';

/**
 * The session as the page draws it. Names from the server have their bidirectional controls made
 * visible (displayName.ts); a finished answer's HTML is rendered once (RenderedAnswers) and a bulk
 * row made once, so that working out what changed (chatViewSync.ts) does not redo the whole chat.
 */
export class ChatViewBuilder {
  private readonly rows = new WeakMap<BulkRow, ViewBulkRow>();

  constructor(
    private readonly rendered: RenderedAnswers,
    /** A streaming answer's text so far, rendered each time it is asked for (not kept: it changes). */
    private readonly renderPartial: (markdown: string) => string,
  ) {}

  state(session: ChatSession): ChatViewState {
    const compare = session.compare;
    return {
      sessionId: session.sessionId,
      model: viewModel(session.main),
      systemPrompt: session.conversation.systemPrompt,
      turns: this.turns(session.conversation),
      settings: session.settings,
      settingsRevision: session.settingsRevision,
      ...(session.backend.settingsNote ? { settingsNote: session.backend.settingsNote } : {}),
      busy: session.busy,
      rawMode: session.rawMode,
      ...(session.lastPrompt !== undefined ? { lastPrompt: session.lastPrompt } : {}),
      ...(session.context ? { context: session.context } : {}),
      ...(session.notice ? { notice: { ...session.notice, message: displayName(session.notice.message) } } : {}),
      ...(compare ? { compare: { model: viewModel(compare), turns: this.turns(compare.conversation) } } : {}),
      ...(session.bulk ? { bulk: this.bulk(session.bulk), scoring: viewScoring(session.bulk) } : {}),
      ...(session.logging ? { logging: true } : {}),
      ...tracingView(session),
      ...(session.promptUri ? { promptUri: displayName(session.promptUri) } : {}),
    };
  }

  private turns(conversation: Conversation): ViewTurn[] {
    return conversation.turns.map((turn) => ({
      id: turn.id,
      role: turn.role,
      text: turn.role === 'user' ? turn.content : '',
      ...(turn.role === 'assistant' ? { html: turn.pending ? this.renderPartial(turn.content) : this.rendered.htmlOf(turn.content) } : {}),
      ...(turn.figures ? { figures: describeFigures(turn) } : {}),
      ...(turn.pending ? { pending: true } : {}),
      ...(turn.error ? { error: turn.error } : {}),
      ...(turn.raw ? { raw: true } : {}),
    }));
  }

  private bulk(bulk: BulkState): ViewBulk {
    return {
      models: bulk.titles.map((title) => displayName(title)),
      file: bulk.file,
      total: bulk.total,
      running: bulk.running,
      cancelled: bulk.cancelled,
      rows: bulk.rows.map((row) => this.row(row)),
      ...(bulk.problems ? { problems: bulk.problems } : {}),
    };
  }

  private row(row: BulkRow): ViewBulkRow {
    let shown = this.rows.get(row);
    if (!shown) {
      shown = {
        line: row.prompt.line,
        prompt: row.prompt.prompt,
        answers: row.answers.map((answer) => ({
          text: answer.text,
          latencyMs: Math.round(answer.latencyMs),
          ...(answer.figures ? { figures: describeFigures(answer) } : {}),
          ...(answer.figures?.newTokens !== undefined ? { newTokens: answer.figures.newTokens } : {}),
          ...(answer.error ? { error: answer.error } : {}),
          ...(answer.traceId ? { traceId: answer.traceId } : {}),
        })),
      };
      this.rows.set(row, shown);
    }
    return shown;
  }
}

/** The tracing indicator: shown when the answers are traced, being decided, or asked for and impossible. */
function tracingView(session: ChatSession): { tracing?: ViewTracing } {
  const state = session.tracing.state;
  switch (state.kind) {
    case 'off':
      return {};
    case 'deciding':
      return {
        tracing: {
          kind: 'deciding',
          text: state.asking ? "Traces: log this chat's answers? (answer in the notification)" : 'Traces: checking the server…',
        },
      };
    case 'on':
      return {
        tracing: { kind: 'on', text: displayName(`Traced to experiment "${state.experiment.name}" on ${state.serverUri}`) },
      };
    case 'unavailable':
      return { tracing: { kind: 'unavailable', text: displayName(state.message) } };
  }
}

/** The model as the page shows it: its title, where it comes from, and whether it is loaded. */
function viewModel(side: ChatSide): ViewModel {
  const model = side.backend.ref;
  return {
    title: displayName(side.backend.title),
    detail: displayName(
      model.kind === 'local'
        ? model.mlflow
          ? `MLflow model ${model.mlflow.resolvedUri} from ${model.mlflow.trackingUri}, downloaded to ${model.folder}`
          : `Local ONNX model: ${model.folder}`
        : `Served by ${side.backend.exported.provider ?? 'MLflow'}: ${side.backend.exported.location}${side.backend.exported.deployment ? `, deployment ${side.backend.exported.deployment}` : ''} (${model.signature.kind})`,
    ),
    status: side.status,
    ...(side.problem ? { problem: displayName(side.problem) } : {}),
  };
}
