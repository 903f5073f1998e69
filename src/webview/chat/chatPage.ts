// The chat panel's webview: draws the state the extension sends (src/chat/chatProtocol.ts has the
// message types) and sends back what the user does. It holds no conversation of its own: a full
// state when it loads, then what changed, which it applies to its copy and to the page. Assistant
// HTML arrives sanitized (src/chat/markdownRenderer.ts); everything else, streamed tokens too, is
// set as text.
import './chat.css';
import type { ChatViewState, HostToView, ViewToHost, ViewTurn } from '../../chat/chatProtocol';
import { el, withMarkers } from '../page/dom';
import { onHostMessage, vscodeApi } from '../page/vscodeApi';
import { BulkView } from './bulkView';
import { SettingsForm } from './settingsForm';
import { columnElement, turnElement, type Side } from './turnView';

const vscode = vscodeApi<ViewToHost, { sessionId: string }>();
const post = (message: ViewToHost) => vscode.postMessage(message);
let state: ChatViewState | undefined;

// The fixed layout, built once; render() only updates it.
const modelTitle = el('h1');
const modelDetail = el('div', { className: 'detail' });
const modelProblem = el('div', { className: 'problem', role: 'alert' });
const retryButton = el('button', { text: 'Load Again', onclick: () => post({ type: 'retryLoad' }) });
const tracing = el('div', { id: 'tracing', className: 'tracing', role: 'status' });
const header = el('header', { className: 'model' }, [modelTitle, modelDetail, modelProblem, retryButton, tracing]);

const systemPrompt = el('textarea', {
  id: 'system-prompt',
  rows: '2',
  placeholder: 'System prompt (optional)',
  'aria-label': 'System prompt',
});
systemPrompt.addEventListener('change', () => post({ type: 'systemPrompt', text: systemPrompt.value }));
const promptUri = el('span', {
  id: 'prompt-uri',
  className: 'prompt-uri',
  title: 'The prompt version this chat uses (recorded with logged runs)',
});
const registerPromptButton = el('button', {
  id: 'register-prompt',
  className: 'secondary',
  text: 'Register Prompt…',
  title: "Save the system prompt as a new version in MLflow's prompt registry",
  onclick: () => {
    // The text as typed now, even before the textarea's change event.
    post({ type: 'systemPrompt', text: systemPrompt.value });
    post({ type: 'registerPrompt' });
  },
});
const promptBar = el('div', { className: 'prompt-bar' }, [registerPromptButton, promptUri]);
const settings = new SettingsForm(post);

const exactPromptText = el('pre', { id: 'exact-prompt-text' });
const exactPrompt = el('details', { id: 'exact-prompt', className: 'exact-prompt' }, [
  el('summary', { text: 'Exact prompt of the last answer' }),
  exactPromptText,
]);
const conversation = el('main', { className: 'conversation', 'aria-live': 'polite' });
const notice = el('div', { className: 'notice', role: 'status' });
const contextFill = el('div', { className: 'fill' });
const contextLabel = el('span', { className: 'label' });
const contextBar = el('div', { className: 'context' }, [el('div', { className: 'bar' }, [contextFill]), contextLabel]);

