import type { LoggedWrapperModel, WrapperLogProgress } from '../mlflow/logWrapperModel';
import { formatBytes } from './pythonKernel';

/** What a logged-model card keeps in its output's metadata (and so in the .ipynb): the cell's actions read it. */
export interface WrapperCardFacts {
  readonly model_uri: string;
  readonly run_id: string;
  readonly experiment_id: string;
  readonly model_id?: string;
  /** Where the model's files are: what a registered version's source is on MLflow 2 (no logged-model id). */
  readonly artifact_uri: string;
  /** The wrapped onnxruntime-genai folder, for Test in Chat: absent for a model without one (a transformers pipeline). */
  readonly onnx_folder?: string;
  readonly registered_model?: { readonly name: string; readonly version: string; readonly aliases: readonly string[] };
}

/** Text from the server or the cell (names, URIs) made inert in Markdown: no markup, no HTML, no links. */
export function markdownText(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>&~]/g, (c) => `\\${c}`);
}

/** The card a logged wrapper model shows in its cell: Markdown, plus plain text for other renderers. */
export function wrapperCard(logged: LoggedWrapperModel, experiment: string): { markdown: string; plain: string } {
  const rows = wrapperCardRows(logged, experiment);
  const markdown = [
    `**Logged the wrapper model** \`${logged.modelUri.replace(/`/g, '')}\``,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([name, value]) => `| ${name} | ${markdownText(value)} |`),
    '',
    "Actions are in the cell's status bar: Show in MLflow Explorer, Test in Chat, Copy Model URI, Register….",
  ].join('\n');
  const plain = ['Logged the wrapper model', ...rows.map(([name, value]) => `${name}: ${value}`)].join('\n');
  return { markdown, plain };
}

/** The card's facts as rows of a label and a plain value (the cell's Markdown table, the log form's card). */
export function wrapperCardRows(logged: LoggedWrapperModel, experiment: string): [string, string][] {
  const signature = `${logged.signature.inputs.map((c) => `${c.name ?? '(unnamed)'}: ${c.type}${c.required ? '' : ' (optional)'}`).join(', ')} → ${logged.signature.outputs.map((c) => c.type).join(', ')}`;
  const version = logged.registeredVersion;
  const rows: [string, string][] = [
    ['Model URI', logged.modelUri],
    ['Run', logged.runId],
    ['Experiment', `${experiment} (${logged.experimentId})`],
    ['Signature', signature],
    ['Files', `${logged.files} files, ${formatBytes(logged.bytes)}, MLflow ${logged.mlflowVersion}`],
  ];
  if (version)
    rows.push([
      'Registered',
      `${version.name} version ${version.version}${version.aliases.length ? ` (alias ${version.aliases.join(', ')})` : ''}`,
    ]);
  return rows;
}

export function cardFacts(logged: LoggedWrapperModel, onnxFolder: string): WrapperCardFacts {
  const version = logged.registeredVersion;
  return {
    model_uri: logged.modelUri,
    run_id: logged.runId,
    experiment_id: logged.experimentId,
    ...(logged.modelId ? { model_id: logged.modelId } : {}),
    artifact_uri: logged.artifactUri,
    onnx_folder: onnxFolder,
    ...(version ? { registered_model: { name: version.name, version: version.version, aliases: [...version.aliases] } } : {}),
  };
}

/** One line on how logging goes, for the cell (or the log form) while it runs; `cancelHint` says how to stop it there. */
export function progressLine(progress: WrapperLogProgress, cancelHint = 'Interrupt the cell to cancel.'): string {
  switch (progress.phase) {
    case 'checking':
      return 'Checking the ONNX folder and the input example…';
    case 'creating':
      return 'Creating the run and the logged model…';
    case 'uploading': {
      const total = progress.bytesTotal ?? 0;
      const done = progress.bytesDone ?? 0;
      const percent = total > 0 ? Math.floor((done / total) * 100) : 0;
      return `Uploading the model: ${formatBytes(done)} of ${formatBytes(total)} (${percent}%)… ${cancelHint}`;
    }
    case 'finalizing':
      return 'Marking the model ready…';
    case 'registering':
      return 'Registering the model…';
  }
}

