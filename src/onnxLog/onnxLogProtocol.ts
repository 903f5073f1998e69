/**
 * Every message between the "Log ONNX Folder as MLflow Model…" form (src/onnxLog/onnxLogPanel.ts)
 * and its page (src/webview/onnxLog/), in one place. No vscode or Node import: both sides build on it.
 */

/** The search options the form offers (onnxruntime-genai's most used; the rest keep genai_config.json's values). */
export const formSearchOptions = ['max_length', 'do_sample', 'temperature', 'top_k', 'top_p', 'repetition_penalty', 'random_seed'] as const;
export type FormSearchOption = (typeof formSearchOptions)[number];

/** What the form's fields hold, as typed (numbers as text: the checks say what is wrong with them). */
export interface OnnxLogFormValues {
  readonly experiment: string;
  readonly runName: string;
  readonly modelName: string;
  readonly artifactName: string;
  readonly registeredModelName: string;
  readonly alias: string;
  /** '' leaves an option to the folder's genai_config.json; do_sample is '', 'true' or 'false'. */
  readonly searchOptions: Readonly<Partial<Record<FormSearchOption, string>>>;
}

export type OnnxLogField = Exclude<keyof OnnxLogFormValues, 'searchOptions'> | `searchOptions.${FormSearchOption}`;

/** Why a field's value cannot be logged, by field. Empty when the form is fine. */
export type OnnxLogFieldProblems = Readonly<Partial<Record<OnnxLogField, string>>>;

/** The card of the model the form logged: its facts as rows, and which actions it offers. */
export interface OnnxLogCard {
  readonly modelUri: string;
  readonly rows: ReadonlyArray<readonly [string, string]>;
  /** Registered already: the card says so, and Register… adds another version. */
  readonly registered?: string;
}

export type OnnxLogPhase = 'editing' | 'logging' | 'done';

/** Everything the page shows; sent whole on every change (it is small). */
export interface OnnxLogState {
  readonly type: 'state';
  readonly folder: string;
  /** What is wrong with the folder (onnxFolderProblems); undefined while it is being checked. */
  readonly folderProblems?: readonly string[];
  /** The connected server's address, or undefined when not connected. */
  readonly server?: string;
  /** Names of the server's active experiments, for the experiment field's suggestions. */
  readonly experiments: readonly string[];
  /** The values the form starts from when the page has none of its own yet. */
  readonly initialValues: OnnxLogFormValues;
  readonly phase: OnnxLogPhase;
  /** While logging: which phase, and how much is uploaded. */
  readonly progress?: string;
  readonly fieldProblems: OnnxLogFieldProblems;
  /** The pre-flight checks' problems on the last submit: nothing was created on the server. */
  readonly preflightProblems: readonly string[];
  /** Why the last submit failed otherwise (not connected, cancelled, a server error, registration failed). */
  readonly error?: string;
  readonly card?: OnnxLogCard;
}

export type OnnxLogHostToView = OnnxLogState;

export type OnnxLogCardAction = 'register' | 'testInChat' | 'openInMlflow' | 'copyModelUri';
export const onnxLogCardActions: readonly OnnxLogCardAction[] = ['register', 'testInChat', 'openInMlflow', 'copyModelUri'];

export type OnnxLogViewToHost =
  | { readonly type: 'ready' }
  | { readonly type: 'submit'; readonly values: OnnxLogFormValues }
  | { readonly type: 'cancel' }
  | { readonly type: 'connect' }
  | { readonly type: 'action'; readonly action: OnnxLogCardAction };

/** The page's saved state across hiding and showing: what the user typed. */
export interface OnnxLogViewState {
  readonly values?: OnnxLogFormValues;
}

const plainFields = ['experiment', 'runName', 'modelName', 'artifactName', 'registeredModelName', 'alias'] as const;

/** Values from the page, checked for shape (every field a string); anything else is undefined. */
export function parseFormValues(raw: unknown): OnnxLogFormValues | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (!plainFields.every((field) => typeof r[field] === 'string')) return undefined;
  const rawOptions = r.searchOptions;
  if (typeof rawOptions !== 'object' || rawOptions === null) return undefined;
  const searchOptions: Partial<Record<FormSearchOption, string>> = {};
  for (const option of formSearchOptions) {
    const value = (rawOptions as Record<string, unknown>)[option];
    if (value === undefined) continue;
    if (typeof value !== 'string') return undefined;
    searchOptions[option] = value;
  }
  return {
    experiment: r.experiment as string,
    runName: r.runName as string,
    modelName: r.modelName as string,
    artifactName: r.artifactName as string,
    registeredModelName: r.registeredModelName as string,
    alias: r.alias as string,
    searchOptions,
  };
}

/** A message from the page, checked: anything malformed is dropped. */
export function parseOnnxLogViewMessage(raw: unknown): OnnxLogViewToHost | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const message = raw as { type?: unknown; values?: unknown; action?: unknown };
  switch (message.type) {
    case 'ready':
    case 'cancel':
    case 'connect':
      return { type: message.type };
    case 'submit': {
      const values = parseFormValues(message.values);
      return values ? { type: 'submit', values } : undefined;
    }
    case 'action':
      return onnxLogCardActions.includes(message.action as OnnxLogCardAction)
        ? { type: 'action', action: message.action as OnnxLogCardAction }
        : undefined;
    default:
      return undefined;
  }
}
