import type { JudgeModel } from '../evaluation/judge';
import type { ScoreResult } from '../evaluation/scorers';
import { parseScoringChoice, type ScoringChoice } from '../evaluation/scoringChoice';
import { evaluationNames, judgeOf, scoreBulkRows } from './bulkEvaluation';
import { createChatBackend, type ChatBackend } from './chatBackend';
import { runModelOf } from './chatMlflowLogging';
import { pickChatModel } from './chatModelPicker';
import type { ChatPanelParts } from './chatPanelParts';
import { modelLabel } from './chatRunRequest';
import { errorMessage } from '../errorMessage';

/** Picks the judge: any model the chat can open (a local folder, a served model, one in MLflow). */
export async function pickJudge(parts: ChatPanelParts): Promise<void> {
  const bulk = parts.session.bulk;
  if (!bulk || parts.session.busy) return;
  try {
    const ref = await pickChatModel({ title: 'Judge: the model that grades the answers' });
    if (!ref || parts.disposed) return;
    const backend = createChatBackend(ref, parts.session.log, parts.session.secrets);
    const identity = { ref, title: backend.title, sourceId: modelLabel(runModelOf(backend)) };
    backend.dispose();
    bulk.judge = identity;
    parts.session.notice = undefined;
  } catch (error) {
    parts.session.notice = { kind: 'error', message: errorMessage(error) };
  }
  parts.show();
}

/**
 * Scores the bulk run's answers with the scorers the form chose (and the judge, when chosen),
 * row by row into the table; Stop ends it before the next judge question. A bad choice is refused
 * with a notice before anything is scored.
 */
export async function scoreBulk(parts: ChatPanelParts, raw: unknown): Promise<void> {
  const session = parts.session;
  const bulk = session.bulk;
  if (!bulk || session.busy || bulk.rows.length === 0) return;
  let choice: ScoringChoice;
  try {
    choice = parseScoringChoice(raw);
    if (choice.judgeRubric !== undefined && !bulk.judge) throw new Error('Pick the judge model first (Pick Judge…).');
  } catch (error) {
    session.notice = { kind: 'error', message: `Cannot score: ${errorMessage(error)}` };
    return parts.show();
  }
  const scores: ScoreResult[][][] = [];
  const judged =
    choice.judgeRubric !== undefined && bulk.judge ? { judge: { title: bulk.judge.title, sourceId: bulk.judge.sourceId } } : {};
  bulk.evaluation = { choice, names: evaluationNames(choice), scores, ...judged };
  const controller = new AbortController();
  bulk.scoring = controller;
  session.notice = undefined;
  parts.show();
  let judgeBackend: ChatBackend | undefined;
  try {
    let judge: JudgeModel | undefined;
    if (choice.judgeRubric !== undefined && bulk.judge) {
      judgeBackend = createChatBackend(bulk.judge.ref, session.log, session.secrets);
      await judgeBackend.open();
      judge = judgeOf(judgeBackend);
    }
    await scoreBulkRows(bulk.rows, choice, {
      ...(judge ? { judge } : {}),
      signal: controller.signal,
      onRow: (perModel) => {
        scores.push(perModel);
        parts.show();
      },
    });
  } catch (error) {
    session.notice = { kind: 'error', message: `Scoring stopped: ${errorMessage(error)}` };
  } finally {
    judgeBackend?.dispose();
    bulk.scoring = undefined;
    parts.show();
  }
}
