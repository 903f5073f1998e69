import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, type Document } from 'yaml';
import schema from '../../schemas/mlflow-wrapper.schema.json';

/** A problem in an `mlflow-wrapper` cell while it is typed: where (0-based, end exclusive) and what. */
export interface SchemaProblem {
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly message: string;
}

let compiled: ValidateFunction | undefined;

/** The cell schema compiled once, on first use (Ajv generates the checking code). */
function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, strict: false }).compile(schema);
  return compiled;
}

type Segment = string | number;

const pathOf = (instancePath: string): Segment[] =>
  instancePath === ''
    ? []
    : instancePath
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));

/** The key node of `key` in the mapping at `path`, or the node at `path` itself. */
function nodeAt(document: Document, path: Segment[], key?: string): Node | undefined {
  const node = path.length === 0 ? document.contents : document.getIn(path, true);
  if (key === undefined) return (node ?? undefined) as Node | undefined;
  if (isMap(node)) {
    const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === key);
    if (pair && isScalar(pair.key)) return pair.key;
  }
  return (node ?? undefined) as Node | undefined;
}

const dotted = (path: Segment[]) =>
  path
    .map((s) => (typeof s === 'number' ? `[${s}]` : s))
    .join('.')
    .replace(/\.\[/g, '[');

/** The schema's properties at a data path (through $ref, items and additionalProperties). */
function schemaAt(path: Segment[]): Record<string, unknown> | undefined {
  let current: Record<string, unknown> | undefined = schema as Record<string, unknown>;
  for (const segment of path) {
    current = resolveRef(current);
    if (!current) return undefined;
    if (typeof segment === 'number') current = current.items as Record<string, unknown> | undefined;
    else
      current = ((current.properties as Record<string, Record<string, unknown>> | undefined)?.[segment] ?? current.additionalProperties) as
        Record<string, unknown> | undefined;
  }
  return resolveRef(current);
}

/** Follows a local `$ref` (#/definitions/…); keeps the referring schema's description. */
export function resolveRef(node: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!node || typeof node.$ref !== 'string') return node;
  const target = node.$ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], schema) as Record<string, unknown> | undefined;
  return target ? { ...resolveRef(target), ...(node.description ? { description: node.description } : {}) } : undefined;
}

/** The schema's patterns in words (the schema keeps them as regular expressions). */
const patternWords: Record<string, string> = {
  '^[A-Za-z0-9][A-Za-z0-9._-]*$': 'a name of letters, digits, ".", "_" and "-"',
  '^[A-Za-z0-9_-]+$': 'letters, digits, "_" and "-"',
  '^3\\.\\d+(\\.\\d+)?$': 'a Python version such as "3.11", quoted',
  '^[^\\r\\n]+$': 'one requirement on one line',
};

const typeWords: Record<string, string> = {
  string: 'a text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'empty',
};

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** A user's message for one Ajv error, and the data path whose node it underlines (and a key there). */
function explain(error: ErrorObject, data: unknown): { path: Segment[]; key?: string; message: string } {
  const path = pathOf(error.instancePath);
  const name = path.length > 0 ? `"${dotted(path)}"` : 'the cell';
  const value = path.reduce<unknown>((at, s) => (at as Record<string | number, unknown> | undefined)?.[s], data);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((schemaAt(path)?.properties as object | undefined) ?? {});
      return {
        path,
        key,
        message: `unknown setting "${key}"${path.length ? ` in ${name}` : ''}${known.length ? ` (known: ${known.join(', ')})` : ''}`,
      };
    }
    case 'required': {
      const missing = String(params.missingProperty);
      return { path, message: path.length ? `${name} needs "${missing}"` : `missing "${missing}"` };
    }
    case 'dependencies':
      return { path, key: String(params.property), message: `"${String(params.property)}" needs "${String(params.missingProperty)}" too` };
    case 'type': {
      const wanted = String(params.type)
        .split(',')
        .map((t) => typeWords[t] ?? t)
        .join(' or ');
      return { path, message: `${name} must be ${wanted} (got ${describeValue(value)})` };
    }
    case 'enum':
      return {
        path,
        message: `${name} must be one of ${(params.allowedValues as unknown[]).map((v) => String(v)).join(', ')} (got ${describeValue(value)})`,
      };
    case 'const':
      return { path, message: `${name} must be ${String(params.allowedValue)} (got ${describeValue(value)})` };
    case 'pattern':
      return {
        path,
        message: `${name} must be ${patternWords[String(params.pattern)] ?? `text matching ${String(params.pattern)}`} (got ${describeValue(value)})`,
      };
    case 'not':
      return { path, message: `${name} cannot be ${describeValue(value)}: "latest" and v<number> are reserved by MLflow` };
    case 'anyOf':
      return { path, message: `${name} must be a text, a number, true/false, or a list of them (got ${describeValue(value)})` };
    case 'contains':
      return { path, message: `${name} needs a column named prompt of type string (the wrapper reads model_input["prompt"])` };
    case 'minLength':
      return { path, message: `${name} must not be empty` };
    default:
      return { path, message: `${name} ${error.message ?? 'is not valid'}` };
  }
}

/**
 * Checks an `mlflow-wrapper` cell's YAML against schemas/mlflow-wrapper.schema.json while it is
 * typed: YAML syntax errors, then every schema error, each placed on the key or value it is about.
 * Empty when the cell fits the schema (running it still checks the folder and the example).
 */
export function wrapperSchemaProblems(text: string): SchemaProblem[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: '1.2' });
  const span = (start: number, end: number, message: string): SchemaProblem => {
    const from = lineCounter.linePos(start);
    const to = lineCounter.linePos(Math.max(end, start));
    return { line: from.line - 1, column: from.col - 1, endLine: to.line - 1, endColumn: to.col - 1, message };
  };
  if (document.errors.length > 0) {
    return document.errors.map((error) =>
      span(error.pos[0], error.pos[1], error.message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '')),
    );
  }
  if (text.trim() === '') return [];
  const data = document.toJS() as unknown;
  if (validator()(data)) return [];
  const errors = validator().errors ?? [];
  // anyOf's branches and contains' items each report why they failed: one message for the whole says it better.
  const kept = errors.filter((e) => !e.schemaPath.includes('/anyOf/') && !e.schemaPath.includes('/contains/'));
  const seen = new Set<string>();
  const problems: SchemaProblem[] = [];
  for (const error of kept) {
    const { path, key, message } = explain(error, data);
    const node = nodeAt(document, path, key);
    const [start, end] = node?.range
      ? [node.range[0], key !== undefined || isMap(node) || isSeq(node) ? firstLineEnd(text, node.range[0], node.range[1]) : node.range[1]]
      : [0, firstLineEnd(text, 0, text.length)];
    const problem = span(start, end, message);
    const id = `${problem.line}:${problem.column}:${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    problems.push(problem);
  }
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** A mapping or list is underlined on its first line only, not across all its lines. */
function firstLineEnd(text: string, start: number, end: number): number {
  const newline = text.indexOf('\n', start);
  return newline === -1 || newline > end ? end : newline;
}
