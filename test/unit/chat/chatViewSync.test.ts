/**
 * What the chat panel posts to its page, on the real local engine (the random-weight Phi-3 test
 * model): a full state once, then only what changed. A streamed answer of N pieces is N small
 * `tokens` messages and one finished turn, not N states; a bulk run of N prompts is N `bulkRow`
 * messages, not N ever larger tables.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runBulk } from '../../../src/chat/bulkRunner';
import type { HostToView } from '../../../src/chat/chatProtocol';
import { ChatSession } from '../../../src/chat/chatSession';
import { ChatViewBuilder } from '../../../src/chat/chatViewBuilder';
import { ChatViewSync } from '../../../src/chat/chatViewSync';
import { describeFigures } from '../../../src/chat/conversationExport';
import { defaultChatSettings } from '../../../src/chat/generationSettings';
import { renderModelMarkdown } from '../../../src/chat/markdownRenderer';
import { RenderedAnswers } from '../../../src/chat/renderedAnswers';
import { defaultJudgeRubric } from '../../../src/evaluation/judge';
import { repoRoot } from '../../harness/paths';

const folder = join(repoRoot, 'test', 'fixtures', 'models', 'phi3-tiny-genai-int4');
const settings = { ...defaultChatSettings, maxNewTokens: 24 };
const size = (messages: readonly HostToView[]) => messages.reduce((total, message) => total + JSON.stringify(message).length, 0);

describe('the chat page messages', () => {
  let session: ChatSession;
  let view: ChatViewBuilder;
  let sync: ChatViewSync;
  let posted: HostToView[];
  /** What the panel does after each change: post what changed. */
  const show = () => {
    const messages = sync.changes(view.state(session));
    posted.push(...messages);
    return messages;
  };

  before(async () => {
    session = new ChatSession(
      'session-1',
      { model: { kind: 'local', folder }, conversation: { systemPrompt: '', turns: [] } },
      () => settings,
      () => undefined,
    );
    assert.equal(await session.main.load(() => false), true);
    view = new ChatViewBuilder(new RenderedAnswers(renderModelMarkdown), renderModelMarkdown);
    sync = new ChatViewSync();
    posted = [];
  });
  after(() => session?.dispose());

  it('posts nothing before the page has its full state, then the full state once', () => {
    assert.deepEqual(show(), []);
    const full = sync.full(view.state(session));
    assert.equal(full.type, 'state');
    assert.deepEqual(show(), [], 'nothing changed since the full state');
  });

  it('streams an answer of N pieces as N tokens messages of the new text, then the finished turn', async () => {
    const id = session.conversation.ask('Hello', false);
    assert.equal(id, 2, "the answer's turn");
    const asked = show();
    assert.deepEqual(asked, [
      { type: 'update', set: { busy: true }, unset: [] },
      { type: 'turn', turn: { id: 1, role: 'user', text: 'Hello' } },
      { type: 'turn', turn: { id: 2, role: 'assistant', text: '', html: '', pending: true } },
    ]);
    const pieces: string[] = [];
    const streamed: HostToView[] = [];
    // What posting the whole state on every piece would have cost.
    let statePerPiece = 0;
    await session.main.answer(id, { messages: [{ role: 'user', content: 'Hello' }] }, settings, (piece) => {
      pieces.push(piece);
      streamed.push(sync.tokens('main', id, piece));
      statePerPiece += JSON.stringify({ type: 'state', state: view.state(session) }).length;
    });
    assert.ok(pieces.length > 1, `streamed in ${pieces.length} pieces`);
    assert.deepEqual(
      streamed,
      pieces.map((text) => ({ type: 'tokens', turnId: 2, text })),
    );
    const answer = session.conversation.turn(2)!;
    assert.equal(answer.figures?.newTokens, 24);
    assert.equal(pieces.join(''), answer.content);
    const finished = show();
    assert.deepEqual(finished, [
      { type: 'update', set: { busy: false }, unset: [] },
      {
        type: 'turn',
        turn: { id: 2, role: 'assistant', text: '', html: renderModelMarkdown(answer.content), figures: describeFigures(answer) },
      },
    ]);
    // Each piece costs its own text and 40-odd bytes; a state per piece cost the whole chat each time.
    const incremental = size([...asked, ...streamed, ...finished]);
    assert.ok(incremental * 5 < statePerPiece, `${incremental} bytes posted, against ${statePerPiece} for a state per piece`);
  });

  it('posts a bulk run one row at a time, then its status', async () => {
    const prompts = ['Hello', 'What is MLflow?', 'Tell me a story'].map((prompt, i) => ({
      line: i + 1,
      prompt,
      messages: [{ role: 'user' as const, content: prompt }],
    }));
    const bulk = {
      file: '/prompts.jsonl',
      total: 3,
      problems: '',
      models: [session.backend.exported],
      titles: [session.backend.title],
      settings,
      rows: [] as never[],
      controller: new AbortController(),
      running: true,
      cancelled: false,
    };
    session.bulk = bulk;
    assert.deepEqual(show(), [
      {
        type: 'update',
        set: {
          busy: true,
          bulk: { models: ['phi3-tiny-genai-int4'], file: '/prompts.jsonl', total: 3, running: true, cancelled: false, rows: [] },
          // Its scoring section, not scored yet.
          scoring: { defaultRubric: defaultJudgeRubric, running: false, names: [], scores: [], summary: [] },
        },
        unset: [],
      },
    ]);
    const perRow: HostToView[][] = [];
    await runBulk(prompts, [session.backend], settings, {
      signal: bulk.controller.signal,
      onRow: (row) => {
        (bulk.rows as unknown[]).push(row);
        perRow.push(show());
      },
    });
    assert.equal(perRow.length, 3);
    perRow.forEach((messages, i) => {
      assert.equal(messages.length, 1);
      const message = messages[0]!;
      assert.ok(message.type === 'bulkRow');
      assert.equal(message.row.line, i + 1);
      assert.equal(message.row.prompt, prompts[i]!.prompt);
      assert.equal(message.row.answers[0]!.newTokens, 24);
    });
    bulk.running = false;
    assert.deepEqual(show(), [
      { type: 'update', set: { busy: false }, unset: [] },
      { type: 'bulkStatus', running: false, cancelled: false },
    ]);
  });

  it('gives a page that loads again the full state, and a cleared chat its empty turns in one update', () => {
    const full = sync.full(view.state(session));
    assert.ok(full.type === 'state');
    assert.equal(full.state.turns.length, 2);
    assert.equal(full.state.bulk?.rows.length, 3);
    session.bulk = undefined;
    session.conversation.clear();
    assert.deepEqual(show(), [{ type: 'update', set: { turns: [] }, unset: ['bulk', 'scoring'] }]);
  });
});
