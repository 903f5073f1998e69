/**
 * The checks of the "Log ONNX Folder as MLflow Model…" form's fields, shared by its page (as the user
 * types) and the extension (on submit: the page is not trusted to have checked). The rules are the
 * `mlflow-wrapper` cell's (src/notebook/wrapperSpec.ts), so both ways of logging accept the same names.
 * No vscode or Node import: the page runs it too.
 */
import { type GenaiSearchOptions, searchOptionProblem } from '../mlflow/modelDirectory/genaiSearchOptions';
import { defaultArtifactName, defaultModelName } from '../mlflow/modelDirectory/onnxWrapperModel';
import { formSearchOptions, type OnnxLogField, type OnnxLogFieldProblems, type OnnxLogFormValues } from './onnxLogProtocol';

/** The fields the form's values become: what logWrapperModel takes besides the folder and the signature. */
export interface OnnxLogFormFields {
  readonly experiment: string;
  readonly runName?: string;
  readonly modelName: string;
  readonly artifactName: string;
  readonly registeredModelName?: string;
  readonly alias?: string;
  readonly searchOptions: GenaiSearchOptions;
}

export type OnnxLogFormResult =
  { readonly ok: true; readonly fields: OnnxLogFormFields } | { readonly ok: false; readonly problems: OnnxLogFieldProblems };

/** What a new form shows: the wrapper cell's defaults, and the experiment the cell logs to when it names none. */
export function defaultFormValues(experiment = 'Default'): OnnxLogFormValues {
  return {
    experiment,
    runName: '',
    modelName: defaultModelName,
    artifactName: defaultArtifactName,
    registeredModelName: '',
    alias: '',
    searchOptions: {},
  };
}

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const aliasPattern = /^[A-Za-z0-9_-]+$/;
/** C0 and C1 control characters, and the bidirectional overrides and isolates that make text read other than it is. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const unsafeCharacters = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function freeTextProblem(what: string, value: string, required: boolean): string | undefined {
  if (!value) return required ? `Enter ${what}` : undefined;
  if (unsafeCharacters.test(value)) return `${capitalized(what)} cannot hold control characters or bidirectional overrides`;
  if (value.length > 256) return `${capitalized(what)} is at most 256 characters`;
  return undefined;
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Checks every field at once; names are trimmed, empty optional fields left out. */
export function checkOnnxLogForm(values: OnnxLogFormValues): OnnxLogFormResult {
  const problems: Partial<Record<OnnxLogField, string>> = {};
  const experiment = values.experiment.trim();
  const runName = values.runName.trim();
  const modelName = values.modelName.trim();
  const artifactName = values.artifactName.trim();
  const registeredModelName = values.registeredModelName.trim();
  const alias = values.alias.trim();

  const experimentProblem = freeTextProblem('an experiment name', experiment, true);
  if (experimentProblem) problems.experiment = experimentProblem;
  const runProblem = freeTextProblem('a run name', runName, false);
  if (runProblem) problems.runName = runProblem;
  for (const [field, value, what] of [
    ['modelName', modelName, 'a model name'],
    ['artifactName', artifactName, 'an artifact name'],
  ] as const) {
    if (!value) problems[field] = `Enter ${what}`;
    else if (!namePattern.test(value)) problems[field] = `Use letters, digits, ".", "_" and "-", starting with a letter or digit`;
  }
  const registeredProblem = freeTextProblem('a registered model name', registeredModelName, false);
  if (registeredProblem) problems.registeredModelName = registeredProblem;
  if (alias) {
    if (!aliasPattern.test(alias)) problems.alias = 'An alias is letters, digits, "_" and "-"';
    else if (/^(latest|v\d+)$/i.test(alias))
      problems.alias = `An alias cannot be "${alias}": MLflow reserves "latest" and v<number> for versions`;
    else if (!registeredModelName) problems.alias = 'An alias needs a registered model name: it names a version of a registered model';
  }

  const searchOptions: Record<string, number | boolean> = {};
  for (const option of formSearchOptions) {
    const text = (values.searchOptions[option] ?? '').trim();
    if (!text) continue;
    const value = option === 'do_sample' ? (text === 'true' ? true : text === 'false' ? false : text) : Number(text);
    const problem = searchOptionProblem(option, Number.isNaN(value) ? text : value);
    if (problem) problems[`searchOptions.${option}`] = problem;
    else searchOptions[option] = value as number | boolean;
  }

  if (Object.keys(problems).length > 0) return { ok: false, problems };
  return {
    ok: true,
    fields: {
      experiment,
      ...(runName ? { runName } : {}),
      modelName,
      artifactName,
      ...(registeredModelName ? { registeredModelName } : {}),
      ...(alias ? { alias } : {}),
      searchOptions,
    },
  };
}
