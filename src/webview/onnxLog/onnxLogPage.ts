// The "Log ONNX Folder as MLflow Model…" form (see src/onnxLog/onnxLogPanel.ts). Every field at once,
// checked as the user types with the same checks the extension runs on submit; what the extension
// sends (paths, names, problems, the card) reaches the page through textContent, never as markup.
import './onnxLog.css';
import { checkOnnxLogForm } from '../../onnxLog/onnxLogForm';
import {
  type FormSearchOption,
  formSearchOptions,
  type OnnxLogCardAction,
  type OnnxLogField,
  type OnnxLogFormValues,
  type OnnxLogHostToView,
  type OnnxLogState,
  type OnnxLogViewState,
  type OnnxLogViewToHost,
} from '../../onnxLog/onnxLogProtocol';
import { el } from '../page/dom';
import { onHostMessage, vscodeApi } from '../page/vscodeApi';

const vscode = vscodeApi<OnnxLogViewToHost, OnnxLogViewState>();
let values: OnnxLogFormValues | undefined = vscode.getState()?.values;
let state: OnnxLogState | undefined;
/** Fields the user has changed: their problems show as they type; all show once Log is pressed. */
const touched = new Set<OnnxLogField>();
let submitted = false;

type TextField = Exclude<OnnxLogField, `searchOptions.${string}`>;
const textFields: ReadonlyArray<{ field: TextField; label: string; hint: string; placeholder?: string }> = [
  { field: 'experiment', label: 'Experiment', hint: 'An experiment of the server, or a new name: it is created when missing.' },
  { field: 'runName', label: 'Run name', hint: 'Optional: MLflow makes one up when empty.', placeholder: '(generated)' },
  { field: 'modelName', label: 'Model name', hint: "The logged model's name (MLflow 3), or the run's artifact path (MLflow 2)." },
  { field: 'artifactName', label: 'Artifact name', hint: 'The key the wrapper opens the folder by: context.artifacts["…"].' },
  {
    field: 'registeredModelName',
    label: 'Registered model',
    hint: 'Optional: registers the model as a new version (the registered model is created when missing).',
    placeholder: '(not registered)',
  },
  { field: 'alias', label: 'Alias', hint: 'Optional: set on the new version, e.g. champion.', placeholder: '(no alias)' },
];
const optionHints: Record<FormSearchOption, string> = {
  max_length: 'Prompt and answer tokens together, at most',
  do_sample: 'Sample (true) or greedy (false)',
  temperature: 'Above 0',
  top_k: 'Whole number',
  top_p: 'Above 0, at most 1',
  repetition_penalty: 'Above 0; 1 is none',
  random_seed: 'Whole number',
};

const inputs = new Map<OnnxLogField, HTMLInputElement | HTMLSelectElement>();
const problemOf = new Map<OnnxLogField, HTMLElement>();

const folderText = el('p', { className: 'folder', id: 'folder' });
const serverText = el('span', { id: 'server' });
const connectButton = el('button', {
  type: 'button',
  id: 'connect',
  text: 'Connect…',
  onclick: () => vscode.postMessage({ type: 'connect' }),
});
const folderProblems = el('div', { className: 'problems', id: 'folder-problems', role: 'alert' });
const experimentList = el('datalist', { id: 'experiments' });
const logButton = el('button', { type: 'submit', id: 'log', text: 'Log Model' });
const cancelButton = el('button', {
  type: 'button',
  id: 'cancel',
  className: 'secondary',
  text: 'Cancel',
  onclick: () => vscode.postMessage({ type: 'cancel' }),
});
const statusLine = el('p', { className: 'status', id: 'status', role: 'status' });
const preflight = el('div', { className: 'problems', id: 'preflight-problems', role: 'alert' });
const errorLine = el('p', { className: 'error', id: 'error', role: 'alert' });
const card = el('section', { className: 'card', id: 'card' });