const input = el('textarea', {
  id: 'message',
  rows: '3',
  placeholder: 'Message (Enter sends, Shift+Enter for a new line)',
  'aria-label': 'Message',
});
const sendButton = el('button', { id: 'send', text: 'Send', onclick: send });
const stopButton = el('button', { id: 'stop', text: 'Stop', onclick: () => post({ type: 'stop' }) });
const clearButton = el('button', { id: 'clear', className: 'secondary', text: 'Clear', onclick: () => post({ type: 'clear' }) });
const exportMarkdown = el('button', {
  id: 'export-markdown',
  className: 'secondary',
  text: 'Export Markdown',
  onclick: () => post({ type: 'export', format: 'markdown' }),
});
const rawMode = el('input', { id: 'raw-mode', type: 'checkbox' });
rawMode.addEventListener('change', () => post({ type: 'rawMode', on: rawMode.checked }));
const rawLabel = el(
  'label',
  { className: 'raw', title: 'Send exactly what you type, special tokens and all (<|system|>…<|end|><|user|>…<|end|><|assistant|>)' },
  [rawMode, el('span', { text: 'Raw prompt' })],
);
const exportJson = el('button', {
  id: 'export-json',
  className: 'secondary',
  text: 'Export JSON',
  onclick: () => post({ type: 'export', format: 'json' }),
});
input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    send();
  }
});
const logButton = el('button', {
  id: 'log-mlflow',
  className: 'secondary',
  text: 'Log to MLflow',
  title: 'Log this conversation as a run in an MLflow experiment',
  onclick: () => post({ type: 'logToMlflow' }),
});
const compareButton = el('button', {
  id: 'compare',
  className: 'secondary',
  text: 'Compare…',
  title: 'Ask a second model the same messages, side by side',
  onclick: () => post({ type: 'compare' }),
});
const closeCompareButton = el('button', {
  id: 'close-compare',
  className: 'secondary',
  text: 'Close Comparison',
  onclick: () => post({ type: 'closeCompare' }),
});
const bulkButton = el('button', {
  id: 'bulk-run',
  className: 'secondary',
  text: 'Bulk Run…',
  title: 'Run every prompt of a JSONL file ({"prompt": ...} or {"messages": [...]} a line)',
  onclick: () => post({ type: 'bulkRun' }),
});
const composer = el('footer', { className: 'composer' }, [
  input,
  el('div', { className: 'actions' }, [
    sendButton,
    stopButton,
    clearButton,
    exportMarkdown,
    exportJson,
    logButton,
    compareButton,
    closeCompareButton,
    bulkButton,
    rawLabel,
  ]),
]);
const bulk = new BulkView(post);

document.body.append(
  header,
  el('section', { className: 'setup' }, [systemPrompt, promptBar, settings.element, exactPrompt]),
  conversation,
  bulk.element,
  notice,
  contextBar,
  composer,
);

function send(): void {
  const text = input.value;
  if (!text.trim() || !state || state.busy) return;
  settings.send();
  post({ type: 'send', text });
  input.value = '';
}

function nearBottom(): boolean {
  return conversation.scrollHeight - conversation.scrollTop - conversation.clientHeight < 40;
}

/** Everything but the turns and the bulk table. */
function renderChrome(state: ChatViewState): void {
  vscode.setState({ sessionId: state.sessionId });
  modelTitle.textContent = state.model.title;
  modelDetail.textContent = state.model.status === 'loading' ? `${state.model.detail} (loading…)` : state.model.detail;
  modelProblem.textContent = state.model.problem ?? '';
  modelProblem.hidden = !state.model.problem;
  retryButton.hidden = state.model.status !== 'failed';
  tracing.textContent = state.tracing?.text ?? '';
  tracing.className = `tracing ${state.tracing?.kind ?? ''}`;
  tracing.hidden = !state.tracing;
  if (document.activeElement !== systemPrompt) systemPrompt.value = state.systemPrompt;
  promptUri.textContent = state.promptUri ? `Prompt: ${state.promptUri}` : '';
  registerPromptButton.disabled = state.busy;
  settings.render(state);
  rawMode.checked = state.rawMode;
  input.placeholder = state.rawMode
    ? 'Raw prompt, sent exactly as typed (Enter sends, Shift+Enter for a new line)'
    : 'Message (Enter sends, Shift+Enter for a new line)';
  exactPrompt.hidden = state.lastPrompt === undefined;
  withMarkers(exactPromptText, state.lastPrompt ?? '');
  notice.textContent = state.notice ? state.notice.message : '';
  notice.className = `notice ${state.notice ? state.notice.kind : ''}`;
  notice.hidden = !state.notice;
  const context = state.context;
  contextBar.hidden = !context;
  if (context) {
    const share = Math.min(1, context.usedTokens / context.contextLength);
    contextFill.style.width = `${(share * 100).toFixed(1)}%`;
    contextBar.classList.toggle('full', Boolean(context.problem));
    contextLabel.textContent = `Context: ${context.usedTokens} of ${context.contextLength} tokens`;
  }
  sendButton.disabled = state.busy;
  stopButton.disabled = !state.busy;
  clearButton.disabled = state.busy;
  logButton.disabled = state.busy || Boolean(state.logging) || state.turns.length === 0;
  compareButton.hidden = Boolean(state.compare);
  compareButton.disabled = state.busy;
  closeCompareButton.hidden = !state.compare;
  closeCompareButton.disabled = state.busy;
  bulkButton.disabled = state.busy;
  bulk.renderHead(state.bulk, Boolean(state.logging), state.scoring);
}

