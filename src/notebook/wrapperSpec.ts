import { isAbsolute, resolve } from 'node:path';
import type { WrapperLogRequest } from '../mlflow/logWrapperModel';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import {
  type GenaiSearchOptions,
  genaiSearchOptionKinds,
  isGenaiSearchOption,
  searchOptionProblem,
} from '../mlflow/modelDirectory/genaiSearchOptions';
import {
  type ColumnSpec,
  type ColumnType,
  columnTypes,
  inputExampleProblems,
  type ModelSignatureSpec,
  promptToTextSignature,
} from '../mlflow/modelDirectory/modelSignature';
import { defaultArtifactName, defaultModelName, promptInput } from '../mlflow/modelDirectory/onnxWrapperModel';

/** The language id of a declarative wrapper cell (its text is YAML). */
export const wrapperCellLanguage = 'mlflow-wrapper';
/** The one recipe a declarative cell builds; the transformers pipeline recipe runs as Python cells. */
export const wrapperRecipe = 'custom-onnx-pyfunc';

/** A checked `mlflow-wrapper` cell: the model to write and where to log it. */
/** A checked cell: what the logger takes, and the recipe it names. */
export interface WrapperSpec extends WrapperLogRequest {
  readonly recipe: typeof wrapperRecipe;
}

/** Where a problem is, 1-based, and what it is. */
export interface WrapperSpecProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export type WrapperSpecResult =
  { readonly ok: true; readonly spec: WrapperSpec } | { readonly ok: false; readonly problems: readonly WrapperSpecProblem[] };

export const formatWrapperSpecProblem = (problem: WrapperSpecProblem): string =>
  `line ${problem.line}, column ${problem.column}: ${problem.message}`;

export { defaultModelName };
export const defaultExperiment = 'Default';
export const defaultInputExample = { [promptInput]: 'What is MLflow?' } as const;