function fieldRow(field: OnnxLogField, label: string, control: HTMLInputElement | HTMLSelectElement, hint: string): HTMLElement {
  const id = `field-${field.replace('.', '-')}`;
  control.id = id;
  control.setAttribute('name', field);
  control.setAttribute('aria-describedby', `${id}-hint ${id}-problem`);
  control.addEventListener('input', () => {
    touched.add(field);
    onInput();
  });
  const problem = el('div', { className: 'field-problem', id: `${id}-problem` });
  inputs.set(field, control);
  problemOf.set(field, problem);
  return el('div', { className: 'field' }, [
    el('label', { for: id, text: label }),
    control,
    el('div', { className: 'hint', id: `${id}-hint`, text: hint }),
    problem,
  ]);
}

function buildForm(): HTMLFormElement {
  const fields = textFields.map(({ field, label, hint, placeholder }) => {
    const input = el('input', { type: 'text', spellcheck: 'false', placeholder });
    if (field === 'experiment') input.setAttribute('list', 'experiments');
    return fieldRow(field, label, input, hint);
  });
  const options = formSearchOptions.map((option) => {
    const control =
      option === 'do_sample'
        ? el('select', {}, [
            el('option', { value: '', text: "(the folder's)" }),
            el('option', { value: 'true', text: 'true' }),
            el('option', { value: 'false', text: 'false' }),
          ])
        : el('input', { type: 'text', inputmode: 'decimal', spellcheck: 'false', placeholder: "(the folder's)" });
    return fieldRow(`searchOptions.${option}`, option, control, optionHints[option]);
  });
  const form = el('form', { id: 'form', novalidate: '' }, [
    el('fieldset', {}, [el('legend', { text: 'Where' }), ...fields.slice(0, 2)]),
    el('fieldset', {}, [el('legend', { text: 'Model' }), ...fields.slice(2, 4)]),
    el('fieldset', {}, [el('legend', { text: 'Model registry' }), ...fields.slice(4)]),
    el('fieldset', { className: 'options' }, [
      el('legend', { text: 'Search options' }),
      el('p', { className: 'hint', text: "Empty fields keep the folder's genai_config.json values." }),
      ...options,
    ]),
    el('div', { className: 'buttons' }, [logButton, cancelButton]),
  ]);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitted = true;
    const current = readValues();
    const problems = showProblems(current);
    if (problems) {
      inputs.get(Object.keys(problems)[0] as OnnxLogField)?.focus();
      return;
    }
    vscode.postMessage({ type: 'submit', values: current });
  });
  return form;
}

function readValues(): OnnxLogFormValues {
  const text = (field: OnnxLogField) => inputs.get(field)?.value ?? '';
  const searchOptions: Partial<Record<FormSearchOption, string>> = {};
  for (const option of formSearchOptions) searchOptions[option] = text(`searchOptions.${option}`);
  return {
    experiment: text('experiment'),
    runName: text('runName'),
    modelName: text('modelName'),
    artifactName: text('artifactName'),
    registeredModelName: text('registeredModelName'),
    alias: text('alias'),
    searchOptions,
  };
}

function writeValues(from: OnnxLogFormValues): void {
  for (const { field } of textFields) inputs.get(field)!.value = from[field];
  for (const option of formSearchOptions) inputs.get(`searchOptions.${option}`)!.value = from.searchOptions[option] ?? '';
}

/** Shows the problems of the fields touched (all after a submit); answers them when there are any. */
function showProblems(current: OnnxLogFormValues): Partial<Record<OnnxLogField, string>> | undefined {
  const checked = checkOnnxLogForm(current);
  const problems: Partial<Record<OnnxLogField, string>> = checked.ok ? {} : { ...checked.problems };
  for (const [field, element] of problemOf) {
    const problem = submitted || touched.has(field) ? problems[field] : undefined;
    element.textContent = problem ?? '';
    inputs.get(field)!.toggleAttribute('aria-invalid', problem !== undefined);
  }
  return checked.ok ? undefined : problems;
}

function onInput(): void {
  values = readValues();
  vscode.setState({ values });
  showProblems(values);
}

