/**
 * JSON text as Python's `json.dumps` writes it (MLflow writes the signature and the input examples
 * with it): `", "` and `": "` separators, every character outside printable ASCII escaped
 * (`ensure_ascii`), and with `indent` one entry a line. Python reads any JSON alike; matching its
 * spelling keeps these files byte-identical to the ones MLflow writes.
 */
export function pythonJsonDumps(value: unknown, indent?: number): string {
  return dump(value, indent, '');
}

function dump(value: unknown, indent: number | undefined, margin: string): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return pythonJsonString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`JSON has no ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const inner = indent === undefined ? '' : margin + ' '.repeat(indent);
  const open = (items: string[], left: string, right: string) => {
    if (items.length === 0) return left + right;
    if (indent === undefined) return left + items.join(', ') + right;
    return `${left}\n${items.map((item) => inner + item).join(',\n')}\n${margin}${right}`;
  };
  if (Array.isArray(value))
    return open(
      value.map((item) => dump(item, indent, inner)),
      '[',
      ']',
    );
  if (typeof value === 'object') {
    return open(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => `${pythonJsonString(key)}: ${dump(item, indent, inner)}`),
      '{',
      '}',
    );
  }
  throw new TypeError(`JSON has no ${typeof value}`);
}

/** A JSON string with everything outside printable ASCII as `\uXXXX` (UTF-16 units, as Python does). */
export function pythonJsonString(text: string): string {
  return JSON.stringify(text).replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