/** The keys a cell may have, in the order the JSON schema lists them. */
export const wrapperSpecKeys = [
  'recipe',
  'onnx_folder',
  'artifact_name',
  'model_name',
  'search_options',
  'signature',
  'input_example',
  'pip_requirements',
  'extra_pip_requirements',
  'python_version',
  'experiment',
  'run_name',
  'registered_model_name',
  'alias',
] as const;

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Parses and checks a declarative wrapper cell. Every problem found is reported with its line and
 * column (YAML syntax errors first, then each wrong or missing field), so an editor can underline
 * them all at once. `baseDir` resolves a relative `onnx_folder` (the notebook's folder).
 */
export function parseWrapperSpec(text: string, options: { baseDir: string }): WrapperSpecResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: '1.2' });
  const problems: WrapperSpecProblem[] = [];
  const at = (offset: number, message: string) => {
    const { line, col } = lineCounter.linePos(offset);
    problems.push({ line, column: col, message });
  };
  const atNode = (node: Node | null | undefined, fallback: number, message: string) => at(node?.range?.[0] ?? fallback, message);

  for (const error of document.errors)
    at(error.pos[0], yamlMessage(error.code, error.message, /^[^:\n]*/.exec(text.slice(error.pos[0]))![0]));
  if (problems.length > 0) return { ok: false, problems };
  const root = document.contents;
  if (!isMap(root)) {
    atNode(root, 0, `a wrapper cell is a YAML mapping of settings, starting with "recipe: ${wrapperRecipe}"`);
    return { ok: false, problems };
  }

  const entries = entriesOf(root);
  for (const [key, { keyNode }] of entries) {
    if (!(wrapperSpecKeys as readonly string[]).includes(key))
      atNode(keyNode, 0, `unknown setting "${key}" (known: ${wrapperSpecKeys.join(', ')})`);
  }
  const value = (key: string) => entries.get(key)?.valueNode;
  const keyOffset = (key: string) => entries.get(key)?.keyNode.range?.[0] ?? 0;

  // A setting that must be a non-empty string: its value, or undefined after reporting why not.
  const text_ = (key: string, required: boolean, pattern?: RegExp, what?: string): string | undefined => {
    const node = value(key);
    if (!entries.has(key)) {
      if (required) at(0, `missing "${key}"`);
      return undefined;
    }
    if (!isScalar(node) || typeof node.value !== 'string' || node.value.trim() === '') {
      atNode(
        node,
        keyOffset(key),
        `"${key}" must be ${what ?? 'a non-empty text'}${isScalar(node) && node.value !== null && node.value !== '' ? ` (got ${describe(node.value)})` : ''}`,
      );
      return undefined;
    }
    if (pattern && !pattern.test(node.value)) {
      atNode(node, keyOffset(key), `"${key}" must be ${what} (got ${JSON.stringify(node.value)})`);
      return undefined;
    }
    return node.value;
  };

  const recipeNode = value('recipe');
  if (!entries.has('recipe')) at(0, `missing "recipe": a declarative cell builds "recipe: ${wrapperRecipe}"`);
  else if (!isScalar(recipeNode) || recipeNode.value !== wrapperRecipe) {
    atNode(
      recipeNode,
      keyOffset('recipe'),
      `"recipe" must be ${wrapperRecipe} (got ${describe(isScalar(recipeNode) ? recipeNode.value : recipeNode)}); the transformers pipeline recipe runs as Python cells`,
    );
  }
  const onnxFolder = text_('onnx_folder', true, undefined, 'the path of an onnxruntime-genai model folder');
  const names = 'a name of letters, digits, ".", "_" and "-"';
  const artifactName = text_('artifact_name', false, namePattern, names) ?? defaultArtifactName;
  const modelName = text_('model_name', false, namePattern, names) ?? defaultModelName;
  const searchOptions = readSearchOptions(value('search_options'), keyOffset('search_options'), entries.has('search_options'), atNode);
  const signature = readSignature(value('signature'), keyOffset('signature'), entries.has('signature'), atNode);
  const inputExample = readInputExample(
    value('input_example'),
    keyOffset('input_example'),
    entries.has('input_example'),
    entries.has('signature'),
    signature,
    atNode,
    at,
  );
  const pipRequirements = readRequirements(
    'pip_requirements',
    value('pip_requirements'),
    keyOffset('pip_requirements'),
    entries.has('pip_requirements'),
    atNode,
  );
  const extraPipRequirements = readRequirements(
    'extra_pip_requirements',
    value('extra_pip_requirements'),
    keyOffset('extra_pip_requirements'),
    entries.has('extra_pip_requirements'),
    atNode,
  );
  const pythonVersion = readPythonVersion(
    value('python_version'),
    keyOffset('python_version'),
    entries.has('python_version'),
    atNode,
    text,
  );
  const experiment = text_('experiment', false) ?? defaultExperiment;
  const runName = text_('run_name', false);
  const registeredModelName = text_('registered_model_name', false);
  const alias = text_('alias', false, /^[A-Za-z0-9_-]+$/, 'an alias of letters, digits, "_" and "-"');
  if (alias !== undefined && /^(latest|v\d+)$/i.test(alias))
    atNode(value('alias'), 0, `"alias" cannot be "${alias}": MLflow reserves "latest" and v<number> for versions`);
  if (entries.has('alias') && !entries.has('registered_model_name'))
    atNode(entries.get('alias')!.keyNode, 0, `"alias" needs "registered_model_name": an alias names a version of a registered model`);

  if (problems.length > 0 || onnxFolder === undefined || signature === undefined || inputExample === undefined) {
    return { ok: false, problems: problems.sort((a, b) => a.line - b.line || a.column - b.column) };
  }
  return {
    ok: true,
    spec: {
      recipe: wrapperRecipe,
      model: {
        onnxFolder: isAbsolute(onnxFolder) ? onnxFolder : resolve(options.baseDir, onnxFolder),
        artifactName,
        searchOptions,
        signature,
        inputExample,
        pipRequirements,
        extraPipRequirements,
        pythonVersion,
      },
      modelName,
      experiment,
      runName,
      registeredModelName,
      alias,
    },
  };
}

type AtNode = (node: Node | null | undefined, fallback: number, message: string) => void;

function entriesOf(map: YAMLMap): Map<string, { keyNode: Node; valueNode: Node | null }> {
  const entries = new Map<string, { keyNode: Node; valueNode: Node | null }>();
  for (const pair of map.items) {
    const keyNode = pair.key as Node;
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    entries.set(key, { keyNode, valueNode: (pair.value as Node | null) ?? null });
  }
  return entries;
}