/** The MIME type the Python kernel's driver displays a model logged by a cell's `log_model` as. */
export const loggedModelMime = 'application/vnd.phi3-mlflow.logged-model+json';

/** What media/python/phi3_mlflow_hooks.py reports about a model a Python cell logged. */
interface PythonLoggedModel {
  readonly model_uri: string;
  readonly run_id: string;
  readonly model_id?: string;
  readonly artifact_path?: string;
  readonly flavors?: readonly string[];
  readonly mlflow_version?: string;
  readonly experiment_id?: string;
  readonly experiment?: string;
  readonly artifact_uri?: string;
  readonly signature?: { readonly inputs?: string | null; readonly outputs?: string | null };
  readonly registered_model?: { readonly name: string; readonly version: string; readonly aliases: readonly string[] };
  readonly onnx_folder?: string;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

interface SignatureColumn {
  readonly name?: string;
  readonly type?: string;
  readonly required?: boolean;
  readonly items?: { readonly type?: string };
}

/** Past this many optional columns, the card names them in one tail instead of typing each (llm/v1/chat has 11). */
const optionalColumnsShown = 3;

/**
 * One side of MLflow's `ModelSignature.to_dict()` (a JSON text of columns) as "name: type, …"; unnamed
 * columns (a pyfunc's output) by type alone. Arrays show their items' type. Many optional columns (the
 * generation params of an llm/v1/chat signature) are folded into "+ N optional (a, b, …)".
 */
function signatureSide(json: string | null | undefined): string | undefined {
  if (!json) return undefined;
  try {
    const columns = JSON.parse(json) as SignatureColumn[];
    if (!Array.isArray(columns)) return undefined;
    const type = (c: SignatureColumn) => `${c.type ?? '?'}${c.type === 'array' && c.items?.type ? `<${c.items.type}>` : ''}`;
    const optional = columns.filter((c) => c.required === false && c.name !== undefined);
    const fold = optional.length > optionalColumnsShown;
    const shown = columns
      .filter((c) => !(fold && optional.includes(c)))
      .map((c) => (c.name === undefined ? type(c) : `${c.name}: ${type(c)}${c.required === false ? ' (optional)' : ''}`));
    if (fold) shown.push(`+ ${optional.length} optional (${optional.map((c) => c.name).join(', ')})`);
    return shown.join(', ');
  } catch {
    return undefined;
  }
}

/**
 * The card of a model a Python cell logged (`mlflow.pyfunc.log_model`, `mlflow.transformers.log_model`),
 * from what the kernel reported; undefined when the report lacks the model URI or run.
 */
export function pythonLoggedModelCard(data: unknown): { markdown: string; plain: string; facts: WrapperCardFacts } | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const reported = data as Partial<PythonLoggedModel>;
  const modelUri = text(reported.model_uri);
  const runId = text(reported.run_id);
  if (!modelUri || !runId) return undefined;
  const inputs = signatureSide(reported.signature?.inputs);
  const outputs = signatureSide(reported.signature?.outputs);
  const version = reported.registered_model;
  const rows: [string, string][] = [
    ['Model URI', modelUri],
    ['Run', runId],
  ];
  if (text(reported.experiment_id)) rows.push(['Experiment', `${reported.experiment ?? ''} (${reported.experiment_id})`.trim()]);
  if (inputs) rows.push(['Signature', `${inputs} → ${outputs ?? '?'}`]);
  if (reported.flavors?.length)
    rows.push(['Flavors', `${reported.flavors.join(', ')}${reported.mlflow_version ? `, MLflow ${reported.mlflow_version}` : ''}`]);
  if (version && text(version.name)) rows.push(['Registered', `${version.name} version ${version.version}`]);
  const markdown = [
    `**Logged the model** \`${modelUri.replace(/`/g, '')}\``,
    '',
    '| | |',
    '| --- | --- |',
    ...rows.map(([name, value]) => `| ${name} | ${markdownText(value)} |`),
    '',
    `Actions are in the cell's status bar: Show in MLflow Explorer,${reported.onnx_folder ? ' Test in Chat,' : ''} Copy Model URI, Register….`,
  ].join('\n');
  const plain = ['Logged the model', ...rows.map(([name, value]) => `${name}: ${value}`)].join('\n');
  const facts: WrapperCardFacts = {
    model_uri: modelUri,
    run_id: runId,
    experiment_id: reported.experiment_id ?? '',
    ...(text(reported.model_id) ? { model_id: reported.model_id } : {}),
    artifact_uri: reported.artifact_uri ?? '',
    ...(text(reported.onnx_folder) ? { onnx_folder: reported.onnx_folder } : {}),
    ...(version && text(version.name)
      ? { registered_model: { name: version.name, version: String(version.version), aliases: [...(version.aliases ?? [])] } }
      : {}),
  };
  return { markdown, plain, facts };
}

