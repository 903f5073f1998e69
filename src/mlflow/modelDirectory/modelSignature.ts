import { pythonJsonDumps } from './pythonJson';

/** The column types of an MLflow column-based signature that a YAML or JSON value can carry. */
export const columnTypes = ['string', 'long', 'integer', 'double', 'float', 'boolean'] as const;
export type ColumnType = (typeof columnTypes)[number];

export interface ColumnSpec {
  /** Undefined for an unnamed output, as `infer_signature(example, ["Run"])` gives. */
  readonly name?: string;
  readonly type: ColumnType;
  readonly required: boolean;
}

export interface ModelSignatureSpec {
  readonly inputs: readonly ColumnSpec[];
  readonly outputs: readonly ColumnSpec[];
}

/** `{prompt: string} -> string`: what `infer_signature({"prompt": "..."}, ["Run"])` gives. */
export const promptToTextSignature: ModelSignatureSpec = {
  inputs: [{ name: 'prompt', type: 'string', required: true }],
  outputs: [{ type: 'string', required: true }],
};

/**
 * A signature's columns as the JSON string MLflow keeps in `MLmodel`, in its key order:
 * `[{"type": "string", "name": "prompt", "required": true}]`.
 */
export function signatureColumnsJson(columns: readonly ColumnSpec[]): string {
  return pythonJsonDumps(
    columns.map((column) =>
      column.name === undefined
        ? { type: column.type, required: column.required }
        : { type: column.type, name: column.name, required: column.required },
    ),
  );
}

/**
 * Why an input example (`{column: value}` or `{column: [values]}`) does not fit the signature's
 * inputs, one message per problem; empty when it fits. MLflow checks the same when it logs a model
 * and refuses to serve requests that do not fit.
 */
export function inputExampleProblems(example: Readonly<Record<string, unknown>>, inputs: readonly ColumnSpec[]): string[] {
  const problems: string[] = [];
  const known = new Map(inputs.map((column) => [column.name, column]));
  for (const key of Object.keys(example)) {
    if (!known.has(key))
      problems.push(
        `the input example has "${key}", which is not an input of the signature (inputs: ${inputs.map((c) => c.name).join(', ')})`,
      );
  }
  let rows: number | undefined;
  for (const column of inputs) {
    const value = example[column.name ?? ''];
    if (value === undefined || value === null) {
      if (column.required) problems.push(`the input example has no "${column.name}", a required ${column.type} input of the signature`);
      continue;
    }
    const values = Array.isArray(value) ? value : [value];
    if (Array.isArray(value)) {
      if (value.length === 0) problems.push(`the input example's "${column.name}" is an empty list`);
      if (rows !== undefined && rows !== value.length)
        problems.push(`the input example's lists differ in length ("${column.name}" has ${value.length} values, an earlier input ${rows})`);
      rows ??= value.length;
    }
    const wrong = values.find((item) => !fitsType(item, column.type));
    if (wrong !== undefined)
      problems.push(`the input example's "${column.name}" should be ${article(column.type)} ${column.type}, not ${describeValue(wrong)}`);
  }
  return problems;
}

function fitsType(value: unknown, type: ColumnType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'long':
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'double':
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
  }
}

function article(type: ColumnType): string {
  return type === 'integer' ? 'an' : 'a';
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}