function readSearchOptions(node: Node | null | undefined, keyOffset: number, present: boolean, atNode: AtNode): GenaiSearchOptions {
  const options: Record<string, number | boolean> = {};
  if (!present) return options;
  if (!isMap(node)) {
    atNode(node, keyOffset, `"search_options" must be a mapping of onnxruntime-genai search options, e.g. "max_length: 2048"`);
    return options;
  }
  for (const [name, { keyNode, valueNode }] of entriesOf(node)) {
    if (!isGenaiSearchOption(name)) {
      atNode(keyNode, keyOffset, `unknown search option "${name}" (known: ${Object.keys(genaiSearchOptionKinds).join(', ')})`);
      continue;
    }
    const raw = isScalar(valueNode) ? valueNode.value : valueNode;
    const problem = searchOptionProblem(name, raw);
    if (problem) atNode(valueNode, keyNode.range?.[0] ?? keyOffset, `search_options.${problem}`);
    else options[name] = raw as number | boolean;
  }
  return options;
}

function readSignature(node: Node | null | undefined, keyOffset: number, present: boolean, atNode: AtNode): ModelSignatureSpec | undefined {
  if (!present) return promptToTextSignature;
  if (!isMap(node)) {
    atNode(node, keyOffset, `"signature" must be a mapping with "inputs" and "outputs"`);
    return undefined;
  }
  const entries = entriesOf(node);
  let ok = true;
  for (const [key, { keyNode }] of entries) {
    if (key !== 'inputs' && key !== 'outputs') {
      atNode(keyNode, keyOffset, `unknown signature field "${key}" (known: inputs, outputs)`);
      ok = false;
    }
  }
  const columns = (which: 'inputs' | 'outputs'): ColumnSpec[] | undefined => {
    const entry = entries.get(which);
    if (!entry) {
      atNode(node, keyOffset, `"signature" has no "${which}"`);
      return undefined;
    }
    if (!isSeq(entry.valueNode) || entry.valueNode.items.length === 0) {
      atNode(
        entry.valueNode,
        entry.keyNode.range?.[0] ?? keyOffset,
        `signature.${which} must be a list of columns such as "- {name: prompt, type: string}"`,
      );
      return undefined;
    }
    const found: ColumnSpec[] = [];
    for (const [index, item] of entry.valueNode.items.entries()) {
      const column = readColumn(item as Node, `signature.${which}[${index}]`, which === 'inputs', atNode, keyOffset);
      if (column) found.push(column);
    }
    return found.length === entry.valueNode.items.length ? found : undefined;
  };
  const inputs = columns('inputs');
  const outputs = columns('outputs');
  if (inputs) {
    const names = inputs.map((column) => column.name);
    const repeated = names.find((name, index) => names.indexOf(name) !== index);
    if (repeated !== undefined) {
      atNode(entries.get('inputs')!.valueNode, keyOffset, `signature.inputs names "${repeated}" twice`);
      return undefined;
    }
    const prompt = inputs.find((column) => column.name === promptInput);
    if (!prompt || prompt.type !== 'string') {
      atNode(
        entries.get('inputs')!.valueNode,
        keyOffset,
        `signature.inputs needs a string column "${promptInput}": the wrapper reads its prompts from model_input["${promptInput}"]`,
      );
      return undefined;
    }
  }
  if (outputs && (outputs.length !== 1 || outputs[0]!.type !== 'string')) {
    atNode(
      entries.get('outputs')!.valueNode,
      keyOffset,
      `signature.outputs must be one string column: the wrapper answers one generated text per prompt`,
    );
    return undefined;
  }
  return ok && inputs && outputs ? { inputs, outputs } : undefined;
}