function problemList(element: HTMLElement, heading: string, problems: readonly string[]): void {
  element.replaceChildren(
    ...(problems.length
      ? [
          el('p', { text: heading }),
          el(
            'ul',
            {},
            problems.map((problem) => el('li', { text: problem })),
          ),
        ]
      : []),
  );
  element.hidden = problems.length === 0;
}

function cardAction(action: OnnxLogCardAction, text: string, title: string): HTMLButtonElement {
  return el('button', { type: 'button', id: `card-${action}`, text, title, onclick: () => vscode.postMessage({ type: 'action', action }) });
}

function renderCard(): void {
  const shown = state?.card;
  card.hidden = !shown;
  if (!shown) {
    card.replaceChildren();
    return;
  }
  card.replaceChildren(
    el('h2', { text: 'Logged the wrapper model' }),
    el('table', {}, [
      el(
        'tbody',
        {},
        shown.rows.map(([name, value]) => el('tr', {}, [el('th', { scope: 'row', text: name }), el('td', { text: value })])),
      ),
    ]),
    el('div', { className: 'buttons' }, [
      cardAction(
        'register',
        'Register…',
        shown.registered ? `Registered as ${shown.registered}: register another version` : 'Register a version',
      ),
      cardAction('testInChat', 'Test in Chat', 'Chat with the ONNX folder this model wraps'),
      cardAction('openInMlflow', 'Open in MLflow UI', "The logged model in the server's web UI"),
      cardAction('copyModelUri', 'Copy Model URI', shown.modelUri),
    ]),
  );
}

let form: HTMLFormElement | undefined;

function render(next: OnnxLogState): void {
  const previous = state;
  state = next;
  if (!form) {
    form = buildForm();
    document.body.replaceChildren(
      el('header', {}, [
        el('h1', { text: 'Log ONNX Folder as MLflow Model' }),
        folderText,
        el('p', { className: 'server' }, [serverText, connectButton]),
      ]),
      // What happened on Log goes above the fields, where it is seen without scrolling.
      folderProblems,
      statusLine,
      preflight,
      errorLine,
      card,
      experimentList,
      form,
    );
    writeValues(values ?? next.initialValues);
    values = readValues();
  }
  folderText.textContent = next.folder;
  serverText.textContent = next.server ? `Logs to ${next.server}` : 'Not connected to an MLflow tracking server.';
  connectButton.hidden = next.server !== undefined;
  experimentList.replaceChildren(...next.experiments.map((name) => el('option', { value: name })));
  if (next.folderProblems === undefined) problemList(folderProblems, 'Checking the folder…', []);
  else problemList(folderProblems, 'This folder would fail once logged:', next.folderProblems);
  const logging = next.phase === 'logging';
  for (const control of inputs.values()) control.disabled = logging;
  logButton.disabled = logging;
  cancelButton.hidden = !logging;
  statusLine.textContent = next.progress ?? '';
  statusLine.hidden = !next.progress;
  problemList(preflight, 'The folder cannot be logged: nothing was created on the server.', next.preflightProblems);
  errorLine.textContent = next.error ?? '';
  errorLine.hidden = !next.error;
  // The extension's own checks (the page's are the same; these come from a submit).
  for (const [field, problem] of Object.entries(next.fieldProblems) as [OnnxLogField, string][]) {
    problemOf.get(field)!.textContent = problem;
    inputs.get(field)!.toggleAttribute('aria-invalid', true);
  }
  const hadCard = !card.hidden;
  renderCard();
  // Log is at the foot of the form: what it led to is brought into view once, when it appears.
  const appeared = [
    [statusLine, next.progress !== undefined && previous?.progress === undefined],
    [preflight, next.preflightProblems.length > 0 && next.preflightProblems !== previous?.preflightProblems],
    [errorLine, next.error !== undefined && next.error !== previous?.error],
    [card, !card.hidden && !hadCard],
  ] as const;
  appeared.find(([, shows]) => shows)?.[0].scrollIntoView({ block: 'nearest' });
}

onHostMessage<OnnxLogHostToView>((message) => {
  if (message.type === 'state') render(message);
});
vscode.postMessage({ type: 'ready' });