/** C0 and C1 control characters, and the bidirectional overrides and isolates that make text read other than it is. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const unsafeCharacters = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Why a name (a registered model's, typed or from a card) is refused, or undefined. */
export function nameProblem(name: string): string | undefined {
  if (!name.trim()) return 'Enter a name';
  if (unsafeCharacters.test(name)) return 'A name cannot hold control characters or bidirectional overrides';
  if (name.length > 256) return 'A name is at most 256 characters';
  return undefined;
}

/**
 * A card's facts read back from an output's metadata — which a saved .ipynb carries, so anyone who
 * wrote the file chose them — checked before an action uses them: the model URI a `models:/` or
 * `runs:/` URI, the model id an `m-` id, ids plain, names and paths without control characters.
 * Returns the facts, or why they are refused.
 */
export function checkedCardFacts(raw: unknown): { facts: WrapperCardFacts } | { problem: string } {
  if (typeof raw !== 'object' || raw === null) return { problem: 'the card has no facts' };
  const f = raw as Record<string, unknown>;
  const isText = (value: unknown, max = 2048): value is string =>
    typeof value === 'string' && value.length <= max && !unsafeCharacters.test(value);
  if (!isText(f.model_uri) || !/^(models:\/|runs:\/)\S/.test(f.model_uri))
    return { problem: 'its model URI is not a models:/ or runs:/ URI' };
  if (!isText(f.run_id, 64) || !/^[A-Za-z0-9_-]+$/.test(f.run_id)) return { problem: 'its run id is not an MLflow run id' };
  if (f.experiment_id !== undefined && (!isText(f.experiment_id, 64) || !/^[A-Za-z0-9_-]*$/.test(f.experiment_id)))
    return { problem: 'its experiment id is not an MLflow experiment id' };
  if (f.model_id !== undefined && (!isText(f.model_id, 64) || !/^m-[A-Za-z0-9]+$/.test(f.model_id)))
    return { problem: 'its model id is not an m- id' };
  if (f.model_id === undefined && !f.model_uri.startsWith('runs:/') && !(isText(f.artifact_uri) && f.artifact_uri))
    return { problem: 'it names neither a logged model id nor its files' };
  if (f.artifact_uri !== undefined && !isText(f.artifact_uri)) return { problem: 'its artifact URI holds control characters' };
  if (f.onnx_folder !== undefined && !isText(f.onnx_folder, 4096)) return { problem: 'its ONNX folder holds control characters' };
  const registered = f.registered_model as { name?: unknown; version?: unknown; aliases?: unknown } | undefined;
  if (registered !== undefined) {
    if (typeof registered !== 'object' || registered === null || typeof registered.name !== 'string' || nameProblem(registered.name))
      return { problem: 'its registered model name is not a plain name' };
    if (!isText(String(registered.version), 32) || !(Array.isArray(registered.aliases) && registered.aliases.every((a) => isText(a, 256))))
      return { problem: 'its registered version is malformed' };
  }
  return { facts: raw as WrapperCardFacts };
}

/**
 * What a card's actions may do: nothing in an untrusted workspace (the output came from a file, not
 * from this window's kernel, as far as anyone can tell), nothing with facts that fail the checks.
 */
export function cardActionsFor(
  raw: unknown,
  trusted: boolean,
): { kind: 'actions'; facts: WrapperCardFacts } | { kind: 'untrusted' } | { kind: 'refused'; problem: string } | undefined {
  if (raw === undefined) return undefined;
  if (!trusted) return { kind: 'untrusted' };
  const checked = checkedCardFacts(raw);
  return 'facts' in checked ? { kind: 'actions', facts: checked.facts } : { kind: 'refused', problem: checked.problem };
}