function readColumn(node: Node, where: string, named: boolean, atNode: AtNode, fallback: number): ColumnSpec | undefined {
  if (!isMap(node)) {
    atNode(node, fallback, `${where} must be a mapping such as "{name: prompt, type: string}"`);
    return undefined;
  }
  const entries = entriesOf(node);
  for (const [key, { keyNode }] of entries) {
    if (!['name', 'type', 'required'].includes(key)) {
      atNode(keyNode, fallback, `unknown column field "${key}" in ${where} (known: name, type, required)`);
      return undefined;
    }
  }
  const nameNode = entries.get('name')?.valueNode;
  const typeNode = entries.get('type')?.valueNode;
  const requiredNode = entries.get('required')?.valueNode;
  const name = isScalar(nameNode) && typeof nameNode.value === 'string' && nameNode.value !== '' ? nameNode.value : undefined;
  if (entries.has('name') && name === undefined) {
    atNode(nameNode, fallback, `${where}.name must be a non-empty text`);
    return undefined;
  }
  if (named && name === undefined) {
    atNode(node, fallback, `${where} has no "name": inputs are named columns`);
    return undefined;
  }
  const type = isScalar(typeNode) ? typeNode.value : undefined;
  if (typeof type !== 'string' || !(columnTypes as readonly string[]).includes(type)) {
    atNode(
      typeNode ?? node,
      fallback,
      `${where}.type must be one of ${columnTypes.join(', ')}${type !== undefined && type !== null ? ` (got ${describe(type)})` : ''}`,
    );
    return undefined;
  }
  const required = isScalar(requiredNode) ? requiredNode.value : true;
  if (typeof required !== 'boolean') {
    atNode(requiredNode, fallback, `${where}.required must be true or false`);
    return undefined;
  }
  return name === undefined ? { type: type as ColumnType, required } : { name, type: type as ColumnType, required };
}

function readInputExample(
  node: Node | null | undefined,
  keyOffset: number,
  present: boolean,
  customSignature: boolean,
  signature: ModelSignatureSpec | undefined,
  atNode: AtNode,
  at: (offset: number, message: string) => void,
): Record<string, unknown> | undefined {
  if (!present) {
    if (customSignature) {
      at(0, `missing "input_example": a cell with its own signature gives an example that fits it`);
      return undefined;
    }
    return { ...defaultInputExample };
  }
  if (!isMap(node)) {
    atNode(node, keyOffset, `"input_example" must be a mapping of inputs, e.g. "prompt: What is MLflow?"`);
    return undefined;
  }
  const example = node.toJSON() as Record<string, unknown>;
  if (!signature) return example;
  const problems = inputExampleProblems(example, signature.inputs);
  for (const problem of problems) {
    // Point at the input the problem names, when there is one.
    const named = /"([^"]+)"/.exec(problem)?.[1];
    const entry = named !== undefined ? entriesOf(node).get(named) : undefined;
    atNode(entry?.valueNode ?? entry?.keyNode ?? node, keyOffset, problem);
  }
  return problems.length === 0 ? example : undefined;
}

function readRequirements(
  key: string,
  node: Node | null | undefined,
  keyOffset: number,
  present: boolean,
  atNode: AtNode,
): string[] | undefined {
  if (!present) return undefined;
  if (!isSeq(node)) {
    atNode(node, keyOffset, `"${key}" must be a list of pip requirements, e.g. "- numpy==2.4.6"`);
    return undefined;
  }
  const requirements: string[] = [];
  for (const item of node.items as Node[]) {
    if (!isScalar(item) || typeof item.value !== 'string' || item.value.trim() === '' || /[\r\n]/.test(item.value)) {
      atNode(
        item,
        keyOffset,
        `each of "${key}" must be one pip requirement on one line${isScalar(item) ? ` (got ${describe(item.value)})` : ''}`,
      );
      continue;
    }
    requirements.push(item.value.trim());
  }
  return requirements;
}

function readPythonVersion(
  node: Node | null | undefined,
  keyOffset: number,
  present: boolean,
  atNode: AtNode,
  text: string,
): string | undefined {
  if (!present) return undefined;
  const raw = isScalar(node) ? node.value : undefined;
  if (typeof raw === 'number') {
    const written = node?.range ? text.slice(node.range[0], node.range[1]) : String(raw);
    atNode(node, keyOffset, `"python_version" must be quoted ("${written}"): YAML reads ${written} as the number ${raw}`);
    return undefined;
  }
  if (typeof raw !== 'string' || !/^3\.\d+(\.\d+)?$/.test(raw)) {
    atNode(
      node,
      keyOffset,
      `"python_version" must be a Python 3 version such as "3.11" or "3.11.7"${raw !== undefined ? ` (got ${describe(raw)})` : ''}`,
    );
    return undefined;
  }
  return raw;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isSeq(value)) return 'a list';
  if (isMap(value)) return 'a mapping';
  return String(value);
}

function yamlMessage(code: string, message: string, source: string): string {
  if (code === 'DUPLICATE_KEY') return `"${source.trim()}" is given twice`;
  // The yaml library's messages end with a source excerpt once prettyErrors is on; they are off here.
  return `not valid YAML: ${message}`;
}