/** Keeps the newest text in view while the user reads at the bottom. */
function keepingBottom(change: () => void): void {
  const atBottom = nearBottom();
  change();
  if (atBottom) conversation.scrollTop = conversation.scrollHeight;
}

function renderConversation(state: ChatViewState): void {
  keepingBottom(() => {
    if (state.compare) {
      conversation.classList.add('compare');
      conversation.replaceChildren(
        columnElement('main', state.model, state.turns, post),
        columnElement('compare', state.compare.model, state.compare.turns, post),
      );
    } else {
      conversation.classList.remove('compare');
      conversation.replaceChildren(...state.turns.map((turn) => turnElement(turn, 'main', post)));
    }
  });
}

/** Where a side's turns are: its column when comparing, else the conversation itself. */
function turnsOf(side: Side): Element {
  return conversation.querySelector(`.column[data-side="${side}"]`) ?? conversation;
}

/** A turn added, or one that changed, in the page's copy of the state and on the page. */
function placeTurn(state: ChatViewState, turn: ViewTurn, side: Side): ChatViewState {
  const merged = (turns: readonly ViewTurn[]) =>
    turns.some((t) => t.id === turn.id) ? turns.map((t) => (t.id === turn.id ? turn : t)) : [...turns, turn];
  keepingBottom(() => {
    const root = turnsOf(side);
    const element = turnElement(turn, side, post);
    const existing = root.querySelector(`:scope > [data-turn-id="${turn.id}"]`);
    if (existing) existing.replaceWith(element);
    else root.append(element);
  });
  if (side === 'compare') return state.compare ? { ...state, compare: { ...state.compare, turns: merged(state.compare.turns) } } : state;
  return { ...state, turns: merged(state.turns) };
}

/** The host's message, applied to the page's copy of the state and to what the page shows. */
function apply(message: HostToView, state: ChatViewState | undefined): ChatViewState | undefined {
  if (message.type === 'state') {
    renderChrome(message.state);
    renderConversation(message.state);
    bulk.render(message.state.bulk, Boolean(message.state.logging), message.state.scoring);
    return message.state;
  }
  if (message.type === 'restoreDraft') {
    if (!input.value) input.value = message.text;
    return state;
  }
  if (!state) return state;
  switch (message.type) {
    case 'update': {
      const next: Record<string, unknown> = { ...state, ...message.set };
      for (const key of message.unset) delete next[key];
      const updated = next as unknown as ChatViewState;
      const changed = (key: keyof ChatViewState) => key in message.set || (message.unset as readonly string[]).includes(key);
      if (changed('bulk') || changed('scoring')) bulk.render(updated.bulk, Boolean(updated.logging), updated.scoring);
      renderChrome(updated);
      // Comparing, each column's head shows its model: the main one's changes redraw the columns too.
      if (changed('turns') || changed('compare') || (updated.compare && changed('model'))) renderConversation(updated);
      return updated;
    }
    case 'turn': {
      const updated = placeTurn(state, message.turn, message.side ?? 'main');
      renderChrome(updated);
      return updated;
    }
    case 'tokens': {
      const body = turnsOf(message.side ?? 'main').querySelector(`:scope > [data-turn-id="${message.turnId}"] .body`);
      if (body) keepingBottom(() => body.append(document.createTextNode(message.text)));
      return state;
    }
    case 'bulkRow': {
      if (!state.bulk) return state;
      const updated = { ...state, bulk: { ...state.bulk, rows: [...state.bulk.rows, message.row] } };
      bulk.appendRow(updated.bulk, message.row, Boolean(updated.logging));
      bulk.renderHead(updated.bulk, Boolean(updated.logging), updated.scoring);
      return updated;
    }
    case 'bulkStatus': {
      if (!state.bulk) return state;
      const updated = { ...state, bulk: { ...state.bulk, running: message.running, cancelled: message.cancelled } };
      bulk.renderHead(updated.bulk, Boolean(updated.logging), updated.scoring);
      return updated;
    }
  }
}

onHostMessage<HostToView>((message) => {
  state = apply(message, state);
});
post({ type: 'ready' });
