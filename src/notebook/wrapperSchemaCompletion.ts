import schema from '../../schemas/mlflow-wrapper.schema.json';
import { resolveRef } from './wrapperSchemaCheck';

/** One completion in an `mlflow-wrapper` cell: a key of the mapping the cursor is in, or a value of the key on its line. */
export interface SchemaCompletion {
  readonly kind: 'key' | 'value';
  readonly label: string;
  /** What replaces the word before the cursor (from `replaceFrom` to the cursor, on the cursor's line). */
  readonly insertText: string;
  readonly replaceFrom: number;
  readonly detail?: string;
  readonly documentation?: string;
}

type SchemaNode = Record<string, unknown>;
type Step = string | typeof arrayItem;
const arrayItem = Symbol('array item');

interface LineShape {
  /** Column of the key (after a `- ` when the line starts a list item), or -1 for a line without one. */
  readonly keyColumn: number;
  /** Column of the `- ` that starts a list item, or -1. */
  readonly dashColumn: number;
  readonly key?: string;
  /** The text after `key:`, trimmed. */
  readonly rest?: string;
}

function shape(line: string): LineShape | undefined {
  if (/^\s*(#.*)?$/.test(line)) return undefined;
  const match = /^(\s*)(-\s+)?(?:([A-Za-z_][\w.-]*)\s*:(?:\s+|$)(.*))?/.exec(line)!;
  const indent = match[1]!.length;
  const dashColumn = match[2] ? indent : -1;
  const keyColumn = match[2] ? indent + match[2].length : indent;
  return match[3] !== undefined ? { keyColumn, dashColumn, key: match[3], rest: match[4]!.trim() } : { keyColumn, dashColumn };
}

/**
 * The path of mappings that holds a key starting at `column` on line `lineIndex`, found by
 * indentation (so it works on half-typed YAML that does not parse), and the keys already there.
 */
function contextOf(lines: string[], lineIndex: number, column: number): { path: Step[]; siblings: Set<string> } {
  const path: Step[] = [];
  const siblings = new Set<string>();
  let level = column;
  let inItem = (shape(lines[lineIndex] ?? '')?.dashColumn ?? -1) >= 0 && shape(lines[lineIndex] ?? '')!.keyColumn === column;
  let itemDash = inItem ? shape(lines[lineIndex]!)!.dashColumn : -1;
  let collecting = true;
  for (let i = lineIndex - 1; i >= 0; i--) {
    const line = shape(lines[i]!);
    if (!line) continue;
    if (line.keyColumn === level && line.key) {
      if (collecting) siblings.add(line.key);
      if (line.dashColumn >= 0) {
        // The first key of the list item this mapping is.
        inItem = true;
        itemDash = line.dashColumn;
        collecting = false;
      }
      continue;
    }
    const limit = inItem ? itemDash : level;
    if (line.keyColumn < limit || (line.keyColumn <= limit && line.dashColumn < 0)) {
      if (!line.key) break;
      if (inItem) path.unshift(arrayItem);
      path.unshift(line.key);
      level = line.keyColumn;
      inItem = line.dashColumn >= 0;
      itemDash = line.dashColumn;
      collecting = false;
    }
  }
  // Keys below the cursor in the same mapping count as present too.
  for (let i = lineIndex + 1; i < lines.length; i++) {
    const line = shape(lines[i]!);
    if (!line) continue;
    if (line.keyColumn < column || line.dashColumn >= 0) break;
    if (line.keyColumn === column && line.key) siblings.add(line.key);
  }
  return { path, siblings };
}

function schemaFor(path: Step[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = schema as SchemaNode;
  for (const step of path) {
    node = resolveRef(node);
    if (!node) return undefined;
    node = (step === arrayItem ? node.items : (node.properties as Record<string, SchemaNode> | undefined)?.[step]) as
      SchemaNode | undefined;
  }
  return resolveRef(node);
}

const typeOf = (node: SchemaNode | undefined): string | undefined =>
  node
    ? Array.isArray(node.type)
      ? node.type.join(' | ')
      : typeof node.type === 'string'
        ? node.type
        : Array.isArray(node.enum)
          ? 'enum'
          : node.const !== undefined
            ? 'const'
            : undefined
    : undefined;

/** YAML for a scalar value as typed: quoted when it would read as something else (a number-like text). */
function yamlScalar(value: unknown): string {
  if (typeof value !== 'string') return String(value);
  return /^[A-Za-z_][\w./-]*$/.test(value) && !/^(true|false|null|yes|no|on|off)$/i.test(value) ? value : JSON.stringify(value);
}

/**
 * Completions at a position of an `mlflow-wrapper` cell (0-based line and character): the schema's
 * keys for the mapping the cursor is in (those not there yet), or, after `key: `, the values its
 * schema allows (enums, const, true/false) and its default.
 */
export function wrapperSchemaCompletions(text: string, line: number, character: number): SchemaCompletion[] {
  const lines = text.split(/\r?\n/);
  const before = (lines[line] ?? '').slice(0, character);

  const valueMatch = /^(\s*)(-\s+)?([A-Za-z_][\w.-]*)\s*:\s+(\S*)$/.exec(before) ?? /^(\s*)(-\s+)?([A-Za-z_][\w.-]*)\s*:()$/.exec(before);
  if (valueMatch) {
    const keyColumn = valueMatch[1]!.length + (valueMatch[2]?.length ?? 0);
    const { path } = contextOf(lines, line, keyColumn);
    const node = schemaFor([...path, valueMatch[3]!]);
    if (!node) return [];
    const typed = valueMatch[4]!;
    const replaceFrom = character - typed.length;
    const space = before.endsWith(':') ? ' ' : '';
    const values: unknown[] = Array.isArray(node.enum)
      ? node.enum
      : node.const !== undefined
        ? [node.const]
        : node.type === 'boolean'
          ? [true, false]
          : [];
    if (node.default !== undefined && !values.includes(node.default)) values.push(node.default);
    return values.map((value) => ({
      kind: 'value' as const,
      label: String(value),
      insertText: `${space}${yamlScalar(value)}`,
      replaceFrom,
      detail: value === node.default ? 'default' : typeOf(node),
      ...(typeof node.description === 'string' ? { documentation: node.description } : {}),
    }));
  }

  const keyMatch = /^(\s*)(-\s+)?([A-Za-z_][\w.-]*)?$/.exec(before);
  if (!keyMatch) return [];
  const indent = keyMatch[1]!.length + (keyMatch[2]?.length ?? 0);
  const { path, siblings } = contextOf(lines, line, indent);
  const node = schemaFor(path);
  const properties = (node?.properties as Record<string, SchemaNode> | undefined) ?? {};
  const typed = keyMatch[3] ?? '';
  const childIndent = ' '.repeat(indent + 2);
  return Object.entries(properties)
    .filter(([key]) => !siblings.has(key) || key === typed)
    .map(([key, raw]) => {
      const property = resolveRef(raw) ?? raw;
      const kind = typeOf(property);
      const insertText = kind === 'object' ? `${key}:\n${childIndent}` : kind === 'array' ? `${key}:\n${childIndent}- ` : `${key}: `;
      return {
        kind: 'key' as const,
        label: key,
        insertText,
        replaceFrom: character - typed.length,
        ...(kind ? { detail: kind } : {}),
        ...(typeof property.description === 'string' ? { documentation: property.description } : {}),
      };
    });
}
