// The chat panel's webview: draws the state the extension sends (src/chat/chatProtocol.ts has the
// message types) and sends back what the user does. It holds no conversation of its own; assistant
// HTML arrives sanitized (src/chat/markdownRenderer.ts) and everything else is set as text.
/* global acquireVsCodeApi, document, window */
(function () {
  const vscode = acquireVsCodeApi();
  let state;
  // Settings edits (src/chat/settingsEdit.ts): the fields typed into and not sent yet, and the number
  // of the last edit sent (from 0 for each load of this page: 'ready' resets the host's count). A
  // state acknowledging an older edit was posted before the host had the newest one: it never
  // overwrites the form.
  const unsentFields = new Set();
  let settingsRevision = 0;

  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === 'text') node.textContent = value;
      else if (key === 'className') node.className = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children || []) if (child) node.append(child);
    return node;
  }

  // The fixed layout, built once; render() only updates it.
  const header = el('header', { className: 'model' });
  const modelTitle = el('h1');
  const modelDetail = el('div', { className: 'detail' });
  const modelProblem = el('div', { className: 'problem', role: 'alert' });
  const retryButton = el('button', { text: 'Load Again', onclick: () => vscode.postMessage({ type: 'retryLoad' }) });
  header.append(modelTitle, modelDetail, modelProblem, retryButton);

  const systemPrompt = el('textarea', { id: 'system-prompt', rows: '2', placeholder: 'System prompt (optional)', 'aria-label': 'System prompt' });
  systemPrompt.addEventListener('change', () => vscode.postMessage({ type: 'systemPrompt', text: systemPrompt.value }));

  const fields = {
    maxNewTokens: el('input', { id: 'max-new-tokens', type: 'number', min: '1', step: '1' }),
    doSample: el('input', { id: 'do-sample', type: 'checkbox' }),
    temperature: el('input', { id: 'temperature', type: 'number', step: '0.05' }),
    topP: el('input', { id: 'top-p', type: 'number', step: '0.05' }),
    topK: el('input', { id: 'top-k', type: 'number', step: '1', min: '0' }),
    repetitionPenalty: el('input', { id: 'repetition-penalty', type: 'number', step: '0.05' }),
    seed: el('input', { id: 'seed', type: 'number', step: '1', min: '0', placeholder: 'random' }),
    stopSequences: el('textarea', { id: 'stop-sequences', rows: '2', placeholder: 'one a line; \\n for a line break' }),
  };
  const labels = { maxNewTokens: 'Max new tokens', doSample: 'Sampling', temperature: 'Temperature', topP: 'Top-p', topK: 'Top-k', repetitionPenalty: 'Repetition penalty', seed: 'Seed', stopSequences: 'Stop sequences' };
  const settingsNote = el('p', { className: 'note' });
  const settings = el('details', { className: 'settings' }, [
    el('summary', { text: 'Generation settings' }),
    el('div', { className: 'grid' }, Object.entries(fields).map(([key, input]) => el('label', {}, [el('span', { text: labels[key] }), input]))),
    settingsNote,
  ]);
  function fieldValue(key) {
    return key === 'doSample' ? fields.doSample.checked : fields[key].value;
  }
  /** Sends the fields changed since the last edit; nothing when none was. */
  function sendSettings() {
    if (unsentFields.size === 0) return;
    const changes = {};
    for (const key of unsentFields) changes[key] = fieldValue(key);
    unsentFields.clear();
    settingsRevision += 1;
    vscode.postMessage({ type: 'settings', revision: settingsRevision, changes });
  }
  for (const [key, input] of Object.entries(fields)) {
    input.addEventListener('input', () => unsentFields.add(key));
    input.addEventListener('change', () => {
      unsentFields.add(key);
      sendSettings();
    });
  }

  // Phi-3's special tokens (<|system|>, <|user|>, <|end|>, …) stand out wherever a prompt is shown.
  function withMarkers(node, text) {
    node.replaceChildren(...text.split(/(<\|[a-z_]+\|>)/).filter(Boolean).map((part) => (/^<\|[a-z_]+\|>$/.test(part) ? el('span', { className: 'marker', text: part }) : document.createTextNode(part))));
    return node;
  }
  const exactPromptText = el('pre', { id: 'exact-prompt-text' });
  const exactPrompt = el('details', { id: 'exact-prompt', className: 'exact-prompt' }, [el('summary', { text: 'Exact prompt of the last answer' }), exactPromptText]);
  const conversation = el('main', { className: 'conversation', 'aria-live': 'polite' });
  const notice = el('div', { className: 'notice', role: 'status' });
  const contextBar = el('div', { className: 'context' }, [el('div', { className: 'bar' }, [el('div', { className: 'fill' })]), el('span', { className: 'label' })]);

  const input = el('textarea', { id: 'message', rows: '3', placeholder: 'Message (Enter sends, Shift+Enter for a new line)', 'aria-label': 'Message' });
  const sendButton = el('button', { id: 'send', text: 'Send', onclick: send });
  const stopButton = el('button', { id: 'stop', text: 'Stop', onclick: () => vscode.postMessage({ type: 'stop' }) });
  const clearButton = el('button', { id: 'clear', className: 'secondary', text: 'Clear', onclick: () => vscode.postMessage({ type: 'clear' }) });
  const exportMarkdown = el('button', { id: 'export-markdown', className: 'secondary', text: 'Export Markdown', onclick: () => vscode.postMessage({ type: 'export', format: 'markdown' }) });
  const rawMode = el('input', { id: 'raw-mode', type: 'checkbox' });
  rawMode.addEventListener('change', () => vscode.postMessage({ type: 'rawMode', on: rawMode.checked }));
  const rawLabel = el('label', { className: 'raw', title: 'Send exactly what you type, special tokens and all (<|system|>…<|end|><|user|>…<|end|><|assistant|>)' }, [rawMode, el('span', { text: 'Raw prompt' })]);
  const exportJson = el('button', { id: 'export-json', className: 'secondary', text: 'Export JSON', onclick: () => vscode.postMessage({ type: 'export', format: 'json' }) });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  const logButton = el('button', { id: 'log-mlflow', className: 'secondary', text: 'Log to MLflow', title: 'Log this conversation as a run in an MLflow experiment', onclick: () => vscode.postMessage({ type: 'logToMlflow' }) });
  const compareButton = el('button', { id: 'compare', className: 'secondary', text: 'Compare…', title: 'Ask a second model the same messages, side by side', onclick: () => vscode.postMessage({ type: 'compare' }) });
  const closeCompareButton = el('button', { id: 'close-compare', className: 'secondary', text: 'Close Comparison', onclick: () => vscode.postMessage({ type: 'closeCompare' }) });
  const bulkButton = el('button', { id: 'bulk-run', className: 'secondary', text: 'Bulk Run…', title: 'Run every prompt of a JSONL file ({"prompt": ...} or {"messages": [...]} a line)', onclick: () => vscode.postMessage({ type: 'bulkRun' }) });
  const composer = el('footer', { className: 'composer' }, [
    input,
    el('div', { className: 'actions' }, [sendButton, stopButton, clearButton, exportMarkdown, exportJson, logButton, compareButton, closeCompareButton, bulkButton, rawLabel]),
  ]);

  // Bulk run: a summary line, its buttons and the results table.
  const bulkSummary = el('div', { className: 'bulk-summary', role: 'status' });
  const bulkProblems = el('div', { className: 'bulk-problems' });
  const bulkExport = el('button', { id: 'bulk-export', className: 'secondary', text: 'Export JSONL', onclick: () => vscode.postMessage({ type: 'bulkExport' }) });
  const bulkLog = el('button', { id: 'bulk-log', className: 'secondary', text: 'Log Results to MLflow', onclick: () => vscode.postMessage({ type: 'bulkLog' }) });
  const bulkClose = el('button', { id: 'bulk-close', className: 'secondary', text: 'Close', onclick: () => vscode.postMessage({ type: 'bulkClose' }) });
  const bulkTable = el('table', { className: 'bulk-table' });
  const bulkSection = el('section', { className: 'bulk', 'aria-label': 'Bulk run results' }, [
    el('div', { className: 'bulk-head' }, [bulkSummary, el('div', { className: 'actions' }, [bulkExport, bulkLog, bulkClose])]),
    bulkProblems,
    el('div', { className: 'bulk-scroll' }, [bulkTable]),
  ]);

  document.body.append(header, el('section', { className: 'setup' }, [systemPrompt, settings, exactPrompt]), conversation, bulkSection, notice, contextBar, composer);

  function send() {
    const text = input.value;
    if (!text.trim() || !state || state.busy) return;
    sendSettings();
    vscode.postMessage({ type: 'send', text });
    input.value = '';
  }

  function turnElement(turn, side) {
    const body = el('div', { className: 'body' });
    if (turn.role === 'user') {
      if (turn.raw) withMarkers(body, turn.text);
      else body.textContent = turn.text;
    }
    else body.innerHTML = turn.html || ''; // sanitized by the extension (markdown-it, html off, safe links only)
    const copy = el('button', { className: 'copy secondary', text: 'Copy', title: 'Copy this message', onclick: () => vscode.postMessage(side === 'compare' ? { type: 'copy', turnId: turn.id, side } : { type: 'copy', turnId: turn.id }) });
    return el('article', { className: `turn ${turn.role}${turn.pending ? ' pending' : ''}`, 'data-turn-id': String(turn.id) }, [
      el('div', { className: 'role' }, [el('span', { text: `${turn.role === 'user' ? 'You' : 'Assistant'}${turn.raw ? ' (raw prompt)' : ''}` }), turn.pending ? undefined : copy]),
      body,
      turn.figures ? el('div', { className: 'figures', text: turn.figures }) : undefined,
      turn.error ? el('div', { className: 'error', role: 'alert', text: turn.error }) : undefined,
    ]);
  }

  function render() {
    vscode.setState({ sessionId: state.sessionId });
    modelTitle.textContent = state.model.title;
    modelDetail.textContent = state.model.status === 'loading' ? `${state.model.detail} (loading…)` : state.model.detail;
    modelProblem.textContent = state.model.problem || '';
    modelProblem.hidden = !state.model.problem;
    retryButton.hidden = state.model.status !== 'failed';
    if (document.activeElement !== systemPrompt) systemPrompt.value = state.systemPrompt;
    if (state.settingsRevision >= settingsRevision) {
      for (const [key, field] of Object.entries(fields)) {
        // Not over what the user is typing: the field in focus, or one changed and not sent yet.
        if (unsentFields.has(key) || field === document.activeElement) continue;
        if (key === 'doSample') field.checked = state.settings.doSample;
        else if (key === 'stopSequences') field.value = state.settings.stopSequences.map((s) => s.replace(/\n/g, '\\n').replace(/\t/g, '\\t')).join('\n');
        else field.value = state.settings[key] === undefined || state.settings[key] === null ? '' : String(state.settings[key]);
      }
    }
    settingsNote.textContent = state.settingsNote || '';
    rawMode.checked = state.rawMode;
    input.placeholder = state.rawMode ? 'Raw prompt, sent exactly as typed (Enter sends, Shift+Enter for a new line)' : 'Message (Enter sends, Shift+Enter for a new line)';
    exactPrompt.hidden = state.lastPrompt === undefined;
    withMarkers(exactPromptText, state.lastPrompt || '');
    const atBottom = conversation.scrollHeight - conversation.scrollTop - conversation.clientHeight < 40;
    if (state.compare) {
      // Side by side: each model's column with its name over its own answers.
      const column = (side, model, turns) =>
        el('div', { className: 'column', 'data-side': side }, [
          el('div', { className: 'column-head' }, [
            el('strong', { className: 'column-title', text: model.title }),
            el('div', { className: 'detail', text: model.status === 'loading' ? `${model.detail} (loading…)` : model.detail }),
            model.problem ? el('div', { className: 'problem', role: 'alert', text: model.problem }) : undefined,
          ]),
          ...turns.map((turn) => turnElement(turn, side)),
        ]);
      conversation.classList.add('compare');
      conversation.replaceChildren(column('main', state.model, state.turns), column('compare', state.compare.model, state.compare.turns));
    } else {
      conversation.classList.remove('compare');
      conversation.replaceChildren(...state.turns.map((turn) => turnElement(turn, 'main')));
    }
    renderBulk(state.bulk);
    if (atBottom) conversation.scrollTop = conversation.scrollHeight;
    notice.textContent = state.notice ? state.notice.message : '';
    notice.className = `notice ${state.notice ? state.notice.kind : ''}`;
    notice.hidden = !state.notice;
    const context = state.context;
    contextBar.hidden = !context;
    if (context) {
      const share = Math.min(1, context.usedTokens / context.contextLength);
      contextBar.querySelector('.fill').style.width = `${(share * 100).toFixed(1)}%`;
      contextBar.classList.toggle('full', Boolean(context.problem));
      contextBar.querySelector('.label').textContent = `Context: ${context.usedTokens} of ${context.contextLength} tokens`;
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
  }

  function renderBulk(bulk) {
    bulkSection.hidden = !bulk;
    if (!bulk) return;
    const status = bulk.running ? 'running…' : bulk.cancelled ? 'stopped' : 'done';
    bulkSummary.textContent = `Bulk run of ${bulk.file}: ${bulk.rows.length} of ${bulk.total} prompts answered (${status})`;
    bulkProblems.textContent = bulk.problems || '';
    bulkProblems.hidden = !bulk.problems;
    bulkExport.disabled = bulk.running || bulk.rows.length === 0;
    bulkLog.disabled = bulk.running || bulk.rows.length === 0 || Boolean(state.logging);
    bulkClose.disabled = bulk.running;
    const two = bulk.models.length > 1;
    const head = [];
    if (two) {
      head.push(el('tr', {}, [el('th', { colspan: '2' }), ...bulk.models.map((model) => el('th', { colspan: '3', className: 'model', text: model }))]));
    }
    head.push(el('tr', {}, [el('th', { text: 'Line' }), el('th', { text: 'Prompt' }), ...bulk.models.flatMap(() => [el('th', { text: 'Answer' }), el('th', { text: 'Tokens' }), el('th', { text: 'Latency (ms)' })])]));
    const rows = bulk.rows.map((row) =>
      el('tr', { className: 'bulk-row' }, [
        el('td', { className: 'num', text: String(row.line) }),
        el('td', { className: 'prompt', text: row.prompt }),
        ...row.answers.flatMap((answer) => [
          el('td', { className: `answer${answer.error ? ' failed' : ''}`, title: answer.figures || '' }, [document.createTextNode(answer.text), answer.error ? el('div', { className: 'error', text: answer.error }) : undefined]),
          el('td', { className: 'num', text: answer.newTokens === undefined ? '' : String(answer.newTokens) }),
          el('td', { className: 'num', text: String(answer.latencyMs) }),
        ]),
      ]),
    );
    bulkTable.replaceChildren(el('thead', {}, head), el('tbody', {}, rows));
  }

  window.addEventListener('message', (event) => {
    const message = event.data;
    if (message.type === 'state') {
      state = message.state;
      render();
    } else if (message.type === 'progress') {
      const root = conversation.querySelector(`.column[data-side="${message.side || 'main'}"]`) || conversation;
      const body = root.querySelector(`[data-turn-id="${message.turnId}"] .body`);
      if (body) {
        const atBottom = conversation.scrollHeight - conversation.scrollTop - conversation.clientHeight < 40;
        body.innerHTML = message.html; // sanitized by the extension
        if (atBottom) conversation.scrollTop = conversation.scrollHeight;
      }
    } else if (message.type === 'restoreDraft') {
      if (!input.value) input.value = message.text;
    }
  });
  vscode.postMessage({ type: 'ready' });
})();
