/**
 * A string literal in MLflow's search syntax (the `filter` of the search calls): in single quotes,
 * or for a value holding `'`, in double quotes with its own `"` dropped.
 */
export function searchLiteral(value: string): string {
  return value.includes("'") ? `"${value.replace(/"/g, '')}"` : `'${value}'`;
}
